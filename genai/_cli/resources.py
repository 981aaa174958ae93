"""`genai caches create|list|delete` and `genai operations get|wait NAME`: each resource in one line.

    genai caches create --text "A long document..." --ttl 600    # name, model, expiry, tokens
    genai caches list
    genai caches delete cachedContents/abc
    genai operations get tunedModels/t/operations/o               # name, state, progress or result
    genai operations wait models/veo-2.0-generate-001/operations/o --wait-timeout 600

The lines are tab-separated, for `cut` and `awk`. A wait reports each poll on stderr; a failed
operation ends it with the operation's error (exit status 1), and so does a wait that times out
(the operation goes on; its name is in the message).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from google.protobuf import text_format

from genai._cli.show import shorten
from genai._client import Client
from genai._requests.caches import CreateCachedContentConfig
from genai._sync.caches import CachedContent
from genai._sync.operations import Operation
from genai._wire import messages as pb

__all__ = ["cache_line", "caches", "operation_lines", "operations"]

MAX_DETAIL = 200  # characters of a message's one-line text kept in a summary


def cache_line(cache: CachedContent) -> str:
    """name, model, expire time (ISO 8601, UTC), total tokens; tab-separated."""
    expire = cache.expire_time.isoformat() if cache.expire_time is not None else "-"
    tokens = cache.usage_metadata.total_token_count
    return f"{cache.name}\t{cache.model}\t{expire}\t{tokens} tokens"


def _message_line(message: Any) -> str:
    text = text_format.MessageToString(message, as_one_line=True) if hasattr(message, "DESCRIPTOR") else ""
    return shorten(text or "{}", MAX_DETAIL)


def _progress(metadata: Any) -> str:
    if isinstance(metadata, pb.CreateTunedModelMetadata):
        return f"{metadata.completed_steps}/{metadata.total_steps} steps"
    if metadata is None:
        return "-"
    return _message_line(metadata)


def _outcome(result: Any) -> list[str]:
    if isinstance(result, pb.TunedModel):
        return [f"{result.name}\t{pb.TunedModel.State.Name(result.state)}\t{result.base_model}"]
    if isinstance(result, pb.PredictLongRunningResponse):
        videos = result.generate_video_response
        lines = []
        for media in videos.generated_samples:
            kind = media.video.WhichOneof("content")
            lines.append(
                f"video\t{media.video.uri}" if kind == "uri" else f"video\t<{len(media.video.video)} bytes>"
            )
        if videos.rai_media_filtered_count:
            reasons = "; ".join(videos.rai_media_filtered_reasons) or "no reason given"
            lines.append(f"filtered\t{videos.rai_media_filtered_count}\t{shorten(reasons, MAX_DETAIL)}")
        return lines or ["no videos"]
    return [_message_line(result)]


def operation_lines(operation: Operation) -> list[str]:
    """The operation's state line (name, running/done/failed, progress or error), then its result's."""
    if not operation.done:
        return [f"{operation.name}\trunning\t{_progress(operation.metadata)}"]
    error = operation.error
    if error is not None:
        return [f"{operation.name}\tfailed\t{error.code.name}: {shorten(error.message, MAX_DETAIL)}"]
    return [f"{operation.name}\tdone", *_outcome(operation.result())]


def caches(client: Client, args: argparse.Namespace) -> None:
    if args.action == "create":
        contents: list[str] = list(args.text or [])
        for path in args.file or []:
            contents.append(Path(path).read_text(encoding="utf-8"))
        config = CreateCachedContentConfig(
            contents=contents, system_instruction=args.system, display_name=args.display_name, ttl=args.ttl
        )
        print(cache_line(client.caches.create(model=args.model, config=config)))
    elif args.action == "list":
        for cache in client.caches.list(config={"page_size": args.page_size}):
            print(cache_line(cache))
    else:
        client.caches.delete(name=args.name)
        print(f"deleted\t{args.name}")


def operations(client: Client, args: argparse.Namespace) -> None:
    if args.action == "get":
        operation = client.operations.get(args.name)
    else:

        def report(polled: Operation) -> None:
            print(f"genai: {operation_lines(polled)[0]}", file=sys.stderr, flush=True)

        operation = client.operations.wait(args.name, timeout=args.wait_timeout, on_progress=report)
    for line in operation_lines(operation):
        print(line)
