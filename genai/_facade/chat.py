"""google-generativeai's ChatSession over genai's chat bookkeeping (genai._chats.history)."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import threading
import weakref
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from genai._aio.streams import AsyncGenerateContentStream
from genai._chats.history import ChatCore, ChatHistory, Turn
from genai._coercion.content import ContentLike, to_content
from genai._coercion.safety import SafetySettingsLike
from genai._coercion.tools import ToolConfigLike, ToolsLike
from genai._facade.response import GenerateContentResponse, RequestOptions
from genai._sync.streams import GenerateContentStream
from genai._wire import messages as pb

if TYPE_CHECKING:
    from genai.legacy import GenerationConfigType, GenerativeModel

__all__ = ["ChatSession"]

# How often a send waiting for another thread's or task's turn looks again (a turn dropped by the
# garbage collector may end without waking it).
_TURN_POLL = 0.05


class ChatSession:
    """A conversation: each send appends (user, model) to `history` once the reply is complete.

    A failed call, a blocked reply, or a stream closed or abandoned before its end leaves `history`
    as it was. Sends never overlap: a send while another thread's (or task's) message is still in
    flight waits for that turn to finish (a streamed reply finishes when it has been read to its end,
    closed, or dropped), so every exchange lands in `history`, in order. A send from the thread (or
    task) whose own streamed reply is still unread abandons that reply first (it raises
    StreamClosedError if read later). `history` is a read-only copy; assign a new list to replace it.
    """

    def __init__(self, model: GenerativeModel, history: Iterable[ContentLike] | None = None) -> None:
        self.model = model
        self._core = ChatCore(history)
        self._last: GenerateContentResponse | None = None
        # The turn whose streamed reply is (or was) being read, and that stream, held weakly so that
        # dropping the response still ends the turn.
        self._streamed: tuple[Turn, weakref.ref[Any]] | None = None

    @property
    def history(self) -> ChatHistory:
        """The committed contents, oldest first (read-only copies)."""
        return self._core.history

    @history.setter
    def history(self, history: Iterable[ContentLike] | None) -> None:
        self._close_own_stream()
        self._core.replace(history)

    @property
    def last(self) -> GenerateContentResponse | None:
        """The most recent response."""
        return self._last

    # -- turns ----------------------------------------------------------------------------------

    def _close_own_stream(self) -> None:
        """Abandon the streamed reply the caller (this thread, or this task) left unread, if any."""
        streamed = self._streamed
        if streamed is None or not streamed[0].open or streamed[0].owner not in _callers():
            return
        turn, stream = streamed[0], streamed[1]()
        if isinstance(stream, GenerateContentStream):
            stream.close()
        elif isinstance(stream, AsyncGenerateContentStream):
            stream.cancel()
        self._core.abandon(turn)

    def _begin(self, user: pb.Content) -> Turn:
        owner = threading.get_ident()
        while True:
            turn, blocker = self._core.try_begin([user], owner)
            if turn is not None:
                return turn
            assert blocker is not None
            if blocker.owner in _callers():
                self._close_own_stream()  # the caller left its streamed reply unread
                self._core.abandon(blocker)
            else:
                self._core.wait(blocker, _TURN_POLL)

    async def _begin_async(self, user: pb.Content) -> Turn:
        owner = asyncio.current_task()
        loop = asyncio.get_running_loop()
        while True:
            turn, blocker = self._core.try_begin([user], owner)
            if turn is not None:
                return turn
            assert blocker is not None
            if blocker.owner in _callers():
                self._close_own_stream()  # the caller left its streamed reply unread
                self._core.abandon(blocker)
                continue
            ended: asyncio.Future[None] = loop.create_future()
            self._core.on_end(blocker, functools.partial(_wake, loop, ended))
            await asyncio.wait({ended}, timeout=_TURN_POLL)

    def _sent(self, turn: Turn, response: GenerateContentResponse) -> GenerateContentResponse:
        if response._stream is not None:
            self._streamed = (turn, weakref.ref(response._stream))
        self._last = response
        return response

    def send_message(
        self,
        content: ContentLike,
        *,
        generation_config: GenerationConfigType | None = None,
        safety_settings: SafetySettingsLike | None = None,
        stream: bool = False,
        tools: ToolsLike | None = None,
        tool_config: ToolConfigLike | None = None,
        request_options: RequestOptions | None = None,
    ) -> GenerateContentResponse:
        """Send one user message with the history; the exchange is recorded when it completes."""
        user = to_content(content, path="content")
        config = self.model._request_config(
            generation_config, safety_settings, tools, tool_config, request_options
        )
        turn = self._begin(user)
        try:
            response = self.model._generate(self._core.request_contents(turn), config, stream, turn)
        except BaseException:
            self._core.abandon(turn)
            raise
        return self._sent(turn, response)

    async def send_message_async(
        self,
        content: ContentLike,
        *,
        generation_config: GenerationConfigType | None = None,
        safety_settings: SafetySettingsLike | None = None,
        stream: bool = False,
        tools: ToolsLike | None = None,
        tool_config: ToolConfigLike | None = None,
        request_options: RequestOptions | None = None,
    ) -> GenerateContentResponse:
        """The asyncio twin of send_message (concurrent sends on one chat run one after another)."""
        user = to_content(content, path="content")
        config = self.model._request_config(
            generation_config, safety_settings, tools, tool_config, request_options
        )
        turn = await self._begin_async(user)
        try:
            response = await self.model._generate_async(
                self._core.request_contents(turn), config, stream, turn
            )
        except BaseException:
            self._core.abandon(turn)
            raise
        return self._sent(turn, response)

    def rewind(self) -> tuple[pb.Content, pb.Content]:
        """Remove the last exchange from the history and return it as (user, model)."""
        self._close_own_stream()
        return self._core.rewind()

    def __repr__(self) -> str:
        model = getattr(getattr(self, "model", None), "model_name", "?")
        core = getattr(self, "_core", None)
        turns = len(core) // 2 if core is not None else 0
        return f"ChatSession(model={model!r}, turns={turns})"


def _callers() -> tuple[object, ...]:
    """Who is calling, as turns record their owner: this thread, and this task if there is one."""
    try:
        task: object = asyncio.current_task()
    except RuntimeError:  # no running loop in this thread
        task = None
    return (threading.get_ident(), task) if task is not None else (threading.get_ident(),)


def _wake(loop: asyncio.AbstractEventLoop, future: asyncio.Future[None]) -> None:
    """Resolve ``future`` on its loop, from any thread (a no-op once the loop has closed)."""

    def resolve() -> None:
        if not future.done():
            future.set_result(None)

    with contextlib.suppress(RuntimeError):  # the waiting loop is gone
        loop.call_soon_threadsafe(resolve)
