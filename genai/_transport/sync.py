"""The synchronous gRPC backend: ``Transport`` (streams in ``sync_streams``; ``aio`` is the asyncio one).

``Transport`` owns one ``grpc.Channel``. Like ``AsyncTransport``, it sends the API key and client
header on every call, applies a per-attempt deadline, retries per
:func:`genai._transport.retry.next_delay`, and turns every ``grpc.RpcError`` into a
:class:`genai.errors.APIError` via :func:`genai.errors.from_grpc_error`.

Every call names its method by an entry of the RPC table (``genai._wire.rpcs``: the path, the
request and response classes). A request may be a message or its serialised bytes (sent as is).

The per-call path is kept close to a raw generated stub: multicallables are cached per channel,
metadata is a precomputed tuple, and nothing is logged or formatted unless a retry happens.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from types import TracebackType
from typing import Any, TypeVar

import grpc
from google.protobuf.message import Message

from genai._transport.channels import (
    BIDI,
    SERVER_STREAM,
    UNARY,
    CallKey,
    M,
    Metadata,
    base_metadata,
    build_callable,
    closed_error,
    open_channel,
)
from genai._transport.options import CallOptions
from genai._transport.retry import consider_retry
from genai._transport.settings import ChannelSettings
from genai._transport.sync_streams import BidiStream, ServerStream
from genai._wire.rpcs import Rpc

__all__ = ["BidiStream", "ServerStream", "Transport"]

R = TypeVar("R")

# At most this many of gather()'s calls run at once, each on a thread of its own.
GATHER_THREADS = 8


class Transport:
    """Synchronous gRPC transport over one channel; thread-safe (grpc channels are).

    ``options.retry=None`` means no retries (callers merge defaults before calling).
    """

    def __init__(self, settings: ChannelSettings) -> None:
        self._settings = settings
        self._channel = open_channel(settings)
        self._cache: dict[CallKey, Any] = {}
        self._metadata = base_metadata(settings)
        self._closed = False
        # Seams for the retry loop (tests replace them to avoid real waiting).
        self._clock: Callable[[], float] = time.monotonic
        self._sleep: Callable[[float], None] = time.sleep
        self._rand: Callable[[], float] = random.random

    def __repr__(self) -> str:
        settings = getattr(self, "_settings", None)
        if settings is None:
            return "Transport(<not initialised>)"
        state = "closed" if self._closed else "open"
        return f"Transport(endpoint={settings.endpoint!r}, insecure={settings.insecure}, {state})"

    def _build(self, key: CallKey) -> Any:
        if self._closed:
            raise closed_error("Transport")
        fn = self._cache[key] = build_callable(self._channel, key)
        return fn

    def unary(
        self,
        rpc: Rpc[Any, M],
        request: Message | bytes,
        *,
        options: CallOptions,
        metadata: Sequence[tuple[str, str | bytes]] = (),
    ) -> M:
        """One request, one response; retried per ``options.retry``; raises ``APIError``."""
        if self._closed:
            raise closed_error("Transport")
        method = rpc.path
        key = (method, UNARY, request.__class__, rpc.response)
        fn = self._cache.get(key) or self._build(key)
        md = self._metadata + tuple(metadata) if metadata else self._metadata
        start = self._clock()
        try:
            response: M = fn(request, timeout=options.timeout, metadata=md)
            return response
        except grpc.RpcError as err:
            retried: M = self._retry_unary(fn, method, request, options, md, err, start)
            return retried

    def _retry_unary(
        self,
        fn: Any,
        method: str,
        request: Message | bytes,
        options: CallOptions,
        md: Metadata,
        err: grpc.RpcError,
        start: float,
    ) -> Any:
        attempt = 1
        while True:
            elapsed = self._clock() - start
            error, delay = consider_retry(err, method, attempt, elapsed, options.retry, self._rand)
            if delay is None:
                raise error from err
            self._sleep(delay)
            attempt += 1
            try:
                return fn(request, timeout=options.timeout, metadata=md)
            except grpc.RpcError as again:
                err = again

    def server_stream(
        self,
        rpc: Rpc[Any, M],
        request: Message | bytes,
        *,
        options: CallOptions,
        metadata: Sequence[tuple[str, str | bytes]] = (),
    ) -> ServerStream[M]:
        """Start a server-streaming call (the RPC begins now); iterate the result for messages."""
        if self._closed:
            raise closed_error("Transport")
        method = rpc.path
        key = (method, SERVER_STREAM, request.__class__, rpc.response)
        fn = self._cache.get(key) or self._build(key)
        md = self._metadata + tuple(metadata) if metadata else self._metadata
        return ServerStream(self, fn, method, request, options, md)

    def bidi(
        self,
        rpc: Rpc[Any, M],
        *,
        timeout: float | None = None,
        metadata: Sequence[tuple[str, str | bytes]] = (),
    ) -> BidiStream[M]:
        """A bidirectional call driven by ``write``/``done_writing``/``read``; starts on first use."""
        if self._closed:
            raise closed_error("Transport")
        key = (rpc.path, BIDI, object, rpc.response)
        md = self._metadata + tuple(metadata) if metadata else self._metadata
        return BidiStream(self, key, timeout, md)

    def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` (through the seam the retry loop uses, so tests can fake time)."""
        self._sleep(seconds)

    @property
    def settings(self) -> ChannelSettings:
        """The settings this transport was made with."""
        return self._settings

    def run_blocking(self, work: Callable[[], R]) -> R:
        """``work()`` here (``AsyncTransport.run_blocking`` runs it on a worker thread).

        >>> Transport(ChannelSettings()).run_blocking(lambda: 1)
        1
        """
        return work()

    def gather(self, thunks: Sequence[Callable[[], R]]) -> list[R]:
        """Run the calls concurrently (threads; ``AsyncTransport.gather`` uses tasks); results in order.

        >>> Transport(ChannelSettings()).gather([lambda: 1, lambda: 2])
        [1, 2]

        The first failure is raised once every call has ended. A single call runs on this thread.
        """
        if len(thunks) <= 1:
            return [thunk() for thunk in thunks]
        workers = min(GATHER_THREADS, len(thunks))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="genai-gather") as pool:
            return list(pool.map(_call, thunks))

    def close(self) -> None:
        """Close the channel; in-flight calls are cancelled. Idempotent."""
        if not self._closed:
            self._closed = True
            self._channel.close()

    def __enter__(self) -> Transport:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _call(thunk: Callable[[], R]) -> R:
    return thunk()
