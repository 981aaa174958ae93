"""Streamed generation: thin iterators over a transport stream and a StreamAccumulator.

Leaving a stream early (break + close, or the ``with`` block ending) cancels the RPC. The merged
response is available once the stream is exhausted; reading it before raises
IncompleteIterationError.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from types import TracebackType
from typing import Any

from genai import types
from genai._accumulate import StreamAccumulator
from genai._responses import GenerateContentResponse
from genai._transport import AsyncServerStream, ServerStream
from genai.errors import IncompleteIterationError

_INCOMPLETE = (
    "the stream has not been read to the end: iterate it fully (or call resolve()) before reading "
    "the accumulated response"
)

# Called once with the merged response when a stream completes (chat history commits a turn here).
OnComplete = Callable[[types.GenerateContentResponse], None]


class _StreamState:
    """What the sync and async streams share: accumulation and completion bookkeeping."""

    __slots__ = ("_accumulator", "_done", "_final", "_on_complete", "_schema")

    def __init__(self, schema: Any, on_complete: OnComplete | None) -> None:
        self._accumulator = StreamAccumulator()
        self._schema = schema
        self._on_complete = on_complete
        self._done = False
        self._final: GenerateContentResponse | None = None

    def _view(self, chunk: types.GenerateContentResponse) -> GenerateContentResponse:
        self._accumulator.add(chunk)
        return GenerateContentResponse(chunk, schema=self._schema)

    def _finish(self) -> None:
        if self._done:
            return
        self._done = True
        final = self._accumulator.final()
        self._final = GenerateContentResponse(final, schema=self._schema)
        if self._on_complete is not None:
            self._on_complete(final)

    @property
    def done(self) -> bool:
        """True once the server ended the stream and every chunk was read."""
        return self._done

    @property
    def response(self) -> GenerateContentResponse:
        """The merged response; raises IncompleteIterationError until the stream is exhausted."""
        if self._final is None:
            raise IncompleteIterationError(_INCOMPLETE)
        return self._final


class GenerateContentStream(_StreamState):
    """Iterator of response chunks; also a context manager. ``resolve()`` reads the rest.

    >>> with client.models.generate_content_stream(model="gemini-2.5-flash", contents="hi") as s:
    ...     for chunk in s: print(chunk.text, end="")
    """

    __slots__ = ("_stream",)

    def __init__(
        self,
        stream: ServerStream[types.GenerateContentResponse],
        *,
        schema: Any = None,
        on_complete: OnComplete | None = None,
    ) -> None:
        super().__init__(schema, on_complete)
        self._stream = stream

    def __iter__(self) -> Iterator[GenerateContentResponse]:
        return self

    def __next__(self) -> GenerateContentResponse:
        try:
            chunk = next(self._stream)
        except StopIteration:
            self._finish()
            raise
        return self._view(chunk)

    def resolve(self) -> GenerateContentResponse:
        """Read the remaining chunks and return the merged response."""
        for _ in self:
            pass
        return self.response

    def close(self) -> None:
        """Cancel the RPC if it is still running; an unfinished turn is not committed."""
        self._stream.close()

    def __enter__(self) -> GenerateContentStream:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class AsyncGenerateContentStream(_StreamState):
    """Async iterator of response chunks; also an async context manager.

    >>> async with await client.aio.models.generate_content_stream(model="m", contents="hi") as s:
    ...     async for chunk in s: print(chunk.text, end="")
    """

    __slots__ = ("_stream",)

    def __init__(
        self,
        stream: AsyncServerStream[types.GenerateContentResponse],
        *,
        schema: Any = None,
        on_complete: OnComplete | None = None,
    ) -> None:
        super().__init__(schema, on_complete)
        self._stream = stream

    def __aiter__(self) -> AsyncIterator[GenerateContentResponse]:
        return self

    async def __anext__(self) -> GenerateContentResponse:
        try:
            chunk = await self._stream.__anext__()
        except StopAsyncIteration:
            self._finish()
            raise
        return self._view(chunk)

    async def resolve(self) -> GenerateContentResponse:
        """Read the remaining chunks and return the merged response."""
        async for _ in self:
            pass
        return self.response

    async def aclose(self) -> None:
        """Cancel the RPC if it is still running; an unfinished turn is not committed."""
        await self._stream.aclose()

    async def __aenter__(self) -> AsyncGenerateContentStream:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()
