"""`client.models` and `client.aio.models`: generate, stream, count tokens, embed, list, get.

The two classes differ only in how they call: requests are built by the shared pure core
(`_ModelsCore`, genai/_requests.py) and responses wrapped by the same views.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeAlias, cast, overload

from genai._aio.streams import AsyncGenerateContentStream, GenerateContentStream, StreamHooks
from genai._coercion.base import SupportsModelDump, is_list
from genai._coercion.content import ContentLike, ContentsLike
from genai._coercion.models import to_model_name
from genai._requests.builders import build_count_tokens_request, build_embed_request, build_generate_request
from genai._requests.config import (
    CallConfigDict,
    EmbedContentConfig,
    EmbedContentConfigDict,
    GenerateContentConfig,
    GenerateContentConfigDict,
    to_embed_config,
    to_generate_config,
)
from genai._requests.generation_config import GenerationConfig
from genai._requests.options import call_options
from genai._transport import AsyncTransport, Transport
from genai._transport.options import CallOptions
from genai._views.responses import GenerateContentResponse
from genai._wire import messages as pb
from genai._wire import rpcs
from genai._wire.encode import encode_text_request

if TYPE_CHECKING:
    from genai._requests.config import T

GenerateConfig: TypeAlias = (
    "GenerateContentConfig[Any] | GenerateContentConfigDict | pb.GenerationConfig | SupportsModelDump"
)
"""``config=`` of generate_content and count_tokens: the typed config, its dict, a GenerationConfig
message, or google-genai's config."""
OtherGenerateConfig: TypeAlias = "GenerateContentConfigDict | pb.GenerationConfig | SupportsModelDump"
EmbedConfig: TypeAlias = "EmbedContentConfig | EmbedContentConfigDict | SupportsModelDump"
CallConfig: TypeAlias = "CallConfigDict | CallOptions"

GENERATE_CONTENT = rpcs.GenerativeService.GenerateContent
STREAM_GENERATE_CONTENT = rpcs.GenerativeService.StreamGenerateContent
COUNT_TOKENS = rpcs.GenerativeService.CountTokens
EMBED_CONTENT = rpcs.GenerativeService.EmbedContent
BATCH_EMBED_CONTENTS = rpcs.GenerativeService.BatchEmbedContents
GET_MODEL = rpcs.ModelService.GetModel
LIST_MODELS = rpcs.ModelService.ListModels

# The API takes at most this many requests in one BatchEmbedContents call.
EMBED_BATCH_LIMIT = 100


class _ModelsCore:
    """Request building and option merging shared by the sync and async faces (no I/O)."""

    def __init__(self, defaults: CallOptions) -> None:
        self._defaults = defaults

    def _options(self, config: Any) -> CallOptions:
        override = call_options(config)
        return self._defaults if override is None else self._defaults.merged(override)

    def _generate(self, model: str, contents: ContentsLike, config: Any) -> tuple[Any, CallOptions, Any]:
        if config is None:  # the most common call: nothing to coerce, the client's own options
            if type(contents) is str:  # one prompt: straight to the wire bytes the transport sends
                return encode_text_request(model, contents), self._defaults, None
            return build_generate_request(model, contents), self._defaults, None
        cfg = to_generate_config(config)
        request = build_generate_request(model, contents, cfg)
        return request, self._options(cfg), _python_schema(cfg)

    def _count(self, model: str, contents: ContentsLike, config: Any) -> tuple[Any, CallOptions]:
        cfg = to_generate_config(config)
        return build_count_tokens_request(model, contents, cfg), self._options(cfg)

    def _embed(
        self, model: str, contents: ContentsLike, config: Any
    ) -> tuple[pb.EmbedContentRequest | list[pb.BatchEmbedContentsRequest], CallOptions]:
        """One EmbedContentRequest for a single content; BatchEmbedContents requests for a list."""
        cfg = to_embed_config(config)
        name = to_model_name(model)
        if not is_list(contents):
            single = cast(ContentLike, contents)  # everything but a list is one content
            return build_embed_request(name, single, cfg, path="contents"), self._options(cfg)
        items = cast(Sequence[ContentLike], contents)
        if not items:
            raise ValueError("contents: got an empty list; pass at least one text or content to embed")
        requests = [
            build_embed_request(name, item, cfg, path=f"contents[{i}]") for i, item in enumerate(items)
        ]
        batches = [
            pb.BatchEmbedContentsRequest(model=name, requests=requests[i : i + EMBED_BATCH_LIMIT])
            for i in range(0, len(requests), EMBED_BATCH_LIMIT)
        ]
        return batches, self._options(cfg)

    def _get(self, model: str, config: Any) -> tuple[pb.GetModelRequest, CallOptions]:
        return pb.GetModelRequest(name=to_model_name(model)), self._options(config)

    @staticmethod
    def _page_size(page_size: int | None) -> int:
        if page_size is None:
            return 0
        if isinstance(page_size, bool) or not isinstance(page_size, int) or page_size < 0:
            raise ValueError(f"page_size: expected a positive int or None, got {page_size!r}")
        return page_size


def _python_schema(cfg: GenerateContentConfig[Any] | None) -> Any:
    """The response schema `.parsed` converts into: the config's own, else its GenerationConfig's."""
    if cfg is None:
        return None
    if cfg.response_schema is None and isinstance(cfg.generation_config, GenerationConfig):
        return cfg.generation_config.response_schema
    return cfg.response_schema


def _single(response: pb.EmbedContentResponse) -> pb.BatchEmbedContentsResponse:
    return pb.BatchEmbedContentsResponse(embeddings=[response.embedding])


def _merge_embeddings(
    responses: Sequence[pb.BatchEmbedContentsResponse],
) -> pb.BatchEmbedContentsResponse:
    merged = pb.BatchEmbedContentsResponse()
    for response in responses:
        merged.embeddings.extend(response.embeddings)
    return merged


class Models(_ModelsCore):
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
            return _single(
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
        return _merge_embeddings(responses)

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


class AsyncModels(_ModelsCore):
    """Asynchronous model calls; reached as ``client.aio.models``."""

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
        """
        request, options, schema = self._generate(model, contents, config)
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
        """The reply as it is produced (``async for``); `.response` afterwards holds it merged.

        >>> async with await client.aio.models.generate_content_stream(model="m", contents="Hi") as s: ...
        """
        return self._stream(model, contents, config, None)

    def _stream(
        self, model: str, contents: ContentsLike, config: GenerateConfig | None, hooks: StreamHooks | None
    ) -> AsyncGenerateContentStream[Any]:
        request, options, schema = self._generate(model, contents, config)
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
        """Tokens `contents` (plus the config's system instruction and tools) would use."""
        request, options = self._count(model, contents, config)
        return await self._transport.unary(COUNT_TOKENS, request, options=options, metadata=options.metadata)

    async def embed_content(
        self, *, model: str, contents: ContentsLike, config: EmbedConfig | None = None
    ) -> pb.BatchEmbedContentsResponse:
        """One embedding per content, in order; lists are sent in concurrent batches of 100."""
        batches, options = self._embed(model, contents, config)
        if isinstance(batches, pb.EmbedContentRequest):
            single = await self._transport.unary(
                EMBED_CONTENT, batches, options=options, metadata=options.metadata
            )
            return _single(single)
        responses = await asyncio.gather(
            *(
                self._transport.unary(
                    BATCH_EMBED_CONTENTS,
                    batch,
                    options=options,
                    metadata=options.metadata,
                )
                for batch in batches
            )
        )
        return responses[0] if len(responses) == 1 else _merge_embeddings(responses)

    def list(
        self, *, page_size: int | None = None, config: CallConfig | None = None
    ) -> AsyncIterator[pb.Model]:
        """Every model, fetched page by page as the async iterator advances."""
        size, options = self._page_size(page_size), self._options(config)

        async def pages() -> AsyncIterator[pb.Model]:
            token = ""
            while True:
                request = pb.ListModelsRequest(page_size=size, page_token=token)
                page = await self._transport.unary(
                    LIST_MODELS, request, options=options, metadata=options.metadata
                )
                for model in page.models:
                    yield model
                token = page.next_page_token
                if not token:
                    return

        return pages()

    async def get(self, *, model: str, config: CallConfig | None = None) -> pb.Model:
        """A model's metadata; NotFoundError when it does not exist."""
        request, options = self._get(model, config)
        return await self._transport.unary(GET_MODEL, request, options=options, metadata=options.metadata)
