"""What a streamed reply's wrapper (sync or asyncio) keeps: the chunks merged so far and how it ended.

    >>> StreamState(None, None).done
    False

A stream ends complete (the merged reply is its response), failed (its error is raised again on
every later read or request for its response), or closed before its end (StreamClosedError). Its
hooks (a chat turn, say) hear once how it ended. Pure: the wrappers in genai._aio/_sync do the I/O.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any, Generic, Protocol

from genai._views.accumulate import StreamAccumulator
from genai._views.responses import GenerateContentResponse
from genai._wire import messages as pb
from genai.errors import GenAIError, IncompleteIterationError, StreamClosedError

if TYPE_CHECKING:
    from genai._requests.config import T
else:
    from typing import TypeVar

    T = TypeVar("T")

__all__ = ["CLOSED", "CLOSED_MESSAGE", "COMPLETE", "FAILED", "OPEN", "StreamHooks", "StreamState"]

_INCOMPLETE = (
    "the stream has not been read to the end: iterate it fully (or call resolve()) before reading "
    "the accumulated response"
)
CLOSED_MESSAGE = (
    "the stream was closed before its end (close(), a `with` block left early, or a cancelled task): "
    "its reply is incomplete and was not kept"
)

OPEN, COMPLETE, FAILED, CLOSED = range(4)


class StreamHooks(Protocol):
    """Told once how a stream ended (chat history commits or drops a turn here)."""

    def completed(self, reply: pb.GenerateContentResponse) -> None:
        """The stream ended normally; ``reply`` is the merged response."""

    def aborted(self) -> None:
        """The stream failed, was closed or cancelled, or was dropped before its end.

        May be called from a garbage-collector finalizer: it must not block or take locks.
        """


class StreamState(Generic[T]):
    """What the sync and async streams share: accumulation and how the stream ended."""

    __slots__ = ("__weakref__", "_accumulator", "_failure", "_final", "_hooks", "_schema", "_state")

    def __init__(self, schema: Any, hooks: StreamHooks | None) -> None:
        self._accumulator = StreamAccumulator()
        self._schema = schema
        self._hooks = hooks
        self._state = OPEN
        self._failure: GenAIError | None = None
        self._final: GenerateContentResponse[T] | None = None

    def _view(self, chunk: pb.GenerateContentResponse) -> GenerateContentResponse[T]:
        self._accumulator.add(chunk)
        return GenerateContentResponse(chunk, schema=self._schema)

    def _complete(self, source: object = None) -> None:
        # A source that merges its own chunks (the rounds of function calling) has the final reply.
        final = getattr(source, "final", None) or self._accumulator.final()
        history = getattr(source, "history", None)
        self._final = GenerateContentResponse(
            final, schema=self._schema, afc_history=history() if history is not None else ()
        )
        self._state = COMPLETE
        hooks, self._hooks = self._hooks, None
        if hooks is not None:
            hooks.completed(final)

    def _abort(self, state: int, failure: GenAIError | None) -> None:
        if self._state != OPEN:
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
        return StreamClosedError(CLOSED_MESSAGE)

    @property
    def done(self) -> bool:
        """True once the server ended the stream and every chunk was read."""
        return self._state == COMPLETE

    @property
    def response(self) -> GenerateContentResponse[T]:
        """The merged response.

        Raises IncompleteIterationError until the stream is exhausted, the stream's own error if it
        failed, and StreamClosedError if it was closed or cancelled before its end.
        """
        if self._final is not None:
            return self._final
        if self._state == OPEN:
            raise IncompleteIterationError(_INCOMPLETE)
        raise self._ended()

    def __del__(self) -> None:
        # Dropped before its end (the transport stream cancels its own RPC when collected).
        if self._state == OPEN:
            with contextlib.suppress(Exception):  # a finalizer must not raise
                self._abort(CLOSED, None)
