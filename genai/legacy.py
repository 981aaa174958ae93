"""The google-generativeai style, as a thin facade over `genai.Client`.

Code written for google-generativeai runs with only the import and configure lines changed::

    import genai
    genai.configure(api_key="...")
    model = genai.GenerativeModel("gemini-2.5-flash")
    model.generate_content("Hello").text

`configure()` only sets the default client the facade uses; everything else is explicit.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import IO, TYPE_CHECKING, Any, TypedDict, overload

from genai._aio import facade as aio_facade
from genai._chats.history import ChatHistory
from genai._client import Client
from genai._coercion.base import is_list
from genai._coercion.content import ContentLike, ContentsLike, PartLike, to_content
from genai._coercion.generation import GenerationConfigLike, to_generation_config
from genai._coercion.models import to_model_name
from genai._coercion.safety import SafetySettingsLike
from genai._coercion.tools import ToolConfigLike, ToolsLike
from genai._facade.chat import ChatSession
from genai._facade.response import GenerateContentResponse, RequestOptions, split_request_options
from genai._requests.config import AutomaticFunctionCallingConfig, EmbedContentConfig, GenerateContentConfig
from genai._sync import facade as sync_facade
from genai._transport.options import DEFAULT_TIMEOUT, RetryOptions
from genai._transport.settings import (
    DEFAULT_MAX_MESSAGE_BYTES,
    DEFAULT_POOL_SIZE,
    DEFAULT_STREAMS_PER_CHANNEL,
    redact_key,
)
from genai._wire import messages as pb

if TYPE_CHECKING:
    from genai._sync.files import File

__all__ = [
    "BatchEmbeddingDict",
    "ChatSession",
    "EmbeddingDict",
    "GenerateContentResponse",
    "GenerativeModel",
    "RequestOptions",
    "configure",
    "default_client",
    "delete_file",
    "embed_content",
    "get_file",
    "get_model",
    "list_files",
    "list_models",
    "upload_file",
]

GenerationConfigType = GenerationConfigLike
"""What ``generation_config=`` takes: ``genai.GenerationConfig`` (Python types allowed), the
``types.GenerationConfig`` message, their dict, or google-genai's."""

_default_client: Client | None = None
_RUN_FUNCTIONS = AutomaticFunctionCallingConfig()
_MANUAL_FUNCTIONS = AutomaticFunctionCallingConfig(disable=True)


def configure(
    *,
    api_key: str | None = None,
    endpoint: str | None = None,
    http_endpoint: str | None = None,
    insecure: bool = False,
    allow_insecure_remote: bool = False,
    timeout: float | None = DEFAULT_TIMEOUT,
    retry: RetryOptions | None = None,
    root_certificates: bytes | None = None,
    tls_server_name: str | None = None,
    pool_size: int = DEFAULT_POOL_SIZE,
    streams_per_channel: int = DEFAULT_STREAMS_PER_CHANNEL,
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
    channel_options: tuple[tuple[str, Any], ...] = (),
) -> None:
    """Set the default client of the facade (the arguments are ``genai.Client``'s).

    >>> genai.configure(endpoint=emulator.endpoint, insecure=True)  # a local emulator; no key needed

    ``http_endpoint`` is where file uploads go (default: the gRPC endpoint's host and port, as on
    the API; the emulator's is ``emulator.http_endpoint``).

    The previous default client is not closed under the calls still running on it: it is dropped,
    and its connections close once those calls (and any stream still being read) are done.
    """
    global _default_client
    api_key = redact_key(api_key)  # no frame of ours keeps the key as a plain str
    client = Client(
        api_key,
        endpoint=endpoint,
        http_endpoint=http_endpoint,
        insecure=insecure,
        allow_insecure_remote=allow_insecure_remote,
        timeout=timeout,
        retry=retry,
        root_certificates=root_certificates,
        tls_server_name=tls_server_name,
        pool_size=pool_size,
        streams_per_channel=streams_per_channel,
        max_message_bytes=max_message_bytes,
        channel_options=channel_options,
    )
    previous, _default_client = _default_client, client
    if previous is not None:
        previous._retire()


def default_client() -> Client:
    """The client `configure()` set, or one built from the environment on first use."""
    global _default_client
    if _default_client is None:
        _default_client = Client()
    return _default_client


class GenerativeModel:
    """A model with default generation settings (google-generativeai style).

    >>> genai.GenerativeModel("gemini-2.5-flash").generate_content("Hello").text
    'You said: "Hello". ...'

    Per-call ``generation_config`` fields override the model's; per-call ``safety_settings``,
    ``tools`` and ``tool_config`` replace the model's.
    """

    def __init__(
        self,
        model_name: str = "gemini-2.5-flash",
        generation_config: GenerationConfigType | None = None,
        safety_settings: SafetySettingsLike | None = None,
        tools: ToolsLike | None = None,
        tool_config: ToolConfigLike | None = None,
        system_instruction: ContentLike | None = None,
        *,
        client: Client | None = None,
    ) -> None:
        self.model_name = to_model_name(model_name, path="model_name")
        self._generation_config = (
            None
            if generation_config is None
            else to_generation_config(generation_config, path="generation_config")
        )
        self._safety_settings = safety_settings
        self._tools = tools
        self._tool_config = tool_config
        self._system_instruction = (
            None if system_instruction is None else to_content(system_instruction, path="system_instruction")
        )
        self._client = client
        self._cached_content: str | None = None

    @classmethod
    def from_cached_content(
        cls,
        cached_content: str | Any,
        generation_config: GenerationConfigType | None = None,
        safety_settings: SafetySettingsLike | None = None,
        *,
        client: Client | None = None,
    ) -> GenerativeModel:
        """A model whose context is a cache (``genai.caching.CachedContent``, a client's cache or a name).

        >>> cache = genai.caching.CachedContent.create(model="gemini-2.5-flash", contents=["Text."])
        >>> genai.GenerativeModel.from_cached_content(cache).cached_content == cache.name
        True

        Its calls send ``cached_content``; the cache holds the system instruction and tools.
        """
        if isinstance(cached_content, str):
            cached_content = (client or default_client()).caches.get(name=cached_content)
        name, model_name = getattr(cached_content, "name", None), getattr(cached_content, "model", None)
        if not isinstance(name, str) or not isinstance(model_name, str):
            raise TypeError(
                "cached_content: expected a cache name str, a genai.caching.CachedContent or a client's "
                f"cache; got {type(cached_content).__name__}"
            )
        model = cls(model_name, generation_config, safety_settings, client=client)
        model._cached_content = name
        return model

    @property
    def cached_content(self) -> str | None:
        """The name of the cache this model's calls use (``from_cached_content``), else None."""
        return self._cached_content

    @property
    def client(self) -> Client:
        """The client calls go through: the one given, else the facade's default (``configure``)."""
        return self._client or default_client()

    def _request_config(
        self,
        generation_config: GenerationConfigType | None,
        safety_settings: SafetySettingsLike | None,
        tools: ToolsLike | None,
        tool_config: ToolConfigLike | None,
        options: RequestOptions | None,
        *,
        run_functions: bool = False,
    ) -> GenerateContentConfig:
        # google-generativeai runs Python functions only in a chat that asks for it.
        merged = pb.GenerationConfig()
        if self._generation_config is not None:
            merged.MergeFrom(self._generation_config)
        if generation_config is not None:
            merged.MergeFrom(to_generation_config(generation_config, path="generation_config"))
        timeout, retry, metadata = split_request_options(options)
        return GenerateContentConfig(
            system_instruction=self._system_instruction,
            generation_config=merged,
            safety_settings=safety_settings if safety_settings is not None else self._safety_settings,
            tools=tools if tools is not None else self._tools,
            tool_config=tool_config if tool_config is not None else self._tool_config,
            cached_content=self._cached_content,
            automatic_function_calling=_RUN_FUNCTIONS if run_functions else _MANUAL_FUNCTIONS,
            timeout=timeout,
            retry=retry,
            metadata=metadata,
        )

    def generate_content(
        self,
        contents: ContentsLike,
        *,
        generation_config: GenerationConfigType | None = None,
        safety_settings: SafetySettingsLike | None = None,
        stream: bool = False,
        tools: ToolsLike | None = None,
        tool_config: ToolConfigLike | None = None,
        request_options: RequestOptions | None = None,
    ) -> GenerateContentResponse:
        """Generate a reply; with ``stream=True`` iterate the returned response for chunks."""
        config = self._request_config(generation_config, safety_settings, tools, tool_config, request_options)
        reply = sync_facade.generate(self.client.models, self.model_name, contents, config, stream, None)
        return GenerateContentResponse.of(reply)

    async def generate_content_async(
        self,
        contents: ContentsLike,
        *,
        generation_config: GenerationConfigType | None = None,
        safety_settings: SafetySettingsLike | None = None,
        stream: bool = False,
        tools: ToolsLike | None = None,
        tool_config: ToolConfigLike | None = None,
        request_options: RequestOptions | None = None,
    ) -> GenerateContentResponse:
        """The asyncio twin of generate_content (stream: ``async for chunk in response``)."""
        config = self._request_config(generation_config, safety_settings, tools, tool_config, request_options)
        models = self.client.aio.models
        reply = await aio_facade.generate(models, self.model_name, contents, config, stream, None)
        return GenerateContentResponse.of(reply)

    def count_tokens(
        self,
        contents: ContentsLike,
        *,
        generation_config: GenerationConfigType | None = None,
        tools: ToolsLike | None = None,
        request_options: RequestOptions | None = None,
    ) -> pb.CountTokensResponse:
        """Tokens the contents (with this model's system instruction and tools) use."""
        config = self._request_config(generation_config, None, tools, None, request_options)
        return sync_facade.count_tokens(self.client.models, self.model_name, contents, config)

    async def count_tokens_async(
        self,
        contents: ContentsLike,
        *,
        generation_config: GenerationConfigType | None = None,
        tools: ToolsLike | None = None,
        request_options: RequestOptions | None = None,
    ) -> pb.CountTokensResponse:
        """The asyncio twin of count_tokens."""
        config = self._request_config(generation_config, None, tools, None, request_options)
        return await aio_facade.count_tokens(self.client.aio.models, self.model_name, contents, config)

    def start_chat(
        self, *, history: Iterable[ContentLike] | None = None, enable_automatic_function_calling: bool = False
    ) -> ChatSession:
        """A ChatSession that keeps the conversation's history.

        With ``enable_automatic_function_calling=True`` the Python functions among the model's tools
        run when the model calls them (generate_content never runs them, as in google-generativeai).
        """
        return ChatSession(
            self, history=history, enable_automatic_function_calling=enable_automatic_function_calling
        )

    def __repr__(self) -> str:
        name = getattr(self, "model_name", "<not initialised>")
        cache = getattr(self, "_cached_content", None)
        return f"GenerativeModel(model_name={name!r}" + (f", cached_content={cache!r})" if cache else ")")


def list_models(*, page_size: int | None = None) -> Iterator[pb.Model]:
    """Every model available to the key (lazy, page by page)."""
    return default_client().models.list(page_size=page_size)


def get_model(name: str) -> pb.Model:
    """One model's metadata."""
    return default_client().models.get(model=name)


class EmbeddingDict(TypedDict):
    """What ``embed_content`` returns for one content."""

    embedding: list[float]


class BatchEmbeddingDict(TypedDict):
    """What ``embed_content`` returns for a list of contents: one vector per content, in order."""

    embedding: list[list[float]]


@overload
def embed_content(
    model: str,
    content: list[ContentLike] | tuple[ContentLike, ...] | ChatHistory,
    task_type: str | int | None = None,
    title: str | None = None,
    output_dimensionality: int | None = None,
    request_options: RequestOptions | None = None,
) -> BatchEmbeddingDict: ...


@overload
def embed_content(
    model: str,
    content: PartLike | pb.Content,
    task_type: str | int | None = None,
    title: str | None = None,
    output_dimensionality: int | None = None,
    request_options: RequestOptions | None = None,
) -> EmbeddingDict: ...


def embed_content(
    model: str,
    content: ContentsLike,
    task_type: str | int | None = None,
    title: str | None = None,
    output_dimensionality: int | None = None,
    request_options: RequestOptions | None = None,
) -> EmbeddingDict | BatchEmbeddingDict:
    """``{"embedding": [floats]}``, or ``{"embedding": [[floats], ...]}`` for a list of contents.

    >>> len(genai.embed_content(model="models/embedding-001", content="Hi")["embedding"])
    768
    """
    timeout, retry, metadata = split_request_options(request_options)
    config = EmbedContentConfig(
        task_type=task_type,
        title=title,
        output_dimensionality=output_dimensionality,
        timeout=timeout,
        retry=retry,
        metadata=metadata,
    )
    result = default_client().models.embed_content(model=model, contents=content, config=config)
    vectors = [list(e.values) for e in result.embeddings]
    if is_list(content):
        return {"embedding": vectors}
    return {"embedding": vectors[0]}


# -- files (google-generativeai's genai.upload_file / get_file / list_files / delete_file) ---------


def upload_file(
    path: str | os.PathLike[str] | IO[bytes],
    *,
    mime_type: str | None = None,
    name: str | None = None,
    display_name: str | None = None,
    resumable: bool = True,
) -> File:
    """Upload a file (the resumable protocol, resumed after broken connections); returns the File.

    As in google-generativeai, the file may still be PROCESSING: poll ``get_file(file.name)`` until
    ``file.state.name == "ACTIVE"``, or call ``file.wait_active()``. ``resumable=False`` sends the
    whole file in one request (still on the resumable protocol, which is the API's only upload).
    """
    from genai._requests.files import DEFAULT_CHUNK_SIZE, MAX_FILE_BYTES  # (files load on first use)

    chunk = DEFAULT_CHUNK_SIZE if resumable else MAX_FILE_BYTES
    return default_client().files.upload(
        file=path, mime_type=mime_type, name=name, display_name=display_name, chunk_size=chunk
    )


def get_file(name: str) -> File:
    """A file's metadata (``files/abc`` or ``abc``)."""
    return default_client().files.get(name=name)


def list_files(page_size: int = 100) -> Iterator[File]:
    """Every file of the key (lazy, page by page)."""
    return default_client().files.list(config={"page_size": page_size})


def delete_file(name: str | File | Any) -> None:
    """Delete a file (its name, or the File)."""
    default_client().files.delete(name=name)
