"""``genai.GenerationConfig``: the generation parameters as a typed dataclass that takes Python types.

    >>> GenerationConfig(temperature=0.5, response_schema=list[str]).to_message().response_schema.type
    5

google-generativeai's ``genai.GenerationConfig(response_mime_type="application/json",
response_schema=list[Recipe])`` runs as it is: the message ``types.GenerationConfig`` (a protobuf class)
cannot hold a Python type, this dataclass can, and becomes that message when a request is built.
Its fields are exactly the message's (a test holds them to the descriptor).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from genai._wire import messages as pb

if TYPE_CHECKING:
    from genai._coercion.generation import ThinkingConfigLike
    from genai._coercion.schema import SchemaShape

__all__ = ["GenerationConfig"]


@dataclass(frozen=True, kw_only=True)
class GenerationConfig:
    """Generation parameters (None: not set, the model decides), for ``generation_config=``.

    >>> GenerationConfig(candidate_count=1, stop_sequences=["x"], max_output_tokens=20).max_output_tokens
    20

    Enum fields take names (any case) or numbers; ``response_schema`` takes what
    ``GenerateContentConfig.response_schema`` takes (a Python type, a Schema, a dict).
    """

    candidate_count: int | None = None
    stop_sequences: Sequence[str] | None = None
    max_output_tokens: int | None = None
    temperature: float | None = None
    top_p: float | None = None
    top_k: int | None = None
    seed: int | None = None
    response_mime_type: str | None = None
    response_schema: type[Any] | SchemaShape | None = None
    response_json_schema: Mapping[str, Any] | None = None
    response_json_schema_ordered: Mapping[str, Any] | None = None
    presence_penalty: float | None = None
    frequency_penalty: float | None = None
    response_logprobs: bool | None = None
    logprobs: int | None = None
    enable_enhanced_civic_answers: bool | None = None
    response_modalities: Sequence[str | int] | None = None
    speech_config: pb.SpeechConfig | Mapping[str, Any] | None = None
    thinking_config: ThinkingConfigLike | None = None
    image_config: pb.ImageConfig | Mapping[str, Any] | None = None
    media_resolution: str | int | None = None

    def to_message(self, *, path: str = "generation_config") -> pb.GenerationConfig:
        """The ``types.GenerationConfig`` message these settings make; errors name ``path.field``.

        >>> GenerationConfig(temperature=0.5).to_message().temperature
        0.5
        """
        from genai._coercion.dicts import set_field

        message = pb.GenerationConfig()
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if value is not None:
                set_field(message, field.name, value, path=f"{path}.{field.name}")
        return message
