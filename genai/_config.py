"""Typed request configuration: what `config=` accepts besides a dict.

    >>> GenerateContentConfig(temperature=0.2, max_output_tokens=64).temperature
    0.2

Every field defaults to None, meaning "not set: the service (or the model's default) decides".
The coercible fields take the same shapes as everywhere else (see genai/_coerce_*.py); they are
converted when the request is built, never stored converted, and never mutated.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from genai._options import RetryOptions

if TYPE_CHECKING:
    from genai._coerce_config import (
        GenerationConfigLike,
        ThinkingConfigLike,
        ToolConfigLike,
        ToolsLike,
    )
    from genai._coerce_content import ContentLike
    from genai._coerce_safety import SafetySettingsLike
    from genai._schema import SchemaLike


@dataclass(frozen=True, kw_only=True)
class GenerateContentConfig:
    """Generation parameters plus the request-level settings of GenerateContent.

    >>> GenerateContentConfig(system_instruction="Be brief.", stop_sequences=["END"]).stop_sequences
    ['END']
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
    response_schema: SchemaLike | None = None
    response_json_schema: Any = None
    response_modalities: Sequence[str] | None = None
    response_logprobs: bool | None = None
    logprobs: int | None = None
    media_resolution: str | int | None = None
    thinking_config: ThinkingConfigLike | None = None
    # Per-call transport overrides.
    timeout: float | None = None
    retry: RetryOptions | None = None
    metadata: Sequence[tuple[str, str]] | None = None


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
    metadata: Sequence[tuple[str, str]] | None = None
