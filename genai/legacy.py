"""The google-generativeai style, as a thin facade over `genai.Client`.

Code written for google-generativeai runs with only the import and configure lines changed:

    >>> import genai
    >>> genai.configure(api_key="...")
    >>> model = genai.GenerativeModel("gemini-2.5-flash")
    >>> model.generate_content("Hello").text

`configure()` only sets the default client the facade uses; everything else is explicit.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any

from genai import types
from genai._chat import ChatCore, Turn
from genai._client import Client
from genai._coerce_config import to_generation_config, to_model_name
from genai._coerce_content import ContentLike, ContentsLike, to_content
from genai._config import EmbedContentConfig, GenerateContentConfig
from genai._responses import GenerateContentResponse as ResponseView
from genai._streams import AsyncGenerateContentStream, GenerateContentStream
from genai.errors import UsageError

_default_client: Client | None = None


def configure(
    *,
    api_key: str | None = None,
    endpoint: str | None = None,
    insecure: bool = False,
    **client_options: Any,
) -> None:
    """Set the default client of the facade (``genai.Client(api_key, endpoint=..., ...)``)."""
    global _default_client
    previous, _default_client = (
        _default_client,
        Client(api_key, endpoint=endpoint, insecure=insecure, **client_options),
    )
    if previous is not None:
        previous.close()


def default_client() -> Client:
    """The client `configure()` set, or one built from the environment on first use."""
    global _default_client
    if _default_client is None:
        _default_client = Client()
    return _default_client


class GenerateContentResponse:
    """google-generativeai's response: one object for unary and streamed replies.

    A streamed one is iterable; its accumulated attributes (``.text``, ``.candidates``, ...) raise
    IncompleteIterationError until it has been read to the end or ``resolve()`` was called.
    """

    def __init__(
        self,
        *,
        result: ResponseView | None = None,
        stream: GenerateContentStream | AsyncGenerateContentStream | None = None,
    ) -> None:
        self._result = result
        self._stream = stream

    def _view(self) -> ResponseView:
        if self._result is not None:
            return self._result
        assert self._stream is not None
        return self._stream.response

    def __iter__(self) -> Iterator[ResponseView]:
        if isinstance(self._stream, GenerateContentStream):
            return iter(self._stream)
        if self._stream is not None:
            raise UsageError("this response streams asynchronously: use `async for`")
        return iter([self._view()])

    def __aiter__(self) -> AsyncIterator[ResponseView]:
        if not isinstance(self._stream, AsyncGenerateContentStream):
            raise UsageError("this response is not an asynchronous stream: use a plain `for`")
        return self._stream.__aiter__()

    def resolve(self) -> None:
        """Read the rest of a synchronous stream (no-op for unary responses)."""
        if isinstance(self._stream, GenerateContentStream):
            self._stream.resolve()
        elif self._stream is not None:
            raise UsageError("this response streams asynchronously: `await response.resolve_async()`")

    async def resolve_async(self) -> None:
        """Read the rest of an asynchronous stream."""
        if isinstance(self._stream, AsyncGenerateContentStream):
            await self._stream.resolve()
        else:
            self.resolve()

    @property
    def text(self) -> str:
        return self._view().text

    @property
    def parts(self) -> list[types.Part]:
        return self._view().parts

    @property
    def candidates(self) -> list[Any]:
        return self._view().candidates

    @property
    def prompt_feedback(self) -> Any:
        return self._view().prompt_feedback

    @property
    def usage_metadata(self) -> Any:
        return self._view().usage_metadata

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._view(), name)

    def __repr__(self) -> str:
        if self._stream is not None and not self._stream.done:
            return "GenerateContentResponse(<streaming, not yet complete>)"
        return f"GenerateContentResponse({self._view().raw})"


def _request_config(
    model: GenerativeModel,
    generation_config: Any,
    safety_settings: Any,
    tools: Any,
    tool_config: Any,
    request_options: Any,
) -> GenerateContentConfig:
    merged = types.GenerationConfig()
    if model._generation_config is not None:
        merged.MergeFrom(model._generation_config)
    if generation_config is not None:
        merged.MergeFrom(to_generation_config(generation_config, path="generation_config"))
    options = dict(request_options or {})
    timeout = options.pop("timeout", None)
    retry = options.pop("retry", None)
    metadata = options.pop("metadata", None)
    if options:
        raise ValueError(
            f"request_options: unknown keys {sorted(options)}; accepted: timeout, retry, metadata"
        )
    return GenerateContentConfig(
        system_instruction=model._system_instruction,
        generation_config=merged,
        safety_settings=safety_settings if safety_settings is not None else model._safety_settings,
        tools=tools if tools is not None else model._tools,
        tool_config=tool_config if tool_config is not None else model._tool_config,
        timeout=timeout,
        retry=retry,
        metadata=metadata,
    )


class GenerativeModel:
    """A model with default generation settings (google-generativeai style)."""

    def __init__(
        self,
        model_name: str = "gemini-2.5-flash",
        generation_config: Any = None,
        safety_settings: Any = None,
        tools: Any = None,
        tool_config: Any = None,
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

    @property
    def client(self) -> Client:
        return self._client or default_client()

    def generate_content(
        self,
        contents: ContentsLike,
        *,
        generation_config: Any = None,
        safety_settings: Any = None,
        stream: bool = False,
        tools: Any = None,
        tool_config: Any = None,
        request_options: Any = None,
    ) -> GenerateContentResponse:
        """Generate a reply; with ``stream=True`` iterate the returned response for chunks."""
        config = _request_config(
            self, generation_config, safety_settings, tools, tool_config, request_options
        )
        return self._generate(contents, config, stream, None)

    def _generate(
        self, contents: ContentsLike, config: GenerateContentConfig, stream: bool, on_complete: Any
    ) -> GenerateContentResponse:
        models = self.client.models
        if stream:
            s = models.generate_content_stream(
                model=self.model_name, contents=contents, config=config, _on_complete=on_complete
            )
            return GenerateContentResponse(stream=s)
        view = models.generate_content(model=self.model_name, contents=contents, config=config)
        if on_complete is not None:
            on_complete(view.raw)
        return GenerateContentResponse(result=view)

    async def generate_content_async(
        self,
        contents: ContentsLike,
        *,
        generation_config: Any = None,
        safety_settings: Any = None,
        stream: bool = False,
        tools: Any = None,
        tool_config: Any = None,
        request_options: Any = None,
    ) -> GenerateContentResponse:
        """The asyncio twin of generate_content (stream: ``async for chunk in response``)."""
        config = _request_config(
            self, generation_config, safety_settings, tools, tool_config, request_options
        )
        return await self._generate_async(contents, config, stream, None)

    async def _generate_async(
        self, contents: ContentsLike, config: GenerateContentConfig, stream: bool, on_complete: Any
    ) -> GenerateContentResponse:
        models = self.client.aio.models
        if stream:
            s = await models.generate_content_stream(
                model=self.model_name, contents=contents, config=config, _on_complete=on_complete
            )
            return GenerateContentResponse(stream=s)
        view = await models.generate_content(model=self.model_name, contents=contents, config=config)
        if on_complete is not None:
            on_complete(view.raw)
        return GenerateContentResponse(result=view)

    def count_tokens(
        self,
        contents: ContentsLike,
        *,
        generation_config: Any = None,
        tools: Any = None,
        request_options: Any = None,
    ) -> types.CountTokensResponse:
        """Tokens the contents (with this model's system instruction and tools) use."""
        config = _request_config(self, generation_config, None, tools, None, request_options)
        return self.client.models.count_tokens(model=self.model_name, contents=contents, config=config)

    async def count_tokens_async(
        self,
        contents: ContentsLike,
        *,
        generation_config: Any = None,
        tools: Any = None,
        request_options: Any = None,
    ) -> types.CountTokensResponse:
        config = _request_config(self, generation_config, None, tools, None, request_options)
        return await self.client.aio.models.count_tokens(
            model=self.model_name, contents=contents, config=config
        )

    def start_chat(
        self, *, history: Iterable[ContentLike] | None = None, enable_automatic_function_calling: bool = False
    ) -> ChatSession:
        """A ChatSession that keeps the conversation's history."""
        if enable_automatic_function_calling:
            raise UsageError(
                "automatic function calling is not supported yet; handle function_calls yourself"
            )
        return ChatSession(self, history=history)

    def __repr__(self) -> str:
        return f"GenerativeModel(model_name={self.model_name!r})"


class ChatSession:
    """A conversation: each send appends (user, model) to `history` once the reply is complete.

    A failed call, a blocked reply, or a stream abandoned before its end leaves `history` as it was.
    """

    def __init__(self, model: GenerativeModel, history: Iterable[ContentLike] | None = None) -> None:
        self.model = model
        self._core = ChatCore(history)
        self._last: GenerateContentResponse | None = None
        self._open_stream: GenerateContentStream | AsyncGenerateContentStream | None = None

    @property
    def history(self) -> list[types.Content]:
        return self._core.history

    @history.setter
    def history(self, history: Iterable[ContentLike] | None) -> None:
        self._core.replace(history)

    @property
    def last(self) -> GenerateContentResponse | None:
        """The most recent response."""
        return self._last

    def _begin(self, content: ContentLike) -> Turn:
        stream = self._open_stream
        if isinstance(stream, GenerateContentStream) and not stream.done:
            stream.close()  # the previous streamed turn was abandoned: it never commits
        self._open_stream = None
        user = to_content(content, path="content")
        return self._core.begin([user])

    def send_message(
        self,
        content: ContentLike,
        *,
        generation_config: Any = None,
        safety_settings: Any = None,
        stream: bool = False,
        tools: Any = None,
        tool_config: Any = None,
        request_options: Any = None,
    ) -> GenerateContentResponse:
        """Send one user message with the history; the exchange is recorded when it completes."""
        turn = self._begin(content)
        config = _request_config(
            self.model, generation_config, safety_settings, tools, tool_config, request_options
        )
        try:
            response = self.model._generate(
                self._core.request_contents(turn),
                config,
                stream,
                lambda reply: self._core.commit(turn, reply),
            )
        except BaseException:
            self._core.abandon(turn)
            raise
        self._open_stream = response._stream
        self._last = response
        return response

    async def send_message_async(
        self,
        content: ContentLike,
        *,
        generation_config: Any = None,
        safety_settings: Any = None,
        stream: bool = False,
        tools: Any = None,
        tool_config: Any = None,
        request_options: Any = None,
    ) -> GenerateContentResponse:
        """The asyncio twin of send_message."""
        stream_before = self._open_stream
        if isinstance(stream_before, AsyncGenerateContentStream) and not stream_before.done:
            await stream_before.aclose()
        turn = self._begin(content)
        config = _request_config(
            self.model, generation_config, safety_settings, tools, tool_config, request_options
        )
        try:
            response = await self.model._generate_async(
                self._core.request_contents(turn),
                config,
                stream,
                lambda reply: self._core.commit(turn, reply),
            )
        except BaseException:
            self._core.abandon(turn)
            raise
        self._open_stream = response._stream
        self._last = response
        return response

    def rewind(self) -> tuple[types.Content, types.Content]:
        """Remove the last exchange from the history and return it as (user, model)."""
        return self._core.rewind()

    def __repr__(self) -> str:
        return f"ChatSession(model={self.model.model_name!r}, turns={len(self._core) // 2})"


def list_models(*, page_size: int | None = None) -> Iterator[types.Model]:
    """Every model available to the key (lazy, page by page)."""
    return default_client().models.list(page_size=page_size)


def get_model(name: str) -> types.Model:
    """One model's metadata."""
    return default_client().models.get(model=name)


def embed_content(
    model: str,
    content: ContentLike | list[ContentLike],
    task_type: str | int | None = None,
    title: str | None = None,
    output_dimensionality: int | None = None,
    request_options: Any = None,
) -> dict[str, Any]:
    """``{"embedding": [floats]}``, or ``{"embedding": [[floats], ...]}`` for a list of contents."""
    options = dict(request_options or {})
    config = EmbedContentConfig(
        task_type=task_type,
        title=title,
        output_dimensionality=output_dimensionality,
        timeout=options.get("timeout"),
        retry=options.get("retry"),
        metadata=options.get("metadata"),
    )
    result = default_client().models.embed_content(model=model, contents=content, config=config)
    vectors = [list(e.values) for e in result.embeddings]
    return {"embedding": vectors if isinstance(content, list | tuple) else vectors[0]}
