"""The asyncio half of the transport layer: ``AsyncTransport`` and its streams.

Import them from ``genai._transport``. grpc.aio channels belong to the event loop they were created
in, so channels are created lazily inside the running loop, one pool per loop.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator, Callable, Sequence
from types import TracebackType
from typing import Any, TypeVar

import grpc
import grpc.aio
from google.protobuf.message import Message

from genai._channels import (
    BIDI,
    SERVER_STREAM,
    UNARY,
    AioPool,
    AioSlot,
    CallKey,
    ChannelSettings,
    M,
    Metadata,
    base_metadata,
    closed_error,
    consider_retry,
)
from genai._options import CallOptions
from genai.errors import UsageError, from_grpc_error

__all__ = ["AsyncTransport", "AsyncServerStream", "AsyncBidiStream"]

_EOF: object = grpc.aio.EOF  # type: ignore[attr-defined]  # missing from grpc-stubs


def _task_is_cancelling() -> bool:
    """Whether the current task has a pending cancel request (3.11+; assume yes when unknown)."""
    task = asyncio.current_task()
    cancelling = getattr(task, "cancelling", None)
    return cancelling is None or bool(cancelling())


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
        state = "closed" if self._closed else "open"
        return (
            f"AsyncTransport(endpoint={self._settings.endpoint!r}, insecure={self._settings.insecure}, "
            f"pool_size={self._settings.pool_size}, {state})"
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
        method: str,
        request: Message | bytes,
        response_type: type[M],
        *,
        options: CallOptions,
        metadata: Sequence[tuple[str, str]] = (),
    ) -> M:
        """One request, one response; retried per ``options.retry``; raises ``APIError``."""
        if self._closed:
            raise closed_error("AsyncTransport")
        slot = self._pick()
        key = (method, UNARY, request.__class__, response_type)
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
        method: str,
        request: Message | bytes,
        response_type: type[M],
        *,
        options: CallOptions,
        metadata: Sequence[tuple[str, str]] = (),
    ) -> AsyncServerStream[M]:
        """A server-streaming call; not a coroutine: the RPC starts on the first ``__anext__``."""
        if self._closed:
            raise closed_error("AsyncTransport")
        key = (method, SERVER_STREAM, request.__class__, response_type)
        md = self._metadata + tuple(metadata) if metadata else self._metadata
        return AsyncServerStream(self, key, request, options, md)

    def bidi(
        self,
        method: str,
        response_type: type[M],
        *,
        timeout: float | None = None,
        metadata: Sequence[tuple[str, str]] = (),
    ) -> AsyncBidiStream[M]:
        """A bidirectional call driven by ``write``/``done_writing``/``read``; starts on first use."""
        if self._closed:
            raise closed_error("AsyncTransport")
        key = (method, BIDI, object, response_type)
        md = self._metadata + tuple(metadata) if metadata else self._metadata
        return AsyncBidiStream(self, key, timeout, md)

    async def close(self) -> None:
        """Close every pool: this loop's now, other running loops' soon. Idempotent."""
        self._closed = True
        pools, self._pools = self._pools, {}
        current = asyncio.get_running_loop()
        for loop, pool in pools.items():
            if loop is current:
                await pool.close()
            elif loop.is_running() and not loop.is_closed():
                asyncio.run_coroutine_threadsafe(pool.close(), loop)
            # else: a closed/stopped loop's channels are destroyed when collected.

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


class _AsyncStream:
    """Shared lifecycle of the asyncio stream wrappers: the channel slot, cancel, finalizer."""

    _call: Any = None
    _slot: AioSlot | None = None
    _done: bool = False
    _cancelled: bool = False

    def _release(self) -> None:
        slot = self._slot
        if slot is not None:
            self._slot = None
            slot.inflight -= 1

    def _finish(self) -> None:
        self._done = True
        self._release()

    def _cancelled_while_waiting(self) -> bool:
        """After a CancelledError from grpc: True if it only reflects our own cancel()."""
        if self._cancelled and not _task_is_cancelling():
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
            raise StopAsyncIteration
        call = self._call
        if call is None:
            self._start = self._transport._clock()
            call = self._begin()
        try:
            message = await call.read()
        except grpc.RpcError as err:
            return await self._recover(err)
        except asyncio.CancelledError:
            if self._cancelled_while_waiting():
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
            except asyncio.CancelledError:
                if self._cancelled_while_waiting():
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
            self._finish()
            raise from_grpc_error(err) from err
        except asyncio.InvalidStateError as err:
            raise UsageError(f"cannot write to this stream: {err}") from err
        except asyncio.CancelledError:
            if self._cancelled_while_waiting():
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
            self._finish()
            raise from_grpc_error(err) from err
        except asyncio.CancelledError:
            if self._cancelled_while_waiting():
                return
            raise

    async def read(self) -> M | None:
        """The next message, or None once the server has finished (or the stream was cancelled)."""
        if self._done:
            return None
        call = self._ensure_call()
        try:
            message = await call.read()
        except grpc.RpcError as err:
            self._finish()
            raise from_grpc_error(err) from err
        except asyncio.CancelledError:
            if self._cancelled_while_waiting():
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
