"""What google-generativeai's GenerativeModel (genai.legacy) sends: generate, count tokens.

    >>> config = GenerateContentConfig()
    >>> (await count_tokens(client.aio.models, "models/gemini-2.5-flash", "Hi", config)).total_tokens
    1

``GenerativeModel`` has both spellings of each method (``x()`` and ``x_async()``) on one class:
each builds its arguments and hands them, with the models service of its face (here
``client.aio.models``), to this module's function of that face, then wraps the reply (a response
view, or a stream) in google-generativeai's response object. ChatSession uses the chats service.
"""

from __future__ import annotations

from typing import Any

from genai._aio.models import AsyncModels
from genai._aio.streams import AsyncGenerateContentStream
from genai._coercion.content import ContentsLike
from genai._requests.config import GenerateContentConfig
from genai._views.responses import GenerateContentResponse
from genai._views.stream_state import StreamHooks
from genai._wire import messages as pb

__all__ = ["Reply", "count_tokens", "generate"]

# One reply: the whole response (unary), or the stream of its chunks.
Reply = GenerateContentResponse[Any] | AsyncGenerateContentStream[Any]


async def generate(
    models: AsyncModels,
    model_name: str,
    contents: ContentsLike,
    config: GenerateContentConfig,
    stream: bool,
    hooks: StreamHooks | None,
) -> Reply:
    """One reply, or with ``stream`` its stream; ``hooks`` hear how it ends (a chat commits its turn).

    >>> config = GenerateContentConfig()
    >>> (await generate(client.aio.models, "models/gemini-2.5-flash", "Hi", config, False, None)).text
    'You said: "Hi". ...'
    """
    if stream:
        return models._stream(model_name, contents, config, hooks)
    view = await models.generate_content(model=model_name, contents=contents, config=config)
    if hooks is not None:
        hooks.completed(view.raw)
    return view


async def count_tokens(
    models: AsyncModels, model_name: str, contents: ContentsLike, config: GenerateContentConfig
) -> pb.CountTokensResponse:
    """Tokens the contents use with the model's settings.

    >>> config = GenerateContentConfig()
    >>> (await count_tokens(client.aio.models, "models/gemini-2.5-flash", "Hi", config)).total_tokens
    1
    """
    return await models.count_tokens(model=model_name, contents=contents, config=config)
