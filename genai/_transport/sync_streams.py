"""The synchronous backend's streams: ``ServerStream`` (read on the caller's thread) and ``BidiStream``.

    >>> issubclass(ServerStream, StreamOutcome) and issubclass(BidiStream, StreamOutcome)
    True

``Transport`` (genai._transport.sync) starts them; they share its callables, clock and retry seams.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from types import TracebackType
from typing import TYPE_CHECKING, Any

import grpc
import grpc.experimental
from google.protobuf.message import Message

from genai._transport.channels import CallKey, M, Metadata, closed_error
from genai._transport.options import CallOptions
from genai._transport.outcome import StreamOutcome
from genai._transport.retry import consider_retry
from genai.errors import APIError, UsageError, from_grpc_error

if TYPE_CHECKING:
    from genai._transport.sync import Transport

__all__ = ["BidiStream", "ServerStream"]


def _not_ended() -> UsageError:
    return UsageError("the stream has not ended yet: read it to the end (or cancel it) first")


def _drain(call: Any) -> None:
    """Take what a cancelled single-threaded call still has queued, so that gRPC can free it.

    A server stream read on the caller's thread (see ``open_channel``) keeps its completion queue and
    call state until every operation it started has been taken off that queue, and only its reader
    takes them: a stream abandoned early would hold them (about 20 KB) for the life of the channel.
    After a cancel the core completes every pending operation at once, so this returns promptly.
    Never run it while another thread is inside the call's ``next()`` (see ``ServerStream``).
    """
    state = getattr(call, "_state", None)
    consume = getattr(call, "_consume_next_event", None)
    if state is None or consume is None:  # not a single-threaded call: gRPC's own thread drains it
        return
    try:
        while state.due:
            consume()
    except Exception:  # best effort: a failure here costs memory, never correctness
        pass


class _SyncStream(StreamOutcome):
    """Shared lifecycle of the sync stream wrappers: cancel, close, status passthrough, finalizer."""

    _call: Any
    _done: bool = True

    def _ended(self) -> Any:
        if self._error is not None:
            raise self._error
        raise StopIteration

    def _fail(self, err: grpc.RpcError) -> APIError:
        self._done = True
        error = self._error = from_grpc_error(err)
        error.__cause__ = err
        return error

    def cancel(self) -> None:
        """Cancel the RPC (idempotent); iteration then simply ends."""
        self._cancelled = True
        if not self._done:
            self._done = True
            self._call.cancel()

    def close(self) -> None:
        """Cancel the RPC if it has not finished; iteration ends."""
        self.cancel()

    def trailing_metadata(self) -> Any:
        """The trailing metadata of the current attempt; see :meth:`code` for when it is known."""
        if self._call is None:  # a bidi stream not started yet
            raise _not_ended()
        try:
            return self._call.trailing_metadata()
        except grpc.experimental.UsageError:
            raise _not_ended() from None

    def code(self) -> grpc.StatusCode:
        """The status code of the current attempt.

        A server stream is read on the caller's thread (see ``open_channel``), so its status is
        known once it has been read to the end or cancelled; before that this raises UsageError.
        A bidi stream's call blocks until the RPC ends.
        """
        if self._call is None:  # a bidi stream not started yet
            raise _not_ended()
        try:
            code: grpc.StatusCode = self._call.code()
        except grpc.experimental.UsageError:
            raise _not_ended() from None
        return code

    def __del__(self) -> None:
        # Best effort: an abandoned stream must not keep the RPC (and the server) busy.
        try:
            if not self._done:
                self.cancel()
        except Exception:  # a finalizer must not raise
            pass


class ServerStream(_SyncStream, Iterator[M]):
    """Responses of a server-streaming call; also a context manager that cancels on exit.

    An error before the first message re-issues the RPC per the retry policy; once a message has
    been yielded, errors are translated and raised, never retried. A failed stream raises its error
    again when read again. After ``cancel()``/``close()`` iteration ends quietly (StopIteration),
    also in another thread that is iterating.

    The call is read on the caller's thread, so whoever stops it must also let gRPC free it
    (``_drain``): the canceller does when no thread is inside ``next()``, else that reader does when
    its ``next()`` returns. ``_reading`` tells them apart; ``_drain_claim`` makes sure only one
    of them drains.
    """

    def __init__(
        self,
        transport: Transport,
        fn: Any,
        method: str,
        request: Message | bytes,
        options: CallOptions,
        metadata: Metadata,
    ) -> None:
        self._transport = transport
        self._fn = fn
        self._method = method
        self._request = request
        self._options = options
        self._metadata = metadata
        self._attempts = 1
        self._yielded = False
        self._reading = False
        self._drain_claim = threading.Lock()
        self._start = transport._clock()
        self._call = fn(request, timeout=options.timeout, metadata=metadata)
        self._done = False

    def __iter__(self) -> ServerStream[M]:
        return self

    def __next__(self) -> M:
        if self._done:
            return self._ended()  # type: ignore[no-any-return]
        try:
            return self._read(self._call)
        except grpc.RpcError as err:
            return self._recover(err)

    def _read(self, call: Any) -> M:
        """The next message of ``call``; ``_reading`` is true exactly while inside it."""
        self._reading = True
        try:
            message: M = next(call)
        except StopIteration:
            self._done = self._completed = True
            raise
        except grpc.RpcError:
            raise
        except BaseException:
            # A signal (Ctrl-C) while gRPC waited: gRPC has torn the call down already, queue and
            # all, and draining it would wait on a queue that is gone.
            self._drain_claim.acquire(blocking=False)
            raise
        finally:
            self._reading = False
        if self._cancelled:  # cancelled by another thread while this one was reading
            self._release()
        self._yielded = True
        return message

    def cancel(self) -> None:
        """Cancel the RPC (idempotent); iteration then simply ends."""
        self._cancelled = True
        if not self._done:
            self._done = True
            self._call.cancel()
            if not self._reading:
                self._release()

    def _release(self) -> None:
        if self._drain_claim.acquire(blocking=False):
            _drain(self._call)

    def _recover(self, err: grpc.RpcError) -> M:
        transport = self._transport
        while True:
            if self._cancelled:
                self._done = True
                self._release()
                raise StopIteration from None
            # Once a message was yielded the stream is never retried.
            retry = None if self._yielded else self._options.retry
            elapsed = transport._clock() - self._start
            error, delay = consider_retry(err, self._method, self._attempts, elapsed, retry, transport._rand)
            if delay is None:
                self._done = True
                self._error = error
                raise error from err
            transport._sleep(delay)
            if self._cancelled:
                self._done = True
                raise StopIteration
            self._attempts += 1
            options = self._options
            # From here a concurrent cancel() leaves the draining of the new call to this thread.
            self._reading = True
            try:
                self._call = call = self._fn(self._request, timeout=options.timeout, metadata=self._metadata)
            except BaseException:
                self._reading = False
                raise
            if self._cancelled:  # cancel() raced with the re-issue and may have missed the new call
                call.cancel()
                self._reading = False
                _drain(call)
                self._done = True
                raise StopIteration
            try:
                return self._read(call)
            except grpc.RpcError as again:
                err = again

    def __enter__(self) -> ServerStream[M]:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


# Ends the request iterator of a bidi call (after done_writing, cancel, or the end of the call).
_END: Any = object()
# At most this many written messages wait for gRPC's sending thread; a further write() blocks until
# it takes one (it takes the next once flow control lets the previous one out): backpressure.
MAX_PENDING_WRITES = 4


class _Requests:
    """The queue between ``write()`` and gRPC's sending thread, bounded for messages (never for _END)."""

    def __init__(self, limit: int) -> None:
        self._items: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._pending = 0
        self._limit = limit
        self._room = threading.Condition()
        self.closed = False

    def put(self, item: Any) -> None:
        with self._room:
            while self._pending >= self._limit and not self.closed:
                self._room.wait()
            if self.closed:
                return
            self._pending += 1
        self._items.put(item)

    def close(self) -> None:
        with self._room:
            self.closed = True
            self._room.notify_all()
        self._items.put(_END)

    def __iter__(self) -> Iterator[Any]:
        """A bidi call's requests, as gRPC's sending thread asks for them; ends at ``_END``."""
        while True:
            request = self._items.get()
            if request is _END:
                return
            with self._room:
                self._pending -= 1
                self._room.notify()
            yield request


class BidiStream(_SyncStream, Iterator[M]):
    """A bidirectional call, shaped like ``AsyncBidiStream``: ``write(msg)``, ``done_writing()``, ``read()``.

    Written messages go through a queue to the request iterator that gRPC's sending thread reads;
    ``write`` blocks while ``MAX_PENDING_WRITES`` messages wait there (backpressure).
    ``read()`` returns None at the end of the stream (iteration stops there). The RPC starts on the
    first ``write``/``read``/``done_writing``. Errors are translated, never retried; after
    ``cancel()`` reads end quietly and writes raise ``UsageError``. One thread may write while
    another reads.
    """

    def __init__(self, transport: Transport, key: CallKey, timeout: float | None, metadata: Metadata) -> None:
        self._transport = transport
        self._key = key
        self._timeout = timeout
        self._metadata = metadata
        self._requests = _Requests(MAX_PENDING_WRITES)
        self._writing = True
        self._starting = threading.Lock()
        self._call = None
        self._done = False

    def _ensure_call(self) -> Any:
        call = self._call
        if call is not None:
            return call
        with self._starting:  # a writer and a reader may both be first
            call = self._call
            if call is None:
                if self._done:
                    raise UsageError("the stream was cancelled before it started")
                transport = self._transport
                if transport._closed:
                    raise closed_error("Transport")
                fn = transport._cache.get(self._key) or transport._build(self._key)
                call = self._call = fn(iter(self._requests), timeout=self._timeout, metadata=self._metadata)
                if self._cancelled:  # cancel() ran while the call was being made, and missed it
                    call.cancel()
        return call

    def _stop_writing(self) -> None:
        # gRPC's sending thread waits on the queue until this arrives: always send it once.
        if self._writing:
            self._writing = False
            self._requests.close()

    def write(self, message: Message | bytes) -> None:
        """Send one message; raises ``UsageError`` after ``done_writing()``/``cancel()``/the end."""
        if self._cancelled:
            raise UsageError("cannot write to a cancelled stream")
        if self._error is not None:
            raise self._error
        if not self._writing:
            raise UsageError("cannot write to this stream: it was half-closed (done_writing()) or has ended")
        self._ensure_call()
        self._requests.put(message)

    def done_writing(self) -> None:
        """Half-close: tell the server no more messages will come. Idempotent."""
        if self._done:
            return
        self._ensure_call()
        self._stop_writing()

    def read(self) -> M | None:
        """The next message, or None once the server has finished (or the stream was cancelled).

        A stream that failed raises its error again on every later read.
        """
        if self._done:
            if self._error is not None:
                raise self._error
            return None
        call = self._ensure_call()
        try:
            message: M = next(call)
        except StopIteration:
            self._done = self._completed = True
            self._stop_writing()
            return None
        except grpc.RpcError as err:
            self._done = True
            self._stop_writing()
            if self._cancelled:
                return None
            raise self._fail(err) from err
        return message

    def cancel(self) -> None:
        """Cancel the RPC (idempotent); reads then end quietly and writes raise ``UsageError``."""
        self._cancelled = True
        if not self._done:
            self._done = True
            if self._call is not None:
                self._call.cancel()
            self._stop_writing()

    def __iter__(self) -> BidiStream[M]:
        return self

    def __next__(self) -> M:
        message = self.read()
        if message is None:
            raise StopIteration
        return message

    def __enter__(self) -> BidiStream[M]:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
