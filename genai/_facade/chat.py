"""google-generativeai's ChatSession over genai's chat bookkeeping (genai._chats.history).

Its sends go through the facade's calls, written once (genai._aio.facade, generated into
genai._sync.facade): ``send_message`` calls the sync face, ``send_message_async`` the asyncio one.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from genai._aio import facade as aio_facade
from genai._chats.history import ChatCore, ChatHistory, Turn
from genai._chats.waiting import callers
from genai._coercion.content import ContentLike, to_content
from genai._coercion.safety import SafetySettingsLike
from genai._coercion.tools import ToolConfigLike, ToolsLike
from genai._facade.response import GenerateContentResponse, RequestOptions
from genai._sync import facade as sync_facade
from genai._wire import messages as pb

if TYPE_CHECKING:
    from genai.legacy import GenerationConfigType, GenerativeModel

__all__ = ["ChatSession"]


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
        if streamed is None or not streamed[0].open or streamed[0].owner not in callers():
            return
        turn, stream = streamed[0], streamed[1]()
        if stream is not None:
            stream.cancel()  # either face's stream: cancel() needs no await
        self._core.abandon(turn)

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
        models = self.model.client.models  # before the turn: a client that cannot be built opens none
        turn, reply = sync_facade.send_message(
            self._core, models, self.model.model_name, user, config, stream, self._close_own_stream
        )
        return self._sent(turn, GenerateContentResponse.of(reply))

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
        models = self.model.client.aio.models
        turn, reply = await aio_facade.send_message(
            self._core, models, self.model.model_name, user, config, stream, self._close_own_stream
        )
        return self._sent(turn, GenerateContentResponse.of(reply))

    def rewind(self) -> tuple[pb.Content, pb.Content]:
        """Remove the last exchange from the history and return it as (user, model)."""
        self._close_own_stream()
        return self._core.rewind()

    def __repr__(self) -> str:
        model = getattr(getattr(self, "model", None), "model_name", "?")
        core = getattr(self, "_core", None)
        turns = len(core) // 2 if core is not None else 0
        return f"ChatSession(model={model!r}, turns={turns})"
