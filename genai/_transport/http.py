"""Plain HTTP for files (resumable uploads, downloads): the hand-written thread / asyncio pair.

``FileHttp`` (threads) and ``AsyncFileHttp`` (asyncio) have the same methods, so the upload
protocol is written once (``genai._aio.files``, whose generated sync face uses ``FileHttp``):

    post(url, headers, content) -> HttpAnswer        a request; HttpTransportError when the
                                                     connection breaks or times out
    download(url, headers, path, block) -> HttpAnswer  a GET streamed to `path` when it is 200
    run(function, *args)                            blocking work (file reads): a worker thread
                                                     on the asyncio face, never the loop
    sleep(seconds)

They use httpx2 (httpx's maintained successor: sync and async clients, connection reuse, TLS;
the optional `files` extra), with the gRPC channel's TLS settings: the client's
``root_certificates`` (else the system roots), plaintext only with ``insecure=True`` (the same
loopback rule). The key travels in the ``x-goog-api-key`` header the caller passes, never in a
URL; errors raised here never carry the URL or the headers.
"""

from __future__ import annotations

import asyncio
import threading
import time
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from genai._transport.settings import ChannelSettings
from genai._transport.websocket import ssl_context

__all__ = ["AsyncFileHttp", "FileHttp", "HttpAnswer", "HttpTransportError", "base_url"]

T = TypeVar("T")
CONNECT_TIMEOUT = 20.0
IO_TIMEOUT = 120.0  # one chunk's write or one answer's read


@dataclass(frozen=True)
class HttpAnswer:
    """A response: status, headers (lower-case names) and body (empty for a streamed download)."""

    status: int
    headers: Mapping[str, str]
    body: bytes


class HttpTransportError(ConnectionError):
    """The connection broke, or timed out, before an answer came (the message names the kind of
    failure only: never the URL or a header)."""


def base_url(settings: ChannelSettings) -> str:
    """``https://host:port`` of the client's HTTP side (``http://`` with ``insecure=True``)."""
    scheme = "http" if settings.insecure else "https"
    return f"{scheme}://{settings.http_target}"


def _httpx() -> Any:
    try:
        import httpx2
    except ImportError:
        raise ImportError(
            "uploads and downloads of files need the httpx2 package: pip install 'genai[files]'"
        ) from None
    return httpx2


def _client_options(settings: ChannelSettings) -> dict[str, Any]:
    """httpx2's client options. Blocking (an SSL context loads the roots): the asyncio face builds
    its client on a worker thread."""
    httpx = _httpx()
    context = ssl_context(settings)
    return {
        # Plaintext (insecure=True, loopback only) needs no context; TLS uses the channel's roots.
        "verify": context if context is not None else False,
        "timeout": httpx.Timeout(IO_TIMEOUT, connect=CONNECT_TIMEOUT),
        "follow_redirects": False,
        "trust_env": False,  # no proxies or netrc credentials picked up behind the caller's back
    }


def _answer(response: Any) -> HttpAnswer:
    return HttpAnswer(
        response.status_code, {k.lower(): v for k, v in response.headers.items()}, response.content
    )


def _broken(exc: BaseException) -> HttpTransportError:
    return HttpTransportError(f"the connection failed: {type(exc).__name__}")


class FileHttp:
    """HTTP on the calling thread, one connection pool per client (created on first use)."""

    def __init__(self, settings: ChannelSettings) -> None:
        self._settings = settings
        self._lock = threading.Lock()
        self._client: Any = None

    def _http(self) -> Any:
        with self._lock:
            if self._client is None:
                self._client = _httpx().Client(**_client_options(self._settings))
            return self._client

    def base_url(self) -> str:
        return base_url(self._settings)

    def post(self, url: str, headers: Mapping[str, str], content: bytes) -> HttpAnswer:
        httpx = _httpx()
        try:
            return _answer(self._http().post(url, headers=dict(headers), content=content))
        except httpx.TransportError as exc:
            raise _broken(exc) from None

    def download(self, url: str, headers: Mapping[str, str], path: str, block: int) -> HttpAnswer:
        httpx = _httpx()
        try:
            with self._http().stream("GET", url, headers=dict(headers)) as response:
                if response.status_code != 200:
                    response.read()
                    return _answer(response)
                with open(path, "wb") as out:
                    for piece in response.iter_bytes(block):
                        out.write(piece)
                return HttpAnswer(200, {k.lower(): v for k, v in response.headers.items()}, b"")
        except httpx.TransportError as exc:
            raise _broken(exc) from None

    def run(self, function: Callable[..., T], *args: Any) -> T:
        return function(*args)

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    def close(self) -> None:
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()


class AsyncFileHttp:
    """HTTP on the running event loop (one pool per loop); blocking work on worker threads."""

    def __init__(self, settings: ChannelSettings) -> None:
        self._settings = settings
        self._clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any] = weakref.WeakKeyDictionary()

    async def _http(self) -> Any:
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            options = await asyncio.to_thread(_client_options, self._settings)  # loads TLS roots
            client = self._clients.get(loop)  # another task of this loop may have made one meanwhile
            if client is None:
                client = _httpx().AsyncClient(**options)
                self._clients[loop] = client
        return client

    def base_url(self) -> str:
        return base_url(self._settings)

    async def post(self, url: str, headers: Mapping[str, str], content: bytes) -> HttpAnswer:
        client = await self._http()  # first: it imports httpx2 on a worker thread
        httpx = _httpx()
        try:
            return _answer(await client.post(url, headers=dict(headers), content=content))
        except httpx.TransportError as exc:
            raise _broken(exc) from None

    async def download(self, url: str, headers: Mapping[str, str], path: str, block: int) -> HttpAnswer:
        client = await self._http()
        httpx = _httpx()
        try:
            async with client.stream("GET", url, headers=dict(headers)) as response:
                if response.status_code != 200:
                    await response.aread()
                    return _answer(response)
                out = await asyncio.to_thread(open, path, "wb")
                try:
                    async for piece in response.aiter_bytes(block):
                        await asyncio.to_thread(out.write, piece)
                finally:
                    await asyncio.to_thread(out.close)
                return HttpAnswer(200, {k.lower(): v for k, v in response.headers.items()}, b"")
        except httpx.TransportError as exc:
            raise _broken(exc) from None

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        return await asyncio.to_thread(function, *args)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

    async def aclose(self) -> None:
        """Close the running loop's pool."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        client = self._clients.pop(loop, None)
        if client is not None:
            await client.aclose()
