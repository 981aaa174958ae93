"""``client.aio.models``: generate, stream, count tokens, embed, list, get.

What each method sends comes from the pure core (genai._requests.calls); here it is only sent,
through the transport's interface (unary, server_stream, gather).
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any, overload

from genai._aio.afc import AsyncFunctionRounds, AsyncFunctionRoundsStream
from genai._aio.streams import AsyncGenerateContentStream
from genai._coercion.content import ContentsLike
from genai._functions.calling import function_calling, sent_contents
from genai._requests.calls import (
    BATCH_EMBED_CONTENTS,
    COUNT_TOKENS,
    EMBED_CONTENT,
    GENERATE_CONTENT,
    GET_MODEL,
    LIST_MODELS,
    STREAM_GENERATE_CONTENT,
    CallConfig,
    EmbedConfig,
    GenerateConfig,
    ModelsCore,
    OtherGenerateConfig,
    merge_embeddings,
    single_embedding,
)
from genai._requests.config import GenerateContentConfig
from genai._transport import AsyncTransport
from genai._transport.options import CallOptions
from genai._views.responses import GenerateContentResponse
from genai._views.stream_state import StreamHooks
from genai._wire import messages as pb

if TYPE_CHECKING:
    from genai._requests.config import T

__all__ = ["AsyncModels"]


class AsyncModels(ModelsCore):
    """Model calls; reached as ``client.aio.models``."""

    def __init__(self, transport: AsyncTransport, defaults: CallOptions) -> None:
        super().__init__(defaults)
        self._transport = transport

    @overload
    async def generate_content(
        self, *, model: str, contents: ContentsLike, config: GenerateContentConfig[T]
    ) -> GenerateContentResponse[T]: ...

    @overload
    async def generate_content(
        self, *, model: str, contents: ContentsLike, config: OtherGenerateConfig | None = None
    ) -> GenerateContentResponse[Any]: ...

    async def generate_content(
        self, *, model: str, contents: ContentsLike, config: GenerateConfig | None = None
    ) -> GenerateContentResponse[Any]:
        """One reply for `contents`.

        >>> (await client.aio.models.generate_content(model="gemini-2.5-flash", contents="Hi")).text
        'You said: "Hi". ...'
        """
        request, options, schema, cfg = self._generate(model, contents, config)
        calling = function_calling(cfg)
        if calling is not None:
            rounds = AsyncFunctionRounds(self._transport, request, options, calling, sent_contents(request))
            return await rounds.generate(schema)
        raw = await self._transport.unary(
            GENERATE_CONTENT,
            request,
            options=options,
            metadata=options.metadata,
        )
        return GenerateContentResponse(raw, schema=schema)

    @overload
    async def generate_content_stream(
        self, *, model: str, contents: ContentsLike, config: GenerateContentConfig[T]
    ) -> AsyncGenerateContentStream[T]: ...

    @overload
    async def generate_content_stream(
        self, *, model: str, contents: ContentsLike, config: OtherGenerateConfig | None = None
    ) -> AsyncGenerateContentStream[Any]: ...

    async def generate_content_stream(
        self, *, model: str, contents: ContentsLike, config: GenerateConfig | None = None
    ) -> AsyncGenerateContentStream[Any]:
        """The reply as it is produced: iterate the chunks; `.response` afterwards holds them merged.

        >>> stream = await client.aio.models.generate_content_stream(model="gemini-2.5-flash", contents="Hi")
        >>> (await stream.resolve()).text
        'You said: "Hi". ...'
        """
        return self._stream(model, contents, config, None)

    def _stream(
        self, model: str, contents: ContentsLike, config: GenerateConfig | None, hooks: StreamHooks | None
    ) -> AsyncGenerateContentStream[Any]:
        request, options, schema, cfg = self._generate(model, contents, config)
        calling = function_calling(cfg)
        if calling is not None:
            rounds = AsyncFunctionRounds(self._transport, request, options, calling, sent_contents(request))
            return AsyncGenerateContentStream(AsyncFunctionRoundsStream(rounds), schema=schema, hooks=hooks)
        stream = self._transport.server_stream(
            STREAM_GENERATE_CONTENT,
            request,
            options=options,
            metadata=options.metadata,
        )
        return AsyncGenerateContentStream(stream, schema=schema, hooks=hooks)

    async def count_tokens(
        self, *, model: str, contents: ContentsLike, config: GenerateConfig | None = None
    ) -> pb.CountTokensResponse:
        """Tokens `contents` (plus the config's system instruction and tools) would use.

        >>> (await client.aio.models.count_tokens(model="gemini-2.5-flash", contents="Hi")).total_tokens
        1
        """
        request, options = self._count(model, contents, config)
        return await self._transport.unary(COUNT_TOKENS, request, options=options, metadata=options.metadata)

    async def embed_content(
        self, *, model: str, contents: ContentsLike, config: EmbedConfig | None = None
    ) -> pb.BatchEmbedContentsResponse:
        """One embedding per content, in order; lists are sent in concurrent batches of 100.

        >>> reply = await client.aio.models.embed_content(model="gemini-embedding-001", contents=["a", "b"])
        >>> len(reply.embeddings)
        2
        """
        batches, options = self._embed(model, contents, config)
        if isinstance(batches, pb.EmbedContentRequest):
            single = await self._transport.unary(
                EMBED_CONTENT,
                batches,
                options=options,
                metadata=options.metadata,
            )
            return single_embedding(single)
        if len(batches) == 1:
            return await self._transport.unary(
                BATCH_EMBED_CONTENTS,
                batches[0],
                options=options,
                metadata=options.metadata,
            )
        calls = [
            functools.partial(
                self._transport.unary,
                BATCH_EMBED_CONTENTS,
                batch,
                options=options,
                metadata=options.metadata,
            )
            for batch in batches
        ]
        return merge_embeddings(await self._transport.gather(calls))

    def list(
        self, *, page_size: int | None = None, config: CallConfig | None = None
    ) -> AsyncIterator[pb.Model]:
        """Every model, fetched page by page as the iteration advances.

        >>> [model.name async for model in client.aio.models.list()][:2]
        ['models/gemini-2.5-pro', 'models/gemini-2.5-flash']
        """
        size, options = self._page_size(page_size), self._options(config)

        async def pages() -> AsyncIterator[pb.Model]:
            token = ""
            while True:
                request = pb.ListModelsRequest(page_size=size, page_token=token)
                page = await self._transport.unary(
                    LIST_MODELS,
                    request,
                    options=options,
                    metadata=options.metadata,
                )
                for model in page.models:
                    yield model
                token = page.next_page_token
                if not token:
                    return

        return pages()

    async def get(self, *, model: str, config: CallConfig | None = None) -> pb.Model:
        """A model's metadata; NotFoundError when it does not exist.

        >>> (await client.aio.models.get(model="gemini-2.5-flash")).input_token_limit
        1048576
        """
        request, options = self._get(model, config)
        return await self._transport.unary(GET_MODEL, request, options=options, metadata=options.metadata)
