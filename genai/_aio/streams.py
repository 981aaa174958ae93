"""A streamed reply: iterate its chunks as they arrive; leaving early cancels the RPC."""

from __future__ import annotations

from collections.abc import AsyncIterator
from types import TracebackType
from typing import TYPE_CHECKING, Any

from genai._aio.afc import AsyncFunctionRoundsStream
from genai._transport import AsyncServerStream
from genai._views.responses import GenerateContentResponse
from genai._views.stream_state import CLOSED, CLOSED_MESSAGE, COMPLETE, FAILED, OPEN, StreamHooks, StreamState
from genai._wire import messages as pb
from genai.errors import GenAIError, StreamClosedError

if TYPE_CHECKING:
    from genai._requests.config import T
else:
    from typing import TypeVar

    T = TypeVar("T")

__all__ = ["AsyncGenerateContentStream"]


class AsyncGenerateContentStream(StreamState[T]):
    """The chunks of a reply, as they arrive; also a context manager. ``resolve()`` reads the rest.

    >>> stream = await client.aio.models.generate_content_stream(model="gemini-2.5-flash", contents="Hi")
    >>> async with stream:
    ...     [chunk.text async for chunk in stream][0]
    'You said: "Hi". ...'
    """

    __slots__ = ("_stream",)

    def __init__(
        self,
        stream: AsyncServerStream[pb.GenerateContentResponse] | AsyncFunctionRoundsStream,
        *,
        schema: Any = None,
        hooks: StreamHooks | None = None,
    ) -> None:
        super().__init__(schema, hooks)
        self._stream = stream

    def __aiter__(self) -> AsyncIterator[GenerateContentResponse[T]]:
        return self

    async def __anext__(self) -> GenerateContentResponse[T]:
        if self._state != OPEN:
            if self._state == COMPLETE:
                raise StopAsyncIteration
            raise self._ended()
        try:
            chunk = await anext(self._stream)
        except StopAsyncIteration:
            if self._stream.completed:
                self._complete(self._stream)
                raise
            self._abort(CLOSED, None)  # closed by another thread or task while this one read
            raise StreamClosedError(CLOSED_MESSAGE) from None
        except GenAIError as error:
            self._abort(FAILED, error)
            raise
        except BaseException:  # interrupted (Ctrl-C) or the task cancelled: stop the RPC, keep nothing
            self._stream.cancel()
            self._abort(CLOSED, None)
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
        """Cancel the RPC now, as ``aclose()`` does, from anywhere (a callback, a thread). Idempotent."""
        if self._state == OPEN:
            self._stream.cancel()
            self._abort(CLOSED, None)

    async def __aenter__(self) -> AsyncGenerateContentStream[T]:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()
