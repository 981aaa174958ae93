"""Authenticated downloads over HTTP(S) (generated videos): the key in ``x-goog-api-key``, never the URL.

    >>> local = ChannelSettings(endpoint="127.0.0.1:1", http_endpoint="127.0.0.1:8080", insecure=True)
    >>> download_url(local, "http://127.0.0.1:8080/v1beta/generatedVideos/v:download?alt=media")
    'http://127.0.0.1:8080/v1beta/generatedVideos/v:download?alt=media'

The key goes only to the client's own ``http_endpoint`` (its scheme: https, or http when
``insecure=True``): a URI naming another host, or carrying a ``key`` parameter, is refused before
anything is sent. The body is streamed to disk in chunks (memory bounded by the chunk size).

This uses urllib from the standard library, blocking, behind the one function ``fetch``: the
asyncio face runs it on a worker thread (``AsyncTransport.run_blocking``). When genai takes a real
HTTP client (the uploads' one), only ``fetch`` changes.
"""

from __future__ import annotations

import os
import urllib.error
import urllib.request
from pathlib import Path
from typing import IO
from urllib.parse import parse_qs, urlsplit

from genai._transport.settings import ChannelSettings
from genai._transport.websocket import ssl_context
from genai.errors import APIError, error_class

__all__ = ["CHUNK_BYTES", "download_url", "fetch"]

CHUNK_BYTES = 1 << 20
TIMEOUT_SECONDS = 300.0
_STATUS_CODES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


def download_url(settings: ChannelSettings, uri: object) -> str:
    """`uri` checked: on the client's http_endpoint, with its scheme, and no key in it (ValueError)."""
    if not isinstance(uri, str):
        raise TypeError(f"uri: expected a str; got {type(uri).__name__}")
    parts = urlsplit(uri)
    scheme = "http" if settings.insecure else "https"
    target = settings.http_target
    if parts.scheme != scheme or _host_port(parts.netloc, scheme) != _host_port(target, scheme):
        shown = f"{parts.scheme}://{parts.netloc}" if parts.scheme else repr(uri[:60])
        raise ValueError(
            f"uri: {shown} is not this client's HTTP endpoint ({scheme}://{target}); the API key is "
            "only sent there (set http_endpoint= on the client to download from another host)"
        )
    if "key" in parse_qs(parts.query):
        raise ValueError("uri: carries a 'key' parameter; the key is sent only in the x-goog-api-key header")
    return uri


def _host_port(netloc: str, scheme: str) -> tuple[str, int]:
    """("host", port) of a "host[:port]" (the scheme's default port when none), lowercased."""
    parts = urlsplit(f"//{netloc}")
    try:
        port = parts.port
    except ValueError:
        port = -1
    return (parts.hostname or "").lower(), port if port is not None else (80 if scheme == "http" else 443)


def _error(status: int, body: bytes) -> APIError:
    import grpc  # the error classes are keyed by gRPC status

    code = getattr(grpc.StatusCode, _STATUS_CODES.get(status, "UNKNOWN"))
    text = body[:500].decode("utf-8", "replace").strip()
    return error_class(code)(f"download failed: HTTP {status}: {text}", code=code)


def fetch(
    settings: ChannelSettings, uri: object, path: Path | None, chunk_bytes: int = CHUNK_BYTES
) -> bytes | int:
    """GET `uri` (checked with download_url) with the key in a header; the body streamed into `path`
    (returns the bytes written) or, with no path, returned."""
    url = download_url(settings, uri)
    headers = {"x-goog-api-key": settings.api_key} if settings.api_key else {}
    request = urllib.request.Request(url, headers=headers, method="GET")
    context = ssl_context(settings)
    try:
        response = urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS, context=context)
    except urllib.error.HTTPError as err:
        with err:
            raise _error(err.code, err.read()) from None
    except OSError as err:  # refused, reset, TLS: no HTTP answer at all
        import grpc

        raise error_class(grpc.StatusCode.UNAVAILABLE)(
            f"download failed: {type(err).__name__}: {err}", code=grpc.StatusCode.UNAVAILABLE
        ) from err
    with response:
        if path is None:
            return bytes(response.read())
        return _stream(response, path, chunk_bytes)


def _stream(source: IO[bytes], path: Path, chunk_bytes: int) -> int:
    """Copy `source` to `path` chunk by chunk, through a temporary file renamed at the end (a failed
    download leaves no partial file)."""
    part = path.with_name(path.name + ".part")
    written = 0
    try:
        with open(part, "wb") as out:
            while chunk := source.read(chunk_bytes):
                out.write(chunk)
                written += len(chunk)
        os.replace(part, path)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return written
