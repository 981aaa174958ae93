"""What the google-generativeai facade (genai.legacy) sends: generate, count tokens, a chat message.

    >>> generate.__name__
    'generate'

``GenerativeModel`` and ``ChatSession`` have both spellings of each method (``x()`` and
``x_async()``) on one class: each builds its arguments and hands them, with the models service of
its face (here ``client.aio.models``), to this module's function of that face.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from genai._aio.models import AsyncModels
from genai._chats.history import Turn
from genai._chats.waiting import AsyncTurnWaiter, callers
from genai._coercion.content import ContentsLike
from genai._facade.response import GenerateContentResponse
from genai._requests.config import GenerateContentConfig
from genai._views.stream_state import StreamHooks
from genai._wire import messages as pb

if TYPE_CHECKING:
    from genai._facade.chat import ChatSession

__all__ = ["count_tokens", "generate", "send_message"]


async def generate(
    models: AsyncModels,
    model_name: str,
    contents: ContentsLike,
    config: GenerateContentConfig,
    stream: bool,
    hooks: StreamHooks | None,
) -> GenerateContentResponse:
    """One reply (or, with ``stream``, its stream) as google-generativeai's response object.

    >>> await generate(client.aio.models, "models/m", "Hi", GenerateContentConfig(), False, None)
    """
    if stream:
        return GenerateContentResponse(stream=models._stream(model_name, contents, config, hooks))
    view = await models.generate_content(model=model_name, contents=contents, config=config)
    if hooks is not None:
        hooks.completed(view.raw)
    return GenerateContentResponse(result=view)


async def count_tokens(
    models: AsyncModels, model_name: str, contents: ContentsLike, config: GenerateContentConfig
) -> pb.CountTokensResponse:
    """Tokens the contents use with the model's settings.

    >>> await count_tokens(client.aio.models, "models/m", "Hi", GenerateContentConfig())
    """
    return await models.count_tokens(model=model_name, contents=contents, config=config)


async def send_message(
    chat: ChatSession,
    models: AsyncModels,
    user: pb.Content,
    config: GenerateContentConfig,
    stream: bool,
) -> GenerateContentResponse:
    """Send ``user`` with the chat's history; the exchange is recorded once its reply is complete.

    >>> await send_message(chat, client.aio.models, to_content("Hi"), GenerateContentConfig(), False)
    """
    turn = await _begin(chat, user)
    try:
        contents = chat._core.request_contents(turn)
        response = await generate(models, chat.model.model_name, contents, config, stream, turn)
    except BaseException:
        chat._core.abandon(turn)
        raise
    return chat._sent(turn, response)


async def _begin(chat: ChatSession, user: pb.Content) -> Turn:
    """This caller's new turn, once no other is open (the caller's own unread stream is abandoned)."""
    owner = AsyncTurnWaiter.owner()
    while True:
        turn, blocker = chat._core.try_begin([user], owner)
        if turn is not None:
            return turn
        assert blocker is not None
        if blocker.owner in callers():
            chat._close_own_stream()  # the caller left its streamed reply unread
            chat._core.abandon(blocker)
        else:
            await AsyncTurnWaiter.wait(chat._core, blocker)
