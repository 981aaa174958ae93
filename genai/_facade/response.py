"""The google-generativeai style response and request options, for the facade (genai.legacy).

One response object serves unary and streamed replies, as in google-generativeai: a streamed one is
iterable, and its accumulated attributes raise IncompleteIterationError until it has been read to
its end (``resolve()``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypedDict

from genai._aio.streams import AsyncGenerateContentStream
from genai._coercion.base import describe
from genai._sync.streams import GenerateContentStream
from genai._transport.checks import check_metadata, check_retry, check_timeout
from genai._transport.options import RetryOptions
from genai._views.responses import Candidate, PromptFeedback
from genai._views.responses import GenerateContentResponse as ResponseView
from genai._wire import messages as pb
from genai.errors import GenAIError, IncompleteIterationError, UsageError

__all__ = ["GenerateContentResponse", "RequestOptions", "split_request_options"]


class RequestOptions(TypedDict, total=False):
    """google-generativeai's ``request_options``: per-call deadline, retry policy and metadata.

    ``retry`` takes a ``genai.RetryOptions`` or a ``google.api_core.retry.Retry`` (its backoff and
    time budget are used; genai decides which statuses are retried).
    """

    timeout: float
    retry: RetryOptions | Any
    metadata: Sequence[tuple[str, str | bytes]] | Mapping[str, str | bytes]


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

    @classmethod
    def of(
        cls, reply: ResponseView | GenerateContentStream | AsyncGenerateContentStream
    ) -> GenerateContentResponse:
        """Wrap a reply of either face: a whole response, or a stream of its chunks."""
        if isinstance(reply, ResponseView):
            return cls(result=reply)
        return cls(stream=reply)

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
        """The first candidate's text (BlockedPromptError/BlockedCandidateError when blocked)."""
        return self._view().text

    @property
    def parts(self) -> list[pb.Part]:
        """The first candidate's parts."""
        return self._view().parts

    @property
    def candidates(self) -> list[Candidate]:
        """Every candidate, with ``finish_reason`` and ratings as enum members."""
        return self._view().candidates

    @property
    def prompt_feedback(self) -> PromptFeedback:
        """Why the prompt was blocked, if it was (``block_reason.name``); never None."""
        return self._view().prompt_feedback

    @property
    def usage_metadata(self) -> pb.GenerateContentResponseUsageMetadata:
        """Token counts (all zero when the reply carries none)."""
        return self._view().usage_metadata

    @property
    def function_calls(self) -> list[pb.FunctionCall]:
        """Every function call in the first candidate, in order."""
        return self._view().function_calls

    @property
    def raw(self) -> pb.GenerateContentResponse:
        """The (merged) response message."""
        return self._view().raw

    def to_dict(self) -> dict[str, Any]:
        """The response as a JSON-ready dict with proto field names."""
        return self._view().to_dict()

    if not TYPE_CHECKING:  # everything else the view offers; typed code uses the properties above

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


def split_request_options(
    value: Any,
) -> tuple[float | None, RetryOptions | None, tuple[tuple[str, str | bytes], ...]]:
    """(timeout, retry, metadata) from google-generativeai's ``request_options`` (a dict or Mapping).

    ``retry`` may be a ``genai.RetryOptions`` or a ``google.api_core.retry.Retry``, whose backoff
    and time budget are carried over (its predicate is not: genai retries its own retryable codes).
    Errors name ``request_options['timeout']`` and so on.
    """
    if value is None:
        return None, None, ()
    if not isinstance(value, Mapping):
        raise TypeError(f"request_options: expected a dict such as {{'timeout': 60}}; got {describe(value)}")
    unknown = sorted(str(key) for key in value if key not in _REQUEST_OPTIONS)
    if unknown:
        raise ValueError(f"request_options: unknown keys {unknown}; accepted: {', '.join(_REQUEST_OPTIONS)}")
    return (
        check_timeout(value.get("timeout"), "request_options['timeout']"),
        check_retry(_retry_option(value.get("retry")), "request_options['retry']"),
        check_metadata(value.get("metadata"), "request_options['metadata']"),
    )


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
        raise ValueError(f"request_options['retry']: cannot use this google.api_core Retry: {exc}") from None
