"""The asyncio gRPC backend: ``AsyncTransport`` and its streams (``sync`` is the synchronous one).

grpc.aio channels belong to the event loop they were created in, so channels are created lazily
inside the running loop, one pool per loop (``pool``).
"""

from __future__ import annotations

import asyncio
import random
import sys
import time
from collections.abc import AsyncIterator, Callable, Sequence
from types import TracebackType
from typing import Any, TypeVar

import grpc
import grpc.aio
from google.protobuf.message import Message

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
from genai._transport.outcome import StreamOutcome
from genai._transport.pool import AioPool, AioSlot, close_pools_soon
from genai._transport.retry import consider_retry
from genai._transport.settings import ChannelSettings
from genai._wire.rpcs import Rpc
from genai.errors import APIError, UsageError, from_grpc_error

__all__ = ["AsyncTransport", "AsyncServerStream", "AsyncBidiStream"]

_EOF: object = grpc.aio.EOF  # type: ignore[attr-defined]  # missing from grpc-stubs


# Close tasks started from sync code (Client.close) on a running loop: asyncio keeps only weak
# references to tasks, so they are held here until they finish.
_CLOSING: set[asyncio.Task[None]] = set()

if sys.version_info >= (3, 11):

    def _task_cancelled(err: BaseException) -> bool:
        """Whether a CancelledError means the current task itself is being cancelled."""
        task = asyncio.current_task()
        return task is None or task.cancelling() > 0

else:

    def _task_cancelled(err: BaseException) -> bool:
        """Whether a CancelledError means the current task itself is being cancelled.

        Python 3.10 keeps no count of cancel requests. grpc.aio raises a CancelledError of its own
        from its status check (``_raise_for_status``) when the call was cancelled locally, while a
        cancelled task gets it where it was awaiting: the innermost frame tells them apart.
        """
        tb = err.__traceback__
        if tb is None:
            return True
        while tb.tb_next is not None:
            tb = tb.tb_next
        return tb.tb_frame.f_code.co_name != "_raise_for_status"


class AsyncTransport:
    """asyncio gRPC transport: per event loop, a pool of ``pool_size`` channels (distinct connections).

    grpc.aio channels belong to the loop they were created in, so pools are created lazily inside
    the running loop and kept per loop; one transport works across several ``asyncio.run()`` calls.
    Pools of loops that have since closed are dropped when a new loop shows up and on ``close()``.
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

    async def close_loop(self) -> None:
        """Close the running loop's connections; the transport stays usable (the next call reconnects)."""
        pool = self._pools.pop(asyncio.get_running_loop(), None)
        for old in [old for old in self._pools if old.is_closed()]:
            del self._pools[old]
        if pool is not None:
            await pool.close()

    async def close(self) -> None:
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
        await self.close()


_S = TypeVar("_S", bound="_AsyncStream")


class _AsyncStream(StreamOutcome):
    """Shared lifecycle of the asyncio stream wrappers: the channel slot, cancel, finalizer."""

    _call: Any = None
    _slot: AioSlot | None = None
    _done: bool = False

    def _release(self) -> None:
        slot = self._slot
        if slot is not None:
            self._slot = None
            slot.inflight -= 1

    def _finish(self) -> None:
        self._done = self._completed = True
        self._release()

    def _fail(self, err: grpc.RpcError) -> APIError:
        self._done = True
        self._release()
        error = self._error = from_grpc_error(err)
        return error

    def _cancelled_while_waiting(self, err: BaseException) -> bool:
        """After a CancelledError from grpc: True if it only reflects our own cancel()."""
        if self._cancelled and not _task_cancelled(err):
            return True
        self.cancel()
        return False

    def cancel(self) -> None:
        """Cancel the RPC (idempotent); reading then ends quietly."""
        self._cancelled = True
        if not self._done:
            self._done = True
            if self._call is not None:
                self._call.cancel()
            self._release()

    async def aclose(self) -> None:
        """Cancel the RPC if it has not finished."""
        self.cancel()

    async def __aenter__(self: _S) -> _S:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.cancel()

    def __del__(self) -> None:
        # Best effort: an abandoned stream must not keep the RPC busy nor its slot counted.
        try:
            if not self._done:
                self._done = True
                if self._call is not None:
                    self._call.cancel()
                self._release()
        except Exception:
            pass


class AsyncServerStream(_AsyncStream, AsyncIterator[M]):
    """Responses of a server-streaming call; ``async with`` cancels on exit.

    The RPC starts on the first ``__anext__``. Errors before the first message re-issue the RPC per
    the retry policy; after it they are translated and raised. If the consuming task is cancelled,
    the RPC is cancelled and ``asyncio.CancelledError`` propagates.
    """

    def __init__(
        self,
        transport: AsyncTransport,
        key: CallKey,
        request: Message | bytes,
        options: CallOptions,
        metadata: Metadata,
    ) -> None:
        self._transport = transport
        self._key = key
        self._request = request
        self._options = options
        self._metadata = metadata
        self._attempts = 0
        self._yielded = False
        self._start = 0.0

    def _begin(self) -> Any:
        if self._transport._closed:
            raise closed_error("AsyncTransport")
        slot = self._transport._pick()
        fn = slot.cache.get(self._key) or slot.build(self._key)
        call = self._call = fn(self._request, timeout=self._options.timeout, metadata=self._metadata)
        slot.inflight += 1
        self._slot = slot
        self._attempts += 1
        return call

    def __aiter__(self) -> AsyncServerStream[M]:
        return self

    async def __anext__(self) -> M:
        if self._done:
            if self._error is not None:
                raise self._error
            raise StopAsyncIteration
        call = self._call
        if call is None:
            self._start = self._transport._clock()
            call = self._begin()
        try:
            message = await call.read()
        except grpc.RpcError as err:
            return await self._recover(err)
        except asyncio.CancelledError as err:
            if self._cancelled_while_waiting(err):
                raise StopAsyncIteration from None
            raise
        if message is _EOF:
            self._finish()
            raise StopAsyncIteration
        self._yielded = True
        result: M = message
        return result

    async def _recover(self, err: grpc.RpcError) -> M:
        transport = self._transport
        while True:
            self._release()
            if self._cancelled:
                self._done = True
                raise StopAsyncIteration from None
            # Once a message was yielded the stream is never retried.
            retry = None if self._yielded else self._options.retry
            elapsed = transport._clock() - self._start
            error, delay = consider_retry(err, self._key[0], self._attempts, elapsed, retry, transport._rand)
            if delay is None:
                self._done = True
                self._error = error
                raise error from err
            try:
                await transport._sleep(delay)
            except asyncio.CancelledError:
                self._done = True
                raise
            if self._cancelled:
                self._done = True
                raise StopAsyncIteration
            call = self._begin()
            try:
                message = await call.read()
            except grpc.RpcError as again:
                err = again
                continue
            except asyncio.CancelledError as cancel:
                if self._cancelled_while_waiting(cancel):
                    raise StopAsyncIteration from None
                raise
            if message is _EOF:
                self._finish()
                raise StopAsyncIteration
            self._yielded = True
            result: M = message
            return result


class AsyncBidiStream(_AsyncStream, AsyncIterator[M]):
    """A bidirectional call: ``await write(msg)``, ``await done_writing()``, ``await read()``.

    ``read()`` returns None at the end of the stream (``async for`` stops there). The RPC starts on
    the first ``write``/``read``. Errors are translated, never retried; after ``cancel()`` reads end
    quietly and writes raise ``UsageError``.
    """

    def __init__(
        self,
        transport: AsyncTransport,
        key: CallKey,
        timeout: float | None,
        metadata: Metadata,
    ) -> None:
        self._transport = transport
        self._key = key
        self._timeout = timeout
        self._metadata = metadata

    def _ensure_call(self) -> Any:
        call = self._call
        if call is None:
            if self._done:
                raise UsageError("the stream was cancelled before it started")
            if self._transport._closed:
                raise closed_error("AsyncTransport")
            slot = self._transport._pick()
            fn = slot.cache.get(self._key) or slot.build(self._key)
            call = self._call = fn(None, timeout=self._timeout, metadata=self._metadata)
            slot.inflight += 1
            self._slot = slot
        return call

    async def write(self, message: Message | bytes) -> None:
        """Send one message; raises ``UsageError`` after ``done_writing()``/``cancel()``/the end."""
        if self._cancelled:
            raise UsageError("cannot write to a cancelled stream")
        call = self._ensure_call()
        try:
            await call.write(message)
        except grpc.RpcError as err:
            raise self._fail(err) from err
        except asyncio.InvalidStateError as err:
            raise UsageError(f"cannot write to this stream: {err}") from err
        except asyncio.CancelledError as cancel:
            if self._cancelled_while_waiting(cancel):
                raise UsageError("cannot write to a cancelled stream") from None
            raise

    async def done_writing(self) -> None:
        """Half-close: tell the server no more messages will come. Idempotent."""
        if self._done:
            return
        call = self._ensure_call()
        try:
            await call.done_writing()
        except grpc.RpcError as err:
            raise self._fail(err) from err
        except asyncio.CancelledError as cancel:
            if self._cancelled_while_waiting(cancel):
                return
            raise

    async def read(self) -> M | None:
        """The next message, or None once the server has finished (or the stream was cancelled).

        A stream that failed raises its error again on every later read.
        """
        if self._done:
            if self._error is not None:
                raise self._error
            return None
        call = self._ensure_call()
        try:
            message = await call.read()
        except grpc.RpcError as err:
            raise self._fail(err) from err
        except asyncio.CancelledError as cancel:
            if self._cancelled_while_waiting(cancel):
                return None
            raise
        if message is _EOF:
            self._finish()
            return None
        result: M = message
        return result

    def __aiter__(self) -> AsyncBidiStream[M]:
        return self

    async def __anext__(self) -> M:
        message = await self.read()
        if message is None:
            raise StopAsyncIteration
        return message
