"""Generation and thinking configs, and enum values, from convenient shapes.

    >>> to_generation_config({"temperature": 0.5, "maxOutputTokens": 64}).max_output_tokens
    64

Same ladder as the rest of genai._coercion: our messages pass through unchanged; dicts (snake_case or
camelCase keys), ``genai.GenerationConfig`` (Python types allowed), proto-plus / other-pool messages
and google-genai pydantic objects are converted; errors start with the path of the bad value.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar, cast

from genai._coercion.base import SupportsModelDump, enum_number
from genai._coercion.dicts import to_message
from genai._coercion.generation_config import GenerationConfig
from genai._wire import messages as pb

if TYPE_CHECKING:
    from google.protobuf.internal.enum_type_wrapper import _EnumTypeWrapper

__all__ = [
    "GenerationConfigLike",
    "ThinkingConfigLike",
    "to_enum",
    "to_generation_config",
    "to_thinking_config",
]

V = TypeVar("V", bound=int)

GenerationConfigLike: TypeAlias = (
    pb.GenerationConfig | GenerationConfig | Mapping[str, Any] | SupportsModelDump
)
"""The ``types.GenerationConfig`` message, ``genai.GenerationConfig`` (Python types allowed), a dict."""
ThinkingConfigLike: TypeAlias = pb.ThinkingConfig | Mapping[str, Any] | int | SupportsModelDump
"""A ThinkingConfig, its dict, or an int thinking budget (0 disables thinking, -1 is dynamic)."""


def to_enum(enum_type: _EnumTypeWrapper[V], value: Any, *, path: str) -> V:
    """An enum number from its name (any case, common prefix optional), number or Python enum.

    >>> to_enum(pb.TaskType, "retrieval_document", path="task_type") == pb.TaskType.RETRIEVAL_DOCUMENT
    True
    """
    return cast(V, enum_number(enum_type.DESCRIPTOR, value, path=path))


def to_generation_config(
    value: GenerationConfigLike, *, path: str = "generation_config"
) -> pb.GenerationConfig:
    """A GenerationConfig from the message (as is), a dict, proto-plus or google-genai objects.

    >>> to_generation_config({"temperature": 0.5, "maxOutputTokens": 64}).max_output_tokens
    64
    """
    if type(value) is pb.GenerationConfig:
        return value
    if isinstance(value, GenerationConfig):
        return value.to_message(path=path)
    return to_message(
        pb.GenerationConfig,
        value,
        path=path,
        expected="a types.GenerationConfig or a dict such as {'temperature': 0.2, 'max_output_tokens': 256}",
    )


def to_thinking_config(value: ThinkingConfigLike, *, path: str = "thinking_config") -> pb.ThinkingConfig:
    """A ThinkingConfig from the message (as is), a dict, or an int thinking budget.

    >>> to_thinking_config(1024).thinking_budget
    1024
    """
    if type(value) is pb.ThinkingConfig:
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        if value < -1:
            raise ValueError(f"{path}: a thinking budget is >= 0 tokens, or -1 for dynamic; got {value}")
        return pb.ThinkingConfig(thinking_budget=value)
    return to_message(
        pb.ThinkingConfig,
        value,
        path=path,
        expected="a types.ThinkingConfig, a dict such as {'thinking_budget': 1024, 'include_thoughts': True}"
        " or an int budget",
    )
