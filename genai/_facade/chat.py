"""google-generativeai's ChatSession, over the one chat implementation (genai._aio.chats).

``send_message`` goes through the generated sync face (``Chat``), ``send_message_async`` through the
asyncio one (``AsyncChat``); both share one ChatState, so the turns of either are serialised and
recorded the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from genai._aio.chats import AsyncChat
from genai._chats.history import ChatHistory
from genai._chats.session import ChatState
from genai._coercion.content import ContentLike
from genai._coercion.safety import SafetySettingsLike
from genai._coercion.tools import ToolConfigLike, ToolsLike
from genai._facade.response import GenerateContentResponse, RequestOptions
from genai._requests.config import GenerateContentConfig
from genai._sync.chats import Chat
from genai._wire import messages as pb

if TYPE_CHECKING:
    from genai.legacy import GenerationConfigType, GenerativeModel

__all__ = ["ChatSession"]


class ChatSession:
    """A conversation: each send appends its turn to `history` once the reply is complete.

    A failed call, a blocked reply, or a stream closed or abandoned before its end leaves `history`
    as it was. Sends never overlap: a send while another thread's (or task's) message is still in
    flight waits for that turn to finish (a streamed reply finishes when it has been read to its end,
    closed, or dropped), so every exchange lands in `history`, in order. A send from the thread (or
    task) whose own streamed reply is still unread abandons that reply first (it raises
    StreamClosedError if read later). `history` is a read-only copy; assign a new list to replace it.
    With ``enable_automatic_function_calling``, the Python functions among the model's tools run when
    the model calls them, and the whole exchange (calls and responses) is one turn of `history`.
    """

    def __init__(
        self,
        model: GenerativeModel,
        history: Iterable[ContentLike] | None = None,
        enable_automatic_function_calling: bool = False,
    ) -> None:
        self.model = model
        self.enable_automatic_function_calling = enable_automatic_function_calling
        self._state = ChatState(model.model_name, self._config(None, None, None, None, None), history)
        self._last: GenerateContentResponse | None = None

    def _config(
        self,
        generation_config: GenerationConfigType | None,
        safety_settings: SafetySettingsLike | None,
        tools: ToolsLike | None,
        tool_config: ToolConfigLike | None,
        request_options: RequestOptions | None,
    ) -> GenerateContentConfig:
        return self.model._request_config(
            generation_config,
            safety_settings,
            tools,
            tool_config,
            request_options,
            run_functions=self.enable_automatic_function_calling,
        )

    @property
    def history(self) -> ChatHistory:
        """The valid turns' contents, oldest first (read-only copies)."""
        return self._state.core.history

    @history.setter
    def history(self, history: Iterable[ContentLike] | None) -> None:
        self._state.drop_own_stream()
        self._state.core.replace(history)

    @property
    def last(self) -> GenerateContentResponse | None:
        """The most recent response."""
        return self._last

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
        config = self._per_call(generation_config, safety_settings, tools, tool_config, request_options)
        chat: Chat[object] = Chat(self.model.client.models, self._state)
        if stream:
            response = GenerateContentResponse.of(chat.send_message_stream(content, config))
        else:
            response = GenerateContentResponse.of(chat.send_message(content, config))
        self._last = response
        return response

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
        config = self._per_call(generation_config, safety_settings, tools, tool_config, request_options)
        chat: AsyncChat[object] = AsyncChat(self.model.client.aio.models, self._state)
        if stream:
            response = GenerateContentResponse.of(await chat.send_message_stream(content, config))
        else:
            response = GenerateContentResponse.of(await chat.send_message(content, config))
        self._last = response
        return response

    def _per_call(
        self,
        generation_config: GenerationConfigType | None,
        safety_settings: SafetySettingsLike | None,
        tools: ToolsLike | None,
        tool_config: ToolConfigLike | None,
        request_options: RequestOptions | None,
    ) -> GenerateContentConfig | None:
        given = (generation_config, safety_settings, tools, tool_config, request_options)
        if all(value is None for value in given):
            return None  # the chat's own settings, prepared once
        return self._config(generation_config, safety_settings, tools, tool_config, request_options)

    def rewind(self) -> tuple[pb.Content, pb.Content]:
        """Remove the last turn from the history and return it as (user message, model reply)."""
        self._state.drop_own_stream()
        turn = self._state.core.rewind()
        user = turn.user
        return (user[0] if user else pb.Content(role="user")), turn.model

    def __repr__(self) -> str:
        model = getattr(getattr(self, "model", None), "model_name", "?")
        state = getattr(self, "_state", None)
        turns = len(state.core.turns()) if state is not None else 0
        return f"ChatSession(model={model!r}, turns={turns})"
