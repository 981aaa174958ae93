"""The asyncio gRPC backend: ``AsyncTransport`` (streams in ``aio_streams``; ``sync`` is the sync one).

grpc.aio channels belong to the event loop they were created in, so channels are created lazily
inside the running loop, one pool per loop (``pool``).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from types import TracebackType
from typing import Any, TypeVar

import grpc
from google.protobuf.message import Message

from genai._transport.aio_streams import AsyncBidiStream, AsyncServerStream
from genai._transport.channels import (
    BIDI,
    SERVER_STREAM,
    UNARY,
    CallKey,
    M,
    Metadata,
    base_metadata,
    closed_error,
)
from genai._transport.options import CallOptions
from genai._transport.pool import AioPool, AioSlot, close_pools_soon
from genai._transport.retry import consider_retry
from genai._transport.settings import ChannelSettings
from genai._wire.rpcs import Rpc

__all__ = ["AsyncBidiStream", "AsyncServerStream", "AsyncTransport"]

R = TypeVar("R")

# Close tasks started from sync code (Client.close) on a running loop: asyncio keeps only weak
# references to tasks, so they are held here until they finish.
_CLOSING: set[asyncio.Task[None]] = set()


class AsyncTransport:
    """asyncio gRPC transport: per event loop, a pool of ``pool_size`` channels (distinct connections).

    grpc.aio channels belong to the loop they were created in, so pools are created lazily inside
    the running loop and kept per loop; one transport works across several ``asyncio.run()`` calls.
    Pools of loops that have since closed are dropped when a new loop shows up and on ``aclose()``.
    ``options.retry=None`` means no retries.
    """

    def __init__(self, settings: ChannelSettings) -> None:
        self._settings = settings
        self._metadata = base_metadata(settings)
        self._pools: dict[asyncio.AbstractEventLoop, AioPool] = {}
        self._closed = False
        # Seams for the retry loop (tests replace them to avoid real waiting).
        self._clock: Callable[[], float] = time.monotonic
        self._sleep: Callable[[float], Any] = asyncio.sleep
        self._rand: Callable[[], float] = random.random

    def __repr__(self) -> str:
        settings = getattr(self, "_settings", None)
        if settings is None:
            return "AsyncTransport(<not initialised>)"
        state = "closed" if self._closed else "open"
        return (
            f"AsyncTransport(endpoint={settings.endpoint!r}, insecure={settings.insecure}, "
            f"pool_size={settings.pool_size}, {state})"
        )

    def _pick(self) -> AioSlot:
        loop = asyncio.get_running_loop()
        pool = self._pools.get(loop)
        if pool is None:
            pool = self._open_pool(loop)
        return pool.pick()

    def _open_pool(self, loop: asyncio.AbstractEventLoop) -> AioPool:
        if self._closed:
            raise closed_error("AsyncTransport")
        for old in [old for old in self._pools if old.is_closed()]:
            # Their channels can no longer be closed politely; grpc destroys them when collected.
            del self._pools[old]
        pool = self._pools[loop] = AioPool(self._settings)
        return pool

    async def unary(
        self,
        rpc: Rpc[Any, M],
        request: Message | bytes,
        *,
        options: CallOptions,
        metadata: Sequence[tuple[str, str | bytes]] = (),
    ) -> M:
        """One request, one response; retried per ``options.retry``; raises ``APIError``."""
        if self._closed:
            raise closed_error("AsyncTransport")
        slot = self._pick()
        method = rpc.path
        key = (method, UNARY, request.__class__, rpc.response)
        fn = slot.cache.get(key) or slot.build(key)
        md = self._metadata + tuple(metadata) if metadata else self._metadata
        start = self._clock()
        slot.inflight += 1
        try:
            response: M = await fn(request, timeout=options.timeout, metadata=md)
            return response
        except grpc.RpcError as err:
            failure = err
        finally:
            slot.inflight -= 1
        retried: M = await self._retry_unary(key, method, request, options, md, failure, start)
        return retried

    async def _retry_unary(
        self,
        key: CallKey,
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
            await self._sleep(delay)
            attempt += 1
            slot = self._pick()  # possibly another connection this time
            fn = slot.cache.get(key) or slot.build(key)
            slot.inflight += 1
            try:
                return await fn(request, timeout=options.timeout, metadata=md)
            except grpc.RpcError as again:
                err = again
            finally:
                slot.inflight -= 1

    def server_stream(
        self,
        rpc: Rpc[Any, M],
        request: Message | bytes,
        *,
        options: CallOptions,
        metadata: Sequence[tuple[str, str | bytes]] = (),
    ) -> AsyncServerStream[M]:
        """A server-streaming call; not a coroutine: the RPC starts on the first ``__anext__``."""
        if self._closed:
            raise closed_error("AsyncTransport")
        method = rpc.path
        key = (method, SERVER_STREAM, request.__class__, rpc.response)
        md = self._metadata + tuple(metadata) if metadata else self._metadata
        return AsyncServerStream(self, key, request, options, md)

    def bidi(
        self,
        rpc: Rpc[Any, M],
        *,
        timeout: float | None = None,
        metadata: Sequence[tuple[str, str | bytes]] = (),
    ) -> AsyncBidiStream[M]:
        """A bidirectional call driven by ``write``/``done_writing``/``read``; starts on first use."""
        if self._closed:
            raise closed_error("AsyncTransport")
        key = (rpc.path, BIDI, object, rpc.response)
        md = self._metadata + tuple(metadata) if metadata else self._metadata
        return AsyncBidiStream(self, key, timeout, md)

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` (through the seam the retry loop uses, so tests can fake time)."""
        await self._sleep(seconds)

    @property
    def settings(self) -> ChannelSettings:
        """The settings this transport was made with."""
        return self._settings

    async def run_blocking(self, work: Callable[[], R]) -> R:
        """``work()`` (blocking I/O such as a download) on a worker thread, off the event loop.

        >>> await AsyncTransport(ChannelSettings()).run_blocking(lambda: 1)
        1
        """
        return await asyncio.to_thread(work)

    async def gather(self, thunks: Sequence[Callable[[], Awaitable[R]]]) -> list[R]:
        """Run the calls concurrently (tasks; ``Transport.gather`` uses threads); results in order.

        >>> async def one() -> int: return 1
        >>> await AsyncTransport(ChannelSettings()).gather([one, one])
        [1, 1]

        The first failure is raised as soon as it happens (``asyncio.gather``).
        """
        return list(await asyncio.gather(*(thunk() for thunk in thunks)))

    async def close_loop(self) -> None:
        """Close the running loop's connections; the transport stays usable (the next call reconnects)."""
        pool = self._pools.pop(asyncio.get_running_loop(), None)
        for old in [old for old in self._pools if old.is_closed()]:
            del self._pools[old]
        if pool is not None:
            await pool.close()

    async def aclose(self) -> None:
        """Close for good: this loop's pool now, other running loops' soon. Idempotent."""
        current = asyncio.get_running_loop()
        pool = self._close_others(current)
        if pool is not None:
            await pool.close()

    def close_nowait(self) -> None:
        """Close for good from any thread: each running loop's pool closes on that loop. Idempotent."""
        try:
            current: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            current = None
        pool = self._close_others(current)
        if pool is not None and current is not None:
            task = current.create_task(pool.close())
            _CLOSING.add(task)
            task.add_done_callback(_CLOSING.discard)

    def _close_others(self, current: asyncio.AbstractEventLoop | None) -> AioPool | None:
        """Mark closed and close every pool but ``current``'s, which is returned to the caller."""
        self._closed = True
        pools, self._pools = self._pools, {}
        mine = pools.pop(current, None) if current is not None else None
        close_pools_soon(pools)
        return mine

    async def __aenter__(self) -> AsyncTransport:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
