"""``client.models``: generate, stream, count tokens, embed, list, get."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, overload

from genai._coercion.content import ContentsLike
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
from genai._sync.streams import GenerateContentStream
from genai._transport import Transport
from genai._transport.options import CallOptions
from genai._views.responses import GenerateContentResponse
from genai._views.stream_state import StreamHooks
from genai._wire import messages as pb

if TYPE_CHECKING:
    from genai._requests.config import T


class Models(ModelsCore):
    """Synchronous model calls; reached as ``client.models``."""

    def __init__(self, transport: Transport, defaults: CallOptions) -> None:
        super().__init__(defaults)
        self._transport = transport

    @overload
    def generate_content(
        self, *, model: str, contents: ContentsLike, config: GenerateContentConfig[T]
    ) -> GenerateContentResponse[T]: ...

    @overload
    def generate_content(
        self, *, model: str, contents: ContentsLike, config: OtherGenerateConfig | None = None
    ) -> GenerateContentResponse[Any]: ...

    def generate_content(
        self, *, model: str, contents: ContentsLike, config: GenerateConfig | None = None
    ) -> GenerateContentResponse[Any]:
        """One reply for `contents`.

        >>> client.models.generate_content(model="gemini-2.5-flash", contents="Hello").text
        """
        request, options, schema = self._generate(model, contents, config)
        raw = self._transport.unary(
            GENERATE_CONTENT,
            request,
            options=options,
            metadata=options.metadata,
        )
        return GenerateContentResponse(raw, schema=schema)

    @overload
    def generate_content_stream(
        self, *, model: str, contents: ContentsLike, config: GenerateContentConfig[T]
    ) -> GenerateContentStream[T]: ...

    @overload
    def generate_content_stream(
        self, *, model: str, contents: ContentsLike, config: OtherGenerateConfig | None = None
    ) -> GenerateContentStream[Any]: ...

    def generate_content_stream(
        self, *, model: str, contents: ContentsLike, config: GenerateConfig | None = None
    ) -> GenerateContentStream[Any]:
        """The reply as it is produced: iterate the chunks; `.response` afterwards holds them merged.

        >>> with client.models.generate_content_stream(model="gemini-2.5-flash", contents="Hi") as s: ...
        """
        return self._stream(model, contents, config, None)

    def _stream(
        self, model: str, contents: ContentsLike, config: GenerateConfig | None, hooks: StreamHooks | None
    ) -> GenerateContentStream[Any]:
        request, options, schema = self._generate(model, contents, config)
        stream = self._transport.server_stream(
            STREAM_GENERATE_CONTENT,
            request,
            options=options,
            metadata=options.metadata,
        )
        return GenerateContentStream(stream, schema=schema, hooks=hooks)

    def count_tokens(
        self, *, model: str, contents: ContentsLike, config: GenerateConfig | None = None
    ) -> pb.CountTokensResponse:
        """Tokens `contents` (plus the config's system instruction and tools) would use.

        >>> client.models.count_tokens(model="gemini-2.5-flash", contents="Hello").total_tokens
        """
        request, options = self._count(model, contents, config)
        return self._transport.unary(COUNT_TOKENS, request, options=options, metadata=options.metadata)

    def embed_content(
        self, *, model: str, contents: ContentsLike, config: EmbedConfig | None = None
    ) -> pb.BatchEmbedContentsResponse:
        """One embedding per content, in order; lists are sent in concurrent batches of 100.

        >>> client.models.embed_content(model="gemini-embedding-001", contents=["a", "b"]).embeddings
        """
        batches, options = self._embed(model, contents, config)
        if isinstance(batches, pb.EmbedContentRequest):
            return single_embedding(
                self._transport.unary(
                    EMBED_CONTENT,
                    batches,
                    options=options,
                    metadata=options.metadata,
                )
            )
        if len(batches) == 1:
            return self._transport.unary(
                BATCH_EMBED_CONTENTS,
                batches[0],
                options=options,
                metadata=options.metadata,
            )
        with ThreadPoolExecutor(max_workers=min(8, len(batches)), thread_name_prefix="genai-embed") as pool:
            responses = list(
                pool.map(
                    lambda batch: self._transport.unary(
                        BATCH_EMBED_CONTENTS,
                        batch,
                        options=options,
                        metadata=options.metadata,
                    ),
                    batches,
                )
            )
        return merge_embeddings(responses)

    def list(self, *, page_size: int | None = None, config: CallConfig | None = None) -> Iterator[pb.Model]:
        """Every model, fetched page by page as the iterator advances.

        >>> [model.name for model in client.models.list()]
        """
        size, options = self._page_size(page_size), self._options(config)

        def pages() -> Iterator[pb.Model]:
            token = ""
            while True:
                request = pb.ListModelsRequest(page_size=size, page_token=token)
                page = self._transport.unary(LIST_MODELS, request, options=options, metadata=options.metadata)
                yield from page.models
                token = page.next_page_token
                if not token:
                    return

        return pages()

    def get(self, *, model: str, config: CallConfig | None = None) -> pb.Model:
        """A model's metadata; NotFoundError when it does not exist.

        >>> client.models.get(model="gemini-2.5-flash").input_token_limit
        """
        request, options = self._get(model, config)
        return self._transport.unary(GET_MODEL, request, options=options, metadata=options.metadata)
