"""The google-generativeai style, as a thin facade over `genai.Client`.

Code written for google-generativeai runs with only the import and configure lines changed:

    >>> import genai
    >>> genai.configure(api_key="...")
    >>> model = genai.GenerativeModel("gemini-2.5-flash")
    >>> model.generate_content("Hello").text

`configure()` only sets the default client the facade uses; everything else is explicit.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import threading
import weakref
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from typing import Any

from genai import types
from genai._channels import redact_key
from genai._chat import ChatCore, ChatHistory, Turn
from genai._client import Client
from genai._coerce_base import describe, is_list
from genai._coerce_config import to_generation_config, to_model_name
from genai._coerce_content import ContentLike, ContentsLike, to_content
from genai._config import EmbedContentConfig, GenerateContentConfig
from genai._options import RetryOptions
from genai._responses import Candidate
from genai._responses import GenerateContentResponse as ResponseView
from genai._streams import AsyncGenerateContentStream, GenerateContentStream, StreamHooks
from genai.errors import GenAIError, IncompleteIterationError, UsageError

_default_client: Client | None = None
# How often a send waiting for another thread's or task's turn looks again (a turn dropped by the
# garbage collector may end without waking it).
_TURN_POLL = 0.05


def configure(
    *,
    api_key: str | None = None,
    endpoint: str | None = None,
    insecure: bool = False,
    **client_options: Any,
) -> None:
    """Set the default client of the facade (``genai.Client(api_key, endpoint=..., ...)``).

    The previous default client is not closed under the calls still running on it: it is dropped,
    and its connections close once those calls (and any stream still being read) are done.
    """
    global _default_client
    api_key = redact_key(api_key)  # no frame of ours keeps the key as a plain str
    client = Client(api_key, endpoint=endpoint, insecure=insecure, **client_options)
    previous, _default_client = _default_client, client
    if previous is not None:
        previous._retire()


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
    def candidates(self) -> list[Candidate]:
        return self._view().candidates

    @property
    def prompt_feedback(self) -> types.PromptFeedback | None:
        return self._view().prompt_feedback

    @property
    def usage_metadata(self) -> types.GenerateContentResponseUsageMetadata | None:
        return self._view().usage_metadata

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._view(), name)

    def __repr__(self) -> str:
        try:
            return f"GenerateContentResponse({self._view().raw})"
        except IncompleteIterationError:
            return "GenerateContentResponse(<streaming, not yet complete>)"
        except GenAIError as error:  # a stream that failed or was closed before its end
            return f"GenerateContentResponse(<incomplete: {type(error).__name__}>)"


_REQUEST_OPTIONS = ("timeout", "retry", "metadata")


def _request_options(value: Any) -> tuple[Any, RetryOptions | None, Any]:
    """(timeout, retry, metadata) from google-generativeai's ``request_options`` (a dict or Mapping).

    ``retry`` may be a ``genai.RetryOptions`` or a ``google.api_core.retry.Retry``, whose backoff
    and time budget are carried over (its predicate is not: genai retries its own retryable codes).
    The values themselves are checked where every call's options are.
    """
    if value is None:
        return None, None, None
    if not isinstance(value, Mapping):
        raise TypeError(f"request_options: expected a dict such as {{'timeout': 60}}; got {describe(value)}")
    unknown = sorted(str(key) for key in value if key not in _REQUEST_OPTIONS)
    if unknown:
        raise ValueError(f"request_options: unknown keys {unknown}; accepted: {', '.join(_REQUEST_OPTIONS)}")
    return value.get("timeout"), _retry_option(value.get("retry")), value.get("metadata")


def _retry_option(retry: Any) -> Any:
    module = type(retry).__module__ or ""
    if not module.startswith("google.api_core"):
        return retry
    # api_core's Retry keeps its settings in these attributes (seconds).
    kwargs: dict[str, Any] = {}
    for ours, theirs in (("initial", "_initial"), ("maximum", "_maximum"), ("multiplier", "_multiplier")):
        number = getattr(retry, theirs, None)
        if isinstance(number, int | float) and not isinstance(number, bool):
            kwargs[ours] = float(number)
    budget = getattr(retry, "_timeout", None) or getattr(retry, "_deadline", None)
    if isinstance(budget, int | float) and not isinstance(budget, bool):
        kwargs["budget"] = float(budget)
    try:
        return RetryOptions(**kwargs)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"request_options.retry: cannot use this google.api_core Retry: {exc}") from None


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
    timeout, retry, metadata = _request_options(request_options)
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
        self, contents: ContentsLike, config: GenerateContentConfig, stream: bool, hooks: StreamHooks | None
    ) -> GenerateContentResponse:
        models = self.client.models
        if stream:
            return GenerateContentResponse(stream=models._stream(self.model_name, contents, config, hooks))
        view = models.generate_content(model=self.model_name, contents=contents, config=config)
        if hooks is not None:
            hooks.completed(view.raw)
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
        self, contents: ContentsLike, config: GenerateContentConfig, stream: bool, hooks: StreamHooks | None
    ) -> GenerateContentResponse:
        models = self.client.aio.models
        if stream:
            return GenerateContentResponse(stream=models._stream(self.model_name, contents, config, hooks))
        view = await models.generate_content(model=self.model_name, contents=contents, config=config)
        if hooks is not None:
            hooks.completed(view.raw)
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
        return f"GenerativeModel(model_name={getattr(self, 'model_name', '<not initialised>')!r})"


class ChatSession:
    """A conversation: each send appends (user, model) to `history` once the reply is complete.

    A failed call, a blocked reply, or a stream closed or abandoned before its end leaves `history`
    as it was. Sends never overlap: a send while another thread's (or task's) message is still in
    flight waits for that turn to finish (a streamed reply finishes when it has been read to its end,
    closed, or dropped), so every exchange lands in `history`, in order. A send from the thread (or
    task) whose own streamed reply is still unread abandons that reply first (it raises
    StreamClosedError if read later). `history` is a read-only copy; assign a new list to replace it.
    """

    def __init__(self, model: GenerativeModel, history: Iterable[ContentLike] | None = None) -> None:
        self.model = model
        self._core = ChatCore(history)
        self._last: GenerateContentResponse | None = None
        # The turn whose streamed reply is (or was) being read, and that stream, held weakly so that
        # dropping the response still ends the turn.
        self._streamed: tuple[Turn, weakref.ref[Any]] | None = None

    @property
    def history(self) -> ChatHistory:
        """The committed contents, oldest first (read-only copies)."""
        return self._core.history

    @history.setter
    def history(self, history: Iterable[ContentLike] | None) -> None:
        self._close_own_stream(threading.get_ident())
        self._core.replace(history)

    @property
    def last(self) -> GenerateContentResponse | None:
        """The most recent response."""
        return self._last

    # -- turns ----------------------------------------------------------------------------------

    def _own_stream(self, owner: object) -> tuple[Turn, Any] | None:
        streamed = self._streamed
        if streamed is None or streamed[0].owner != owner or not streamed[0].open:
            return None
        return streamed[0], streamed[1]()

    def _close_own_stream(self, owner: object) -> None:
        own = self._own_stream(owner)
        if own is not None:
            turn, stream = own
            if isinstance(stream, GenerateContentStream):
                stream.close()
            self._core.abandon(turn)

    def _begin(self, user: types.Content) -> Turn:
        owner = threading.get_ident()
        while True:
            turn, blocker = self._core.try_begin([user], owner)
            if turn is not None:
                return turn
            assert blocker is not None
            if blocker.owner == owner:
                self._close_own_stream(owner)  # this thread left its streamed reply unread
                self._core.abandon(blocker)
            else:
                self._core.wait(blocker, _TURN_POLL)

    async def _begin_async(self, user: types.Content) -> Turn:
        owner = asyncio.current_task()
        loop = asyncio.get_running_loop()
        while True:
            turn, blocker = self._core.try_begin([user], owner)
            if turn is not None:
                return turn
            assert blocker is not None
            if blocker.owner == owner:
                own = self._own_stream(owner)
                if own is not None and isinstance(own[1], AsyncGenerateContentStream):
                    await own[1].aclose()
                self._core.abandon(blocker)
                continue
            ended: asyncio.Future[None] = loop.create_future()
            self._core.on_end(blocker, functools.partial(_wake, loop, ended))
            await asyncio.wait({ended}, timeout=_TURN_POLL)

    def _sent(self, turn: Turn, response: GenerateContentResponse) -> GenerateContentResponse:
        if response._stream is not None:
            self._streamed = (turn, weakref.ref(response._stream))
        self._last = response
        return response

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
        user = to_content(content, path="content")
        config = _request_config(
            self.model, generation_config, safety_settings, tools, tool_config, request_options
        )
        turn = self._begin(user)
        try:
            response = self.model._generate(self._core.request_contents(turn), config, stream, turn)
        except BaseException:
            self._core.abandon(turn)
            raise
        return self._sent(turn, response)

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
        """The asyncio twin of send_message (concurrent sends on one chat run one after another)."""
        user = to_content(content, path="content")
        config = _request_config(
            self.model, generation_config, safety_settings, tools, tool_config, request_options
        )
        turn = await self._begin_async(user)
        try:
            response = await self.model._generate_async(
                self._core.request_contents(turn), config, stream, turn
            )
        except BaseException:
            self._core.abandon(turn)
            raise
        return self._sent(turn, response)

    def rewind(self) -> tuple[types.Content, types.Content]:
        """Remove the last exchange from the history and return it as (user, model)."""
        self._close_own_stream(threading.get_ident())
        return self._core.rewind()

    def __repr__(self) -> str:
        model = getattr(getattr(self, "model", None), "model_name", "?")
        core = getattr(self, "_core", None)
        turns = len(core) // 2 if core is not None else 0
        return f"ChatSession(model={model!r}, turns={turns})"


def _wake(loop: asyncio.AbstractEventLoop, future: asyncio.Future[None]) -> None:
    """Resolve ``future`` on its loop, from any thread (a no-op once the loop has closed)."""

    def resolve() -> None:
        if not future.done():
            future.set_result(None)

    with contextlib.suppress(RuntimeError):  # the waiting loop is gone
        loop.call_soon_threadsafe(resolve)


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
    timeout, retry, metadata = _request_options(request_options)
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
    return {"embedding": vectors if is_list(content) else vectors[0]}
