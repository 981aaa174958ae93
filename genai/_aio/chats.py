"""Chat sessions: multi-turn conversations whose history is kept exact whatever happens to a turn.

    >>> chat = client.aio.chats.create(model="gemini-2.5-flash")
    >>> (await chat.send_message("Hi")).text
    'You said: "Hi". ...'
    >>> stream = await chat.send_message_stream("Go on")
    >>> "".join([chunk.text async for chunk in stream])
    'You said: "Go on". ...'
    >>> [content.role for content in chat.history]
    ['user', 'model', 'user', 'model']

A turn (the message, any rounds of automatic function calling, the model's final reply) is recorded
once it is complete, as one merged model content per reply; a failed call, a stream closed, broken
or dropped before its end, or a cancelled task records nothing, and the next message works. Sends on
one chat never overlap: a send waits while another task's (or thread's) turn is in flight.
genai._chats.validity says which turns are valid (curated); genai._chats.session how a per-message
config is merged over the chat's.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Generic, overload

from genai._aio.afc import AsyncFunctionRounds, AsyncFunctionRoundsStream
from genai._aio.file_wait import wait_all_active
from genai._aio.models import AsyncModels
from genai._aio.streams import AsyncGenerateContentStream
from genai._aio.turns import begin_turn
from genai._chats.history import ChatHistory, ChatTurn, Turn
from genai._chats.session import ChatState, Send
from genai._chats.waiting import AsyncTurnWaiter
from genai._coercion.content import ContentLike, ContentsLike
from genai._requests.calls import (
    GENERATE_CONTENT,
    STREAM_GENERATE_CONTENT,
    GenerateConfig,
    OtherGenerateConfig,
)
from genai._requests.config import GenerateContentConfig
from genai._transport.options import CallOptions
from genai._views.responses import GenerateContentResponse
from genai._wire import messages as pb

if TYPE_CHECKING:
    from genai._requests.config import T
else:
    from typing import TypeVar

    T = TypeVar("T")

__all__ = ["AsyncChat", "AsyncChats"]


class AsyncChats:
    """Creates chats; reached as ``client.aio.chats``."""

    def __init__(self, models: AsyncModels) -> None:
        self._models = models

    @overload
    def create(
        self,
        *,
        model: str,
        config: GenerateContentConfig[T],
        history: Iterable[ContentLike] | None = None,
    ) -> AsyncChat[T]: ...

    @overload
    def create(
        self,
        *,
        model: str,
        config: OtherGenerateConfig | None = None,
        history: Iterable[ContentLike] | None = None,
    ) -> AsyncChat[Any]: ...

    def create(
        self,
        *,
        model: str,
        config: GenerateConfig | None = None,
        history: Iterable[ContentLike] | None = None,
    ) -> AsyncChat[Any]:
        """A new chat with ``model``; ``config`` applies to every message, ``history`` is its start.

        >>> history = ["Hi", {"role": "model", "parts": ["Hello"]}]
        >>> client.aio.chats.create(model="gemini-2.5-flash", history=history)
        AsyncChat(model='models/gemini-2.5-flash', turns=1)

        The history is taken as given (every turn of it valid). A bad config or history fails here.
        """
        return AsyncChat(self._models, ChatState(model, config, history))


class AsyncChat(Generic[T]):
    """One conversation with a model (google-genai's ``AsyncChat``)."""

    def __init__(self, models: AsyncModels, state: ChatState) -> None:
        self._models = models
        self._state = state
        self._own_options = models._options(state.config)  # the call options of the chat's config

    async def send_message(
        self, message: ContentsLike, config: GenerateConfig | None = None
    ) -> GenerateContentResponse[T]:
        """Send one message with the history; its turn is recorded when the reply has come.

        >>> chat = client.aio.chats.create(model="gemini-2.5-flash")
        >>> (await chat.send_message(["Hello", "there"])).text
        'You said: "Hello there". ...'
        """
        state = self._state
        core = state.core
        user, send, files = state.prepare(message, config)
        if files is not None:  # before the turn begins: other sends go on meanwhile
            await wait_all_active(self._models._transport, self._options(send), files.names, files.timeout)
        turn, _ = core.try_begin(user, AsyncTurnWaiter.owner())
        if turn is None:  # a turn is open: wait for it (or drop the caller's own unread stream)
            turn = await begin_turn(core, user, state.drop_own_stream)
        try:
            prefix = core.request_bytes(turn, send.head)
            options = self._options(send)
            if send.calling is None:  # one request, one reply: kept inline, this is every chat's turn
                reply = await self._models._transport.unary(
                    GENERATE_CONTENT, prefix, options=options, metadata=options.metadata
                )
                view: GenerateContentResponse[T] = GenerateContentResponse(reply, schema=send.schema)
            else:
                view = await self._function_rounds(prefix, send, turn, options)
                reply = view.raw
        except BaseException:
            core.abandon(turn)
            raise
        core.commit(turn, reply)
        state.last = view
        return view

    def _options(self, send: Send) -> CallOptions:
        return self._own_options if send is self._state.own else self._models._options(send.config)

    async def _function_rounds(
        self, prefix: bytes, send: Send, turn: Turn, options: CallOptions
    ) -> GenerateContentResponse[Any]:
        """The turn with automatic function calling: requests until the model stops calling."""
        assert send.calling is not None
        rounds = AsyncFunctionRounds(
            self._models._transport,
            prefix,
            options,
            send.calling,
            self._state.core.sent_with(turn),
            turn.add_hop,
        )
        return await rounds.generate(send.schema)

    async def send_message_stream(
        self, message: ContentsLike, config: GenerateConfig | None = None
    ) -> AsyncGenerateContentStream[T]:
        """Send one message; the reply streams. Its turn is recorded once the stream is read to its end.

        >>> chat = client.aio.chats.create(model="gemini-2.5-flash")
        >>> async with await chat.send_message_stream("Hi") as stream:
        ...     (await stream.resolve()).text
        'You said: "Hi". ...'

        Leaving the stream early (``aclose()``, a ``with`` block left, the task cancelled, the stream
        dropped) cancels the call and records nothing.
        """
        state = self._state
        user, send, files = state.prepare(message, config)
        if files is not None:
            await wait_all_active(self._models._transport, self._options(send), files.names, files.timeout)
        turn = await begin_turn(state.core, user, state.drop_own_stream)
        try:
            prefix = state.core.request_bytes(turn, send.head)
            options = self._options(send)
            hooks = state.stream_hooks(turn)
            source: Any
            if send.calling is not None:
                rounds = AsyncFunctionRounds(
                    self._models._transport,
                    prefix,
                    options,
                    send.calling,
                    state.core.sent_with(turn),
                    turn.add_hop,
                )
                source = AsyncFunctionRoundsStream(rounds)
            else:
                source = self._models._transport.server_stream(
                    STREAM_GENERATE_CONTENT, prefix, options=options, metadata=options.metadata
                )
            stream: AsyncGenerateContentStream[T] = AsyncGenerateContentStream(
                source, schema=send.schema, hooks=hooks
            )
        except BaseException:
            state.core.abandon(turn)
            raise
        state.track(hooks, stream)
        return stream

    # -- history --------------------------------------------------------------------------------

    def get_history(self, curated: bool = False) -> list[pb.Content]:
        """Copies of every finished turn's contents (comprehensive), or of the valid ones (``curated``).

        >>> client.aio.chats.create(model="gemini-2.5-flash").get_history()
        []
        """
        return self._state.core.get_history(curated)

    @property
    def history(self) -> ChatHistory:
        """The curated history (what the next message is sent with), read-only copies."""
        return self._state.core.history

    def rewind(self) -> ChatTurn:
        """Remove the last finished turn and return it (a streamed reply left unread is abandoned first).

        >>> history = ["Hi", {"role": "model", "parts": ["Hello"]}]
        >>> chat = client.aio.chats.create(model="gemini-2.5-flash", history=history)
        >>> chat.rewind().model.parts[0].text, len(chat.history)
        ('Hello', 0)
        """
        self._state.drop_own_stream()
        return self._state.core.rewind()

    @property
    def last(self) -> GenerateContentResponse[Any] | None:
        """The most recent complete reply (None before the first)."""
        return self._state.last

    @property
    def usage(self) -> pb.GenerateContentResponseUsageMetadata:
        """Token totals over every reply of this chat (function-calling rounds included)."""
        return self._state.core.usage

    @property
    def model(self) -> str:
        """The model this chat talks to."""
        return self._state.model

    def __repr__(self) -> str:
        state = getattr(self, "_state", None)
        if state is None:
            return f"{type(self).__name__}(?)"
        turns = len(state.core.turns(curated=True))
        return f"{type(self).__name__}(model={state.model!r}, turns={turns})"
