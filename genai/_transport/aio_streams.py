"""The asyncio backend's streams: ``AsyncServerStream`` and ``AsyncBidiStream``.

    >>> issubclass(AsyncServerStream, StreamOutcome) and issubclass(AsyncBidiStream, StreamOutcome)
    True

``AsyncTransport`` (genai._transport.aio) makes them; each call starts on its first read or write,
on a channel of the running loop's pool.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

import grpc
import grpc.aio
from google.protobuf.message import Message

from genai._transport.channels import CallKey, M, Metadata, closed_error
from genai._transport.options import CallOptions
from genai._transport.outcome import StreamOutcome
from genai._transport.pool import AioSlot
from genai._transport.retry import consider_retry
from genai.errors import APIError, UnavailableError, UsageError, from_grpc_error

if TYPE_CHECKING:
    from genai._transport.aio import AsyncTransport

__all__ = ["AsyncBidiStream", "AsyncServerStream"]

_EOF: object = grpc.aio.EOF  # type: ignore[attr-defined]  # missing from grpc-stubs


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


# What grpc.aio makes a call's status when a write fails because the call had already ended (a
# server that closed or dropped it meanwhile): its own INTERNAL, replacing the server's status.
_FAILED_SEND = "Internal error from Core"


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
        call = self._call
        if call is None:
            call = self._ensure_call()
        try:
            await call.write(message)
        except grpc.RpcError as err:
            raise self._ended(err) from err
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
        call = self._call
        if call is None:
            call = self._ensure_call()
        try:
            message = await call.read()
        except grpc.RpcError as err:
            raise self._ended(err) from err
        except asyncio.CancelledError as cancel:
            if self._cancelled_while_waiting(cancel):
                return None
            raise
        if message is _EOF:
            self._finish()
            return None
        result: M = message
        return result

    def _ended(self, err: grpc.RpcError) -> APIError:
        """The stream's error; a write that raced the end of the call is a lost connection.

        grpc.aio reports such a write as INTERNAL "Internal error from Core" and gives the call
        that status instead of the server's (lost): what the caller can tell is that the call is
        gone, so it is ``UnavailableError`` (a live session then resumes, and learns the truth).
        """
        if err.code() is grpc.StatusCode.INTERNAL and err.details() == _FAILED_SEND:
            self._done = True
            self._release()
            error = self._error = UnavailableError(
                "the call ended while a message was being written to it (gRPC: Internal error from Core; "
                "the server's status was lost)",
                code=grpc.StatusCode.UNAVAILABLE,
            )
            return error
        return self._fail(err)

    def __aiter__(self) -> AsyncBidiStream[M]:
        return self

    async def __anext__(self) -> M:
        message = await self.read()
        if message is None:
            raise StopAsyncIteration
        return message
