"""A streamed reply, sync: iterate its chunks; leaving early cancels the RPC."""

from __future__ import annotations

from collections.abc import Iterator
from types import TracebackType
from typing import TYPE_CHECKING, Any

from genai._transport import ServerStream
from genai._views.responses import GenerateContentResponse
from genai._views.stream_state import CLOSED, CLOSED_MESSAGE, COMPLETE, FAILED, OPEN, StreamHooks, StreamState
from genai._wire import messages as pb
from genai.errors import GenAIError, StreamClosedError

if TYPE_CHECKING:
    from genai._requests.config import T
else:
    from typing import TypeVar

    T = TypeVar("T")

__all__ = ["GenerateContentStream"]


class GenerateContentStream(StreamState[T]):
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
        if self._state != OPEN:
            if self._state == COMPLETE:
                raise StopIteration
            raise self._ended()
        try:
            chunk = next(self._stream)
        except StopIteration:
            if self._stream.completed:
                self._complete()
                raise
            self._abort(CLOSED, None)  # closed from another thread while this one read
            raise StreamClosedError(CLOSED_MESSAGE) from None
        except GenAIError as error:
            self._abort(FAILED, error)
            raise
        except BaseException:  # interrupted (KeyboardInterrupt, ...): stop the RPC, keep nothing
            self._stream.close()
            self._abort(CLOSED, None)
            raise
        return self._view(chunk)

    def resolve(self) -> GenerateContentResponse[T]:
        """Read the remaining chunks and return the merged response."""
        for _ in self:
            pass
        return self.response

    def close(self) -> None:
        """Cancel the RPC if it is still running; an unfinished turn is not committed. Idempotent."""
        if self._state == OPEN:
            self._stream.close()
            self._abort(CLOSED, None)

    def __enter__(self) -> GenerateContentStream[T]:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
