"""Typed request configuration: what `config=` accepts besides a dict.

    >>> GenerateContentConfig(temperature=0.2, max_output_tokens=64).temperature
    0.2

Every field defaults to None, meaning "not set: the service (or the model's default) decides".
The coercible fields take the same shapes as everywhere else (see genai/_coerce_*.py); they are
converted when the request is built, never stored converted, and never mutated.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import UnionType
from typing import TYPE_CHECKING, Any, Generic, TypeAlias, TypedDict

from genai._transport.options import RetryOptions

if TYPE_CHECKING:
    from typing import _SpecialForm

    from typing_extensions import TypeVar

    from genai._coercion.base import SupportsModelDump
    from genai._coercion.content import ContentLike
    from genai._coercion.generation import GenerationConfigLike, ThinkingConfigLike
    from genai._coercion.safety import SafetySettingsLike
    from genai._coercion.tools import ToolConfigLike, ToolsLike
    from genai._wire import messages as pb

    # `.parsed` of a reply is typed as the Python type given as response_schema, else Any. The
    # default (PEP 696) is for type checkers only: typing.TypeVar takes none before Python 3.13.
    T = TypeVar("T", default=Any)
    # Every other schema shape (Literal[...], Optional[...], Annotated[...] are typing special forms);
    # no bare Any, which would keep a type checker from inferring T from a class.
    SchemaShape: TypeAlias = pb.Schema | Mapping[str, Any] | UnionType | _SpecialForm | SupportsModelDump
else:
    from typing import TypeVar

    T = TypeVar("T")

Metadata: TypeAlias = "Sequence[tuple[str, str | bytes]] | Mapping[str, str | bytes]"
"""Extra gRPC metadata: (key, value) pairs or a dict; ``-bin`` keys take bytes."""


@dataclass(frozen=True, kw_only=True)
class GenerateContentConfig(Generic[T]):
    """Generation parameters plus the request-level settings of GenerateContent.

    >>> GenerateContentConfig(system_instruction="Be brief.", stop_sequences=["END"]).stop_sequences
    ['END']

    Generic in what ``response_schema`` makes ``.parsed`` return: ``GenerateContentConfig(
    response_schema=Recipe)`` is a ``GenerateContentConfig[Recipe]``, and the reply's ``.parsed`` a
    ``Recipe`` to a type checker too.
    """

    # Request-level settings.
    system_instruction: ContentLike | None = None
    tools: ToolsLike | None = None
    tool_config: ToolConfigLike | None = None
    safety_settings: SafetySettingsLike | None = None
    cached_content: str | None = None
    # GenerationConfig fields (a base `generation_config` is merged under the explicit ones).
    generation_config: GenerationConfigLike | None = None
    candidate_count: int | None = None
    stop_sequences: Sequence[str] | None = None
    max_output_tokens: int | None = None
    temperature: float | None = None
    top_p: float | None = None
    top_k: int | None = None
    seed: int | None = None
    presence_penalty: float | None = None
    frequency_penalty: float | None = None
    response_mime_type: str | None = None
    response_schema: type[T] | SchemaShape | None = None
    response_json_schema: Mapping[str, Any] | None = None
    response_modalities: Sequence[str] | None = None
    response_logprobs: bool | None = None
    logprobs: int | None = None
    media_resolution: str | int | None = None
    thinking_config: ThinkingConfigLike | None = None
    # Per-call transport overrides.
    timeout: float | None = None
    retry: RetryOptions | None = None
    metadata: Metadata | None = None


@dataclass(frozen=True, kw_only=True)
class EmbedContentConfig:
    """Options of EmbedContent / BatchEmbedContents.

    >>> EmbedContentConfig(task_type="RETRIEVAL_DOCUMENT", output_dimensionality=256).task_type
    'RETRIEVAL_DOCUMENT'
    """

    task_type: str | int | None = None
    title: str | None = None
    output_dimensionality: int | None = None
    timeout: float | None = None
    retry: RetryOptions | None = None
    metadata: Metadata | None = None


class CallConfigDict(TypedDict, total=False):
    """The per-call options every method's ``config=`` dict takes (``models.get``, ``models.list``)."""

    timeout: float | None
    retry: RetryOptions | None
    metadata: Metadata | None


class GenerateContentConfigDict(CallConfigDict, total=False):
    """``config=`` of generate_content/count_tokens as a dict: the fields of GenerateContentConfig.

    >>> config: GenerateContentConfigDict = {"temperature": 0.2, "max_output_tokens": 64}

    At run time camelCase keys work too; typed code uses these snake_case names.
    """

    system_instruction: ContentLike | None
    tools: ToolsLike | None
    tool_config: ToolConfigLike | None
    safety_settings: SafetySettingsLike | None
    cached_content: str | None
    generation_config: GenerationConfigLike | None
    candidate_count: int | None
    stop_sequences: Sequence[str] | None
    max_output_tokens: int | None
    temperature: float | None
    top_p: float | None
    top_k: int | None
    seed: int | None
    presence_penalty: float | None
    frequency_penalty: float | None
    response_mime_type: str | None
    response_schema: type[Any] | SchemaShape | None
    response_json_schema: Mapping[str, Any] | None
    response_modalities: Sequence[str] | None
    response_logprobs: bool | None
    logprobs: int | None
    media_resolution: str | int | None
    thinking_config: ThinkingConfigLike | None


class EmbedContentConfigDict(CallConfigDict, total=False):
    """``config=`` of embed_content as a dict: the fields of EmbedContentConfig."""

    task_type: str | int | None
    title: str | None
    output_dimensionality: int | None
