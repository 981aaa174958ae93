"""The synchronous gRPC backend: ``Transport`` and its streams (``aio`` is the asyncio one).

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
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from types import TracebackType
from typing import Any

import grpc
import grpc.experimental
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
from genai._transport.outcome import StreamOutcome
from genai._transport.retry import consider_retry
from genai._transport.settings import ChannelSettings
from genai._wire.rpcs import Rpc
from genai.errors import APIError, UsageError, from_grpc_error

__all__ = ["BidiStream", "ServerStream", "Transport"]


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
        requests: Iterator[Message],
        *,
        timeout: float | None = None,
        metadata: Sequence[tuple[str, str | bytes]] = (),
    ) -> BidiStream[M]:
        """Start a bidirectional call fed by ``requests`` (consumed by a gRPC thread); never retried."""
        if self._closed:
            raise closed_error("Transport")
        key = (rpc.path, BIDI, object, rpc.response)
        fn = self._cache.get(key) or self._build(key)
        md = self._metadata + tuple(metadata) if metadata else self._metadata
        return BidiStream(fn(requests, timeout=timeout, metadata=md))

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


class BidiStream(_SyncStream, Iterator[M]):
    """Responses of a bidirectional call; the requests come from the iterator given to ``bidi``.

    Errors are translated, never retried; after ``cancel()`` iteration ends quietly.
    """

    def __init__(self, call: Any) -> None:
        self._call = call
        self._done = False

    def __iter__(self) -> BidiStream[M]:
        return self

    def __next__(self) -> M:
        if self._done:
            return self._ended()  # type: ignore[no-any-return]
        try:
            message: M = next(self._call)
        except StopIteration:
            self._done = self._completed = True
            raise
        except grpc.RpcError as err:
            self._done = True
            if self._cancelled:
                raise StopIteration from None
            raise self._fail(err) from err
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
