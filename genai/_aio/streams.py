"""Streamed generation: thin iterators over a transport stream and a StreamAccumulator.

Leaving a stream early (break + close, or the ``with`` block ending) cancels the RPC. The merged
response is available once the stream is exhausted; reading it before raises
IncompleteIterationError. A stream that failed raises its error again when read again (or when its
response is asked for); one that was closed or cancelled before its end raises StreamClosedError:
neither ever passes for complete.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, Protocol

from genai._transport import AsyncServerStream, ServerStream
from genai._views.accumulate import StreamAccumulator
from genai._views.responses import GenerateContentResponse
from genai._wire import messages as pb
from genai.errors import GenAIError, IncompleteIterationError, StreamClosedError

if TYPE_CHECKING:
    from genai._requests.config import T
else:
    from typing import TypeVar

    T = TypeVar("T")

_INCOMPLETE = (
    "the stream has not been read to the end: iterate it fully (or call resolve()) before reading "
    "the accumulated response"
)
_CLOSED = (
    "the stream was closed before its end (close(), a `with` block left early, or a cancelled task): "
    "its reply is incomplete and was not kept"
)

_OPEN, _COMPLETE, _FAILED, _CLOSED_STATE = range(4)


class StreamHooks(Protocol):
    """Told once how a stream ended (chat history commits or drops a turn here)."""

    def completed(self, reply: pb.GenerateContentResponse) -> None:
        """The stream ended normally; ``reply`` is the merged response."""

    def aborted(self) -> None:
        """The stream failed, was closed or cancelled, or was dropped before its end.

        May be called from a garbage-collector finalizer: it must not block or take locks.
        """


class _StreamState(Generic[T]):
    """What the sync and async streams share: accumulation and how the stream ended."""

    __slots__ = ("__weakref__", "_accumulator", "_failure", "_final", "_hooks", "_schema", "_state")

    def __init__(self, schema: Any, hooks: StreamHooks | None) -> None:
        self._accumulator = StreamAccumulator()
        self._schema = schema
        self._hooks = hooks
        self._state = _OPEN
        self._failure: GenAIError | None = None
        self._final: GenerateContentResponse[T] | None = None

    def _view(self, chunk: pb.GenerateContentResponse) -> GenerateContentResponse[T]:
        self._accumulator.add(chunk)
        return GenerateContentResponse(chunk, schema=self._schema)

    def _complete(self) -> None:
        final = self._accumulator.final()
        self._final = GenerateContentResponse(final, schema=self._schema)
        self._state = _COMPLETE
        hooks, self._hooks = self._hooks, None
        if hooks is not None:
            hooks.completed(final)

    def _abort(self, state: int, failure: GenAIError | None) -> None:
        if self._state != _OPEN:
            return
        self._state = state
        self._failure = failure
        hooks, self._hooks = self._hooks, None
        if hooks is not None:
            hooks.aborted()

    def _ended(self) -> GenAIError:
        """The error for reading a stream that failed or was closed."""
        if self._failure is not None:
            return self._failure
        return StreamClosedError(_CLOSED)

    @property
    def done(self) -> bool:
        """True once the server ended the stream and every chunk was read."""
        return self._state == _COMPLETE

    @property
    def response(self) -> GenerateContentResponse[T]:
        """The merged response.

        Raises IncompleteIterationError until the stream is exhausted, the stream's own error if it
        failed, and StreamClosedError if it was closed or cancelled before its end.
        """
        if self._final is not None:
            return self._final
        if self._state == _OPEN:
            raise IncompleteIterationError(_INCOMPLETE)
        raise self._ended()

    def __del__(self) -> None:
        # Dropped before its end (the transport stream cancels its own RPC when collected).
        if self._state == _OPEN:
            with contextlib.suppress(Exception):  # a finalizer must not raise
                self._abort(_CLOSED_STATE, None)


class GenerateContentStream(_StreamState[T]):
    """Iterator of response chunks; also a context manager. ``resolve()`` reads the rest.

    >>> with client.models.generate_content_stream(model="gemini-2.5-flash", contents="hi") as s:
    ...     for chunk in s: print(chunk.text, end="")
    """

    __slots__ = ("_stream",)

    def __init__(
        self,
        stream: ServerStream[pb.GenerateContentResponse],
        *,
        schema: Any = None,
        hooks: StreamHooks | None = None,
    ) -> None:
        super().__init__(schema, hooks)
        self._stream = stream

    def __iter__(self) -> Iterator[GenerateContentResponse[T]]:
        return self

    def __next__(self) -> GenerateContentResponse[T]:
        if self._state != _OPEN:
            if self._state == _COMPLETE:
                raise StopIteration
            raise self._ended()
        try:
            chunk = next(self._stream)
        except StopIteration:
            if self._stream.completed:
                self._complete()
                raise
            self._abort(_CLOSED_STATE, None)  # closed from another thread while this one read
            raise StreamClosedError(_CLOSED) from None
        except GenAIError as error:
            self._abort(_FAILED, error)
            raise
        except BaseException:  # interrupted (KeyboardInterrupt, ...): stop the RPC, keep nothing
            self._stream.close()
            self._abort(_CLOSED_STATE, None)
            raise
        return self._view(chunk)

    def resolve(self) -> GenerateContentResponse[T]:
        """Read the remaining chunks and return the merged response."""
        for _ in self:
            pass
        return self.response

    def close(self) -> None:
        """Cancel the RPC if it is still running; an unfinished turn is not committed. Idempotent."""
        if self._state == _OPEN:
            self._stream.close()
            self._abort(_CLOSED_STATE, None)

    def __enter__(self) -> GenerateContentStream[T]:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class AsyncGenerateContentStream(_StreamState[T]):
    """Async iterator of response chunks; also an async context manager.

    >>> async with await client.aio.models.generate_content_stream(model="m", contents="hi") as s:
    ...     async for chunk in s: print(chunk.text, end="")
    """

    __slots__ = ("_stream",)

    def __init__(
        self,
        stream: AsyncServerStream[pb.GenerateContentResponse],
        *,
        schema: Any = None,
        hooks: StreamHooks | None = None,
    ) -> None:
        super().__init__(schema, hooks)
        self._stream = stream

    def __aiter__(self) -> AsyncIterator[GenerateContentResponse[T]]:
        return self

    async def __anext__(self) -> GenerateContentResponse[T]:
        if self._state != _OPEN:
            if self._state == _COMPLETE:
                raise StopAsyncIteration
            raise self._ended()
        try:
            chunk = await self._stream.__anext__()
        except StopAsyncIteration:
            if self._stream.completed:
                self._complete()
                raise
            self._abort(_CLOSED_STATE, None)  # closed from another task while this one read
            raise StreamClosedError(_CLOSED) from None
        except GenAIError as error:
            self._abort(_FAILED, error)
            raise
        except BaseException:  # the task was cancelled (its RPC is cancelled too): a closed stream
            self._abort(_CLOSED_STATE, None)
            raise
        return self._view(chunk)

    async def resolve(self) -> GenerateContentResponse[T]:
        """Read the remaining chunks and return the merged response."""
        async for _ in self:
            pass
        return self.response

    async def aclose(self) -> None:
        """Cancel the RPC if it is still running; an unfinished turn is not committed. Idempotent."""
        self.cancel()

    def cancel(self) -> None:
        """``aclose()`` for code that cannot await (a callback, a finalizer, another thread's loop)."""
        if self._state == _OPEN:
            self._stream.cancel()
            self._abort(_CLOSED_STATE, None)

    async def __aenter__(self) -> AsyncGenerateContentStream[T]:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()
