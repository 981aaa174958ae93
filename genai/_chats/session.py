"""A chat's state, shared by its faces: its history, what its requests are sent with, its last reply.

    >>> state = ChatState("gemini-2.5-flash", {"temperature": 0.5}, None)
    >>> user, send, files = state.prepare(["Hi"], {"top_k": 3})
    >>> [content.parts[0].text for content in user], send.config.temperature, send.config.top_k
    (['Hi'], 0.5, 3)

Pure: the asyncio source (genai._aio.chats) and its generated sync face do the I/O. One state may
serve both faces at once (google-generativeai's ChatSession has both spellings of each method): the
turns are serialised by the core whichever face sends.

A per-message ``config`` is merged over the chat's, field by field: each field the message's config
sets replaces the chat's; the others keep the chat's values (genai._requests.config.merge_configs).
Neither config is changed.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from typing import Any

from genai._chats.history import ChatCore, Turn
from genai._chats.waiting import abandoned_by
from genai._coercion.content import ContentLike, ContentsLike, to_contents
from genai._coercion.models import to_model_name
from genai._functions.calling import FunctionCalling, function_calling
from genai._requests.builders import build_generate_head
from genai._requests.calls import FileWait, building_with_files, python_schema
from genai._requests.config import ConfigLike, GenerateContentConfig, merge_configs, to_generate_config
from genai._requests.encode import encode_request_without_contents, encode_user_text
from genai._views.responses import GenerateContentResponse
from genai._views.stream_state import StreamHooks
from genai._wire import messages as pb

__all__ = ["ChatState", "Send"]


class Send:
    """What a message's request is sent with: made once for the chat's own config (``ChatState.own``),
    and once per message that brings a config of its own.

    ``config`` is the merged config (its call options are the face's to resolve against the
    client's defaults); ``head`` the request without contents.
    """

    __slots__ = ("calling", "config", "head", "schema")

    def __init__(
        self,
        config: GenerateContentConfig[Any] | None,
        head: bytes,
        schema: Any,
        calling: FunctionCalling | None,
    ) -> None:
        self.config = config
        self.head = head
        self.schema = schema
        self.calling = calling


class _StreamTurn:
    """A streamed turn's hooks: the turn commits or is dropped, and a finished reply becomes ``last``."""

    __slots__ = ("_state", "stream", "turn")

    def __init__(self, state: ChatState, turn: Turn) -> None:
        self._state = state
        self.turn = turn
        self.stream: weakref.ref[Any] | None = None

    def completed(self, reply: pb.GenerateContentResponse) -> None:
        self.turn.completed(reply)
        stream = self.stream() if self.stream is not None else None
        if stream is not None:
            self._state.last = stream.response

    def aborted(self) -> None:
        self.turn.aborted()  # may run in a finalizer: no locks held for long, nothing else


class ChatState:
    """The core (both histories, turns), the chat's own request settings, the caller's open stream."""

    def __init__(
        self,
        model: str,
        config: ConfigLike | None,
        history: Iterable[ContentLike] | None,
    ) -> None:
        self.model = to_model_name(model)
        self.config: GenerateContentConfig[Any] | None = to_generate_config(config)
        self.core = ChatCore(history)
        self.last: GenerateContentResponse[Any] | None = None
        self.own = self._settings(self.config)  # checked now: a bad config fails at create()
        self._streamed: _StreamTurn | None = None

    def _settings(self, cfg: GenerateContentConfig[Any] | None) -> Send:
        head = encode_request_without_contents(build_generate_head(self.model, cfg))
        return Send(cfg, head, python_schema(cfg), function_calling(cfg))

    def prepare(
        self, message: ContentsLike, config: ConfigLike | None
    ) -> tuple[list[pb.Content] | bytes, Send, FileWait | None]:
        """The message's contents, the settings it is sent with (the chat's own without ``config``),
        and the PROCESSING files to wait for first (with ``wait_for_files`` in the config).

        A str message (the usual one) comes as its request bytes: the user content that
        ``to_contents`` would make, encoded without making it.
        """
        if config is None:
            send = self.own
        else:
            send = self._settings(merge_configs(self.config, to_generate_config(config)))
        if type(message) is str:
            return encode_user_text(message, path="message"), send, None
        user, files = building_with_files(send.config, lambda: to_contents(message, path="message"))
        return user, send, files

    # -- streams --------------------------------------------------------------------------------

    def stream_hooks(self, turn: Turn) -> StreamHooks:
        """Hooks for the stream of ``turn``; ``track`` it once the stream exists."""
        return _StreamTurn(self, turn)

    def track(self, hooks: StreamHooks, stream: object) -> None:
        """Remember the caller's streamed turn, so that its next send can abandon it if left unread."""
        assert isinstance(hooks, _StreamTurn)
        hooks.stream = weakref.ref(stream)
        self._streamed = hooks

    def drop_own_stream(self) -> None:
        """Abandon the streamed reply the caller (this thread or task, or one that has ended) left unread."""
        streamed = self._streamed
        if streamed is None or not streamed.turn.open or not abandoned_by(streamed.turn.owner):
            return
        stream = streamed.stream() if streamed.stream is not None else None
        if stream is not None:
            stream.cancel()  # either face's stream: cancel() needs no await
        self.core.abandon(streamed.turn)
