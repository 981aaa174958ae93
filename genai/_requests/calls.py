"""What each ``models`` method sends, as pure functions of its arguments: request, call options, schema.

    >>> from genai._transport.options import CallOptions
    >>> core = ModelsCore(CallOptions(timeout=60))
    >>> request, options, schema, config, files = core._generate("gemini-2.5-flash", "Hi", None)
    >>> type(request).__name__, options.timeout, files
    ('bytes', 60.0, None)

Shared by the asyncio source (genai._aio.models) and its generated sync face: the faces only call.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple, TypeAlias, TypeVar, cast

from genai._coercion.base import SupportsModelDump, is_list
from genai._coercion.content import ContentLike, ContentsLike, collecting_pending_files
from genai._coercion.generation_config import GenerationConfig
from genai._coercion.models import to_model_name
from genai._requests.builders import build_count_tokens_request, build_embed_request, build_generate_request
from genai._requests.config import (
    CallConfigDict,
    EmbedContentConfig,
    EmbedContentConfigDict,
    GenerateContentConfig,
    GenerateContentConfigDict,
    file_wait_seconds,
    to_embed_config,
    to_generate_config,
)
from genai._requests.encode import encode_text_request
from genai._requests.options import call_options
from genai._transport.options import CallOptions
from genai._wire import messages as pb
from genai._wire import rpcs

__all__ = [
    "BATCH_EMBED_CONTENTS",
    "COUNT_TOKENS",
    "EMBED_BATCH_LIMIT",
    "EMBED_CONTENT",
    "GENERATE_CONTENT",
    "GET_MODEL",
    "LIST_MODELS",
    "STREAM_GENERATE_CONTENT",
    "CallConfig",
    "EmbedConfig",
    "FileWait",
    "GenerateConfig",
    "ModelsCore",
    "OtherGenerateConfig",
    "building_with_files",
    "merge_embeddings",
    "python_schema",
    "single_embedding",
]

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


R = TypeVar("R")


class FileWait(NamedTuple):
    """Files in a request still PROCESSING, which the caller asked to wait for (``wait_for_files``)."""

    names: list[str]
    timeout: float


def building_with_files(
    config: GenerateContentConfig[Any] | None, build: Callable[[], R]
) -> tuple[R, FileWait | None]:
    """``build()``; with ``wait_for_files`` in `config`, PROCESSING files pass and are returned to wait for.

    >>> building_with_files(None, lambda: 1)
    (1, None)
    """
    timeout = file_wait_seconds(config)
    if timeout is None:
        return build(), None
    with collecting_pending_files() as pending:
        built = build()
    return built, FileWait(pending, timeout) if pending else None


class ModelsCore:
    """Request building and option merging shared by the sync and async faces (no I/O)."""

    def __init__(self, defaults: CallOptions) -> None:
        self._defaults = defaults

    def _options(self, config: Any) -> CallOptions:
        override = call_options(config)
        return self._defaults if override is None else self._defaults.merged(override)

    def _generate(
        self, model: str, contents: ContentsLike, config: Any
    ) -> tuple[Any, CallOptions, Any, GenerateContentConfig[Any] | None, FileWait | None]:
        """(request or its bytes, call options, the schema for ``.parsed``, the config as coerced,
        the PROCESSING files to wait for before sending)."""
        if config is None:  # the most common call: nothing to coerce, the client's own options
            if type(contents) is str:  # one prompt: straight to the wire bytes the transport sends
                return encode_text_request(model, contents), self._defaults, None, None, None
            return build_generate_request(model, contents), self._defaults, None, None, None
        cfg = to_generate_config(config)
        request, files = building_with_files(cfg, lambda: build_generate_request(model, contents, cfg))
        return request, self._options(cfg), python_schema(cfg), cfg, files

    def _count(
        self, model: str, contents: ContentsLike, config: Any
    ) -> tuple[pb.CountTokensRequest, CallOptions, FileWait | None]:
        cfg = to_generate_config(config)
        request, files = building_with_files(cfg, lambda: build_count_tokens_request(model, contents, cfg))
        return request, self._options(cfg), files

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


def python_schema(cfg: GenerateContentConfig[Any] | None) -> Any:
    """The response schema `.parsed` converts into: the config's own, else its GenerationConfig's."""
    if cfg is None:
        return None
    if cfg.response_schema is None and isinstance(cfg.generation_config, GenerationConfig):
        return cfg.generation_config.response_schema
    return cfg.response_schema


def single_embedding(response: pb.EmbedContentResponse) -> pb.BatchEmbedContentsResponse:
    return pb.BatchEmbedContentsResponse(embeddings=[response.embedding])


def merge_embeddings(
    responses: Sequence[pb.BatchEmbedContentsResponse],
) -> pb.BatchEmbedContentsResponse:
    merged = pb.BatchEmbedContentsResponse()
    for response in responses:
        merged.embeddings.extend(response.embeddings)
    return merged
