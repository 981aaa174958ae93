"""A GenerateContent call's own work (validation, the reply and its stream layout), off the event loop
when it may be long.

A plain prompt is handled inline: handing it to a thread would cost more than the work. A request
with schemas or tools, a large request, or one asking for many words goes to a worker thread, so
the event loop keeps serving every other client meanwhile (and a client that gives up frees its
handler at once). The limits elsewhere bound the work itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

import grpc
from genai_protos import generative_service_pb2
from google.protobuf.message import Message

from . import _catalog, _knobs
from ._chunks import Layout, layout
from ._generate import Reply, Shape, plan_reply
from ._schema_graph import SchemaError
from ._status import RpcFailure, invalid_argument
from ._validate import MAX_CANDIDATES, check_generate, raise_if

T = TypeVar("T")
gs = generative_service_pb2

INLINE_BYTES = 16 * 1024  # larger requests are parsed (and handled) on a worker thread
MAX_REPLY_WORDS = 1_000_000  # x-emulator-reply-words / -chunks, times candidate_count
INLINE_WORDS = 4_096
WORKERS = 2  # the GIL runs one at a time anyway; two keep a short job from queueing behind a long one


@dataclass(slots=True)
class Plan:
    """A validated request's reply, and for a stream, how it is cut into chunks."""

    reply: Reply
    layout: Layout | None = None


def _candidates(config: gs.GenerationConfig) -> int:
    return config.candidate_count if config.HasField("candidate_count") else 1


def _words(knobs: _knobs.Knobs) -> int:
    return max(knobs.reply_words or 0, knobs.chunks or 0)


def small(request: Message, size: int = -1) -> bool:
    """Whether the request (of `size` bytes on the wire, if known) is small enough for the loop."""
    return (size if size >= 0 else request.ByteSize()) <= INLINE_BYTES


def inline(request: gs.GenerateContentRequest, knobs: _knobs.Knobs, size: int = -1) -> bool:
    """Whether the request (of `size` bytes on the wire, if known) is cheap enough to handle on
    the event loop."""
    if request.tools:
        return False
    if request.HasField("generation_config"):
        config = request.generation_config
        if config.HasField("response_schema") or config.HasField("response_json_schema"):
            return False
        if config.HasField("response_json_schema_ordered"):
            return False
        if _words(knobs) * min(max(_candidates(config), 1), MAX_CANDIDATES) > INLINE_WORDS:
            return False
    elif _words(knobs) > INLINE_WORDS:
        return False
    return small(request, size)


def plan(
    request: gs.GenerateContentRequest,
    entry: _catalog.CatalogEntry,
    knobs: _knobs.Knobs,
    stream: bool,
) -> Plan:
    """Validate the request and decide its reply; RpcFailure for anything refused."""
    violations, schemas = check_generate(request, entry)
    raise_if("GenerateContentRequest", violations)
    words, candidates = _words(knobs), _candidates(request.generation_config)
    if words * candidates > MAX_REPLY_WORDS:
        raise RpcFailure(
            grpc.StatusCode.INVALID_ARGUMENT,
            f"{_knobs.REPLY_WORDS} / {_knobs.CHUNKS} ask for {words} words in each of {candidates} "
            f"candidates; the emulator writes at most {MAX_REPLY_WORDS} words per reply",
        )
    try:
        reply = plan_reply(request, Shape(knobs.reply_words, knobs.chunks, knobs.count_contents), schemas)
    except SchemaError as exc:
        raise invalid_argument("GenerateContentRequest", [(exc.field, str(exc))]) from None
    limit = entry.model.input_token_limit
    if limit and reply.usage.prompt_token_count > limit:  # counted while planning: cheaper than twice
        raise invalid_argument(
            "GenerateContentRequest",
            [
                (
                    "contents",
                    f"the input has {reply.usage.prompt_token_count} tokens; {entry.name} accepts "
                    f"at most {limit}",
                )
            ],
        )
    return Plan(reply, layout(reply, knobs.chunks) if stream else None)


class Workers:
    """A few threads for one server's long requests (created on first use, dropped at stop)."""

    def __init__(self) -> None:
        self._executor: ThreadPoolExecutor | None = None

    def submit(self, work: Callable[[], T]) -> asyncio.Future[T]:
        """`work()` on a worker thread; cancelling the future drops it unless it already started
        (started work is bounded and finishes on its own)."""
        if self._executor is None:
            self._executor = ThreadPoolExecutor(WORKERS, thread_name_prefix="genai-emulator-work")
        return asyncio.get_running_loop().run_in_executor(self._executor, work)

    def close(self) -> None:
        """Stop taking work; queued work is dropped and running work finishes on its own."""
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)
