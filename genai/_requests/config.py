"""Request configuration: the typed configs, their dict forms, and the coercer of `config=` values.

    >>> GenerateContentConfig(temperature=0.2, max_output_tokens=64).temperature
    0.2
    >>> to_generate_config({"maxOutputTokens": 64}).max_output_tokens
    64

Every field defaults to None, meaning "not set: the service (or the model's default) decides".
The coercible fields take the same shapes as everywhere else (genai._coercion); they are converted
when the request is built, never stored converted, and never mutated.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeAlias, TypedDict

from genai._coercion.base import (
    SupportsModelDump,
    describe,
    foreign_to_own,
    is_genai_model,
    suggest,
    type_error,
)
from genai._coercion.dicts import set_field
from genai._coercion.generation import to_generation_config
from genai._transport.checks import check_timeout
from genai._transport.options import RetryOptions
from genai._wire import messages as pb

if TYPE_CHECKING:
    from typing_extensions import TypeVar

    from genai._coercion.content import ContentLike
    from genai._coercion.generation import GenerationConfigLike, ThinkingConfigLike
    from genai._coercion.safety import SafetySettingsLike
    from genai._coercion.schema import SchemaShape
    from genai._coercion.tools import ToolConfigLike, ToolsLike

    # `.parsed` of a reply is typed as the Python type given as response_schema, else Any. The
    # default (PEP 696) is for type checkers only: typing.TypeVar takes none before Python 3.13.
    T = TypeVar("T", default=Any)
else:
    from typing import TypeVar

    T = TypeVar("T")

__all__ = [
    "AutomaticFunctionCallingConfig",
    "AutomaticFunctionCallingConfigDict",
    "AutomaticFunctionCallingLike",
    "CLIENT_FIELDS",
    "FILE_WAIT_SECONDS",
    "GENERATION_KEYS",
    "OVERLAY_FIELDS",
    "REQUEST_FIELDS",
    "CallConfigDict",
    "ConfigLike",
    "EmbedConfigLike",
    "EmbedContentConfig",
    "EmbedContentConfigDict",
    "GenerateContentConfig",
    "GenerateContentConfigDict",
    "file_wait_seconds",
    "google_genai_timeout",
    "merge_configs",
    "refuse_clashes",
    "to_afc_config",
    "to_embed_config",
    "to_generate_config",
]

Metadata: TypeAlias = "Sequence[tuple[str, str | bytes]] | Mapping[str, str | bytes]"
"""Extra gRPC metadata: (key, value) pairs or a dict; ``-bin`` keys take bytes."""


@dataclass(frozen=True, kw_only=True)
class AutomaticFunctionCallingConfig:
    """How Python functions given as tools are run for the model (automatic function calling).

    >>> AutomaticFunctionCallingConfig(maximum_remote_calls=3).maximum_remote_calls
    3

    ``disable``: the model's function calls are returned to the caller, nothing runs (manual mode).
    ``maximum_remote_calls``: how many model calls one request may make in all (the first included);
    when the model still calls functions after that, its last reply is returned with those calls.
    ``ignore_call_history``: leave ``response.automatic_function_calling_history`` empty.
    """

    disable: bool = False
    maximum_remote_calls: int = 10
    ignore_call_history: bool = False


class AutomaticFunctionCallingConfigDict(TypedDict, total=False):
    """``automatic_function_calling=`` as a dict: the fields of AutomaticFunctionCallingConfig."""

    disable: bool
    maximum_remote_calls: int
    ignore_call_history: bool


AutomaticFunctionCallingLike: TypeAlias = (
    "AutomaticFunctionCallingConfig | AutomaticFunctionCallingConfigDict | Mapping[str, Any] "
    "| SupportsModelDump"
)


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
    # Client-side: how the Python functions among `tools` are run (never sent).
    automatic_function_calling: AutomaticFunctionCallingLike | None = None
    # Client-side: wait for uploaded files in contents that are still PROCESSING (True: up to
    # FILE_WAIT_SECONDS; a number: that many seconds) instead of refusing them (never sent).
    wait_for_files: bool | float | None = None
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
    automatic_function_calling: AutomaticFunctionCallingLike | None
    wait_for_files: bool | float | None


class EmbedContentConfigDict(CallConfigDict, total=False):
    """``config=`` of embed_content as a dict: the fields of EmbedContentConfig."""

    task_type: str | int | None
    title: str | None
    output_dimensionality: int | None


# ---------------------------------------------------------------------------------------------------
# The config coercer: what `config=` may be, as the dataclass


ConfigLike: TypeAlias = GenerateContentConfig | Mapping[str, Any] | pb.GenerationConfig | SupportsModelDump
"""What `config=` of generate_content/count_tokens accepts (None too)."""
EmbedConfigLike: TypeAlias = EmbedContentConfig | Mapping[str, Any] | SupportsModelDump
"""What `config=` of embed_content accepts (None too)."""

_TRANSPORT_FIELDS = frozenset({"timeout", "retry", "metadata"})
# Settings the client acts on itself; never part of a request.
CLIENT_FIELDS = frozenset({"automatic_function_calling", "wait_for_files"})
FILE_WAIT_SECONDS = 600.0  # wait_for_files=True: long enough for a long video to finish processing
GENERATION_FIELDS = frozenset(pb.GenerationConfig.DESCRIPTOR.fields_by_name)
GENERATION_KEYS = {
    key: field.name
    for field in pb.GenerationConfig.DESCRIPTOR.fields
    for key in (field.name, field.json_name)
}


def _config_keys(cls: type[Any]) -> dict[str, str]:
    """snake_case and camelCase key -> field name, for the dict form of a config dataclass."""
    keys: dict[str, str] = {}
    for field in dataclasses.fields(cls):
        head, *rest = field.name.split("_")
        keys[field.name] = field.name
        keys[head + "".join(part.title() for part in rest)] = field.name
    return keys


_GENERATE_KEYS = _config_keys(GenerateContentConfig)
_GENERATE_NAMES = tuple(f.name for f in dataclasses.fields(GenerateContentConfig))
# GenerateContentConfig fields written into GenerationConfig (same names there), in declaration order.
OVERLAY_FIELDS = tuple(name for name in _GENERATE_NAMES if name in GENERATION_FIELDS)
REQUEST_FIELDS = tuple(
    name
    for name in _GENERATE_NAMES
    if name not in _TRANSPORT_FIELDS and name not in OVERLAY_FIELDS and name not in CLIENT_FIELDS
)
_EMBED_KEYS = _config_keys(EmbedContentConfig)
_EMBED_NAMES = tuple(f.name for f in dataclasses.fields(EmbedContentConfig))

# google-genai config fields with no meaning for a gRPC request; dropped (see to_generate_config).
_GOOGLE_GENAI_DROPPED = frozenset({"should_return_http_response"})
_GENERATE_SHAPES = (
    "None, a genai.GenerateContentConfig, a dict of its fields (snake_case or camelCase), "
    "a types.GenerationConfig, or a google.genai.types.GenerateContentConfig"
)


def _from_dict(
    value: Mapping[Any, Any], keys: Mapping[str, str], names: tuple[str, ...], what: str, path: str
) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    given: dict[str, str] = {}
    for key, item in value.items():
        name = keys.get(key) if isinstance(key, str) else None
        if name is None:
            if not isinstance(key, str):
                raise TypeError(f"{path}: keys must be str; got {describe(key)}")
            raise ValueError(
                f"{path}: unknown key {key!r} for {what}{suggest(key, names)}; valid keys: {', '.join(names)}"
            )
        if name in given:
            raise ValueError(f"{path}: {given[name]!r} and {key!r} name the same setting; give one")
        given[name] = key
        if item is not None:
            kwargs[name] = item
    return kwargs


def _google_genai_kwargs(
    value: SupportsModelDump, names: tuple[str, ...], what: str, path: str
) -> dict[str, Any]:
    """Fields of a google-genai config: ours as they are, http_options.timeout (ms) -> timeout (s).

    google-genai's raw HTTP responses and the rest of http_options (an HTTP transport's settings)
    are dropped; any other field we do not have is a ValueError rather than a silently ignored
    setting. Values are read from the object (not the dump) so Python types given as
    response_schema survive.
    """
    kwargs: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for name in value.model_dump(exclude_none=True):
        item = getattr(value, name)
        if name == "http_options":
            timeout = google_genai_timeout(value, path)
            if timeout is not None:
                kwargs["timeout"] = timeout
        elif name in _GOOGLE_GENAI_DROPPED:
            continue
        elif name in names:
            kwargs[name] = item
        elif what == "GenerateContentConfig" and name in GENERATION_FIELDS:
            extra[name] = item
        else:
            raise ValueError(
                f"{path}.{name}: the google-genai setting {name!r} is not supported by the Gemini API v1beta "
                "over gRPC; remove it"
            )
    if extra:
        kwargs["generation_config"] = _with_extras(kwargs.get("generation_config"), extra, path)
    return kwargs


def _with_extras(base: Any, extra: Mapping[str, Any], path: str) -> pb.GenerationConfig:
    merged = pb.GenerationConfig()
    if base is not None:
        base_msg = to_generation_config(base, path=f"{path}.generation_config")
        refuse_clashes(base_msg, list(extra), path, path)
        merged.CopyFrom(base_msg)
    for name, item in extra.items():
        set_field(merged, name, item, path=f"{path}.{name}")
    return merged


def to_generate_config(config: ConfigLike | None, *, path: str = "config") -> GenerateContentConfig | None:
    """The GenerateContentConfig behind `config=`: None, the dataclass (as is), a dict, or interop.

    >>> to_generate_config({"maxOutputTokens": 64}).max_output_tokens
    64

    Dict keys are the dataclass fields (snake_case or camelCase); keys naming other GenerationConfig
    fields (e.g. speech_config) go into `generation_config`. A types.GenerationConfig becomes the
    `generation_config`. google-genai configs: see `_google_genai_kwargs`.
    """
    if config is None or type(config) is GenerateContentConfig:
        return config
    if isinstance(config, pb.GenerationConfig):
        return GenerateContentConfig(generation_config=config)
    if isinstance(config, Mapping):
        extra = {k: v for k, v in config.items() if k not in _GENERATE_KEYS and k in GENERATION_KEYS}
        rest = {k: v for k, v in config.items() if k not in extra} if extra else config
        kwargs = _from_dict(rest, _GENERATE_KEYS, _GENERATE_NAMES, "GenerateContentConfig", path)
        extra = {k: v for k, v in extra.items() if v is not None}
        if extra:
            kwargs["generation_config"] = _with_extras(kwargs.get("generation_config"), extra, path)
        return GenerateContentConfig(**kwargs)
    if isinstance(config, GenerateContentConfig):
        return config
    if is_genai_model(config):
        return GenerateContentConfig(
            **_google_genai_kwargs(config, _GENERATE_NAMES, "GenerateContentConfig", path)
        )
    own = foreign_to_own(config, path=path)
    if isinstance(own, pb.GenerationConfig):
        return GenerateContentConfig(generation_config=own)
    raise type_error(path, _GENERATE_SHAPES, config)


def to_embed_config(config: EmbedConfigLike | None, *, path: str = "config") -> EmbedContentConfig | None:
    """The EmbedContentConfig behind `config=`: None, the dataclass (as is), a dict, or google-genai's.

    >>> to_embed_config({"taskType": "RETRIEVAL_QUERY"}).task_type
    'RETRIEVAL_QUERY'
    """
    if config is None or isinstance(config, EmbedContentConfig):
        return config
    if isinstance(config, Mapping):
        return EmbedContentConfig(**_from_dict(config, _EMBED_KEYS, _EMBED_NAMES, "EmbedContentConfig", path))
    if is_genai_model(config):
        return EmbedContentConfig(**_google_genai_kwargs(config, _EMBED_NAMES, "EmbedContentConfig", path))
    raise type_error(
        path, "None, a genai.EmbedContentConfig or a dict such as {'task_type': 'RETRIEVAL_DOCUMENT'}", config
    )


def refuse_clashes(base: pb.GenerationConfig, keys: list[str], base_path: str, path: str) -> None:
    """A setting given both inside generation_config and on its own is refused: neither may win.

    >>> refuse_clashes(pb.GenerationConfig(top_k=3), ["temperature"], "config", "config")
    """
    given = {field.name for field, _ in base.ListFields()}
    for key in keys:
        name = GENERATION_KEYS[key]
        if name in given:
            raise ValueError(
                f"{path}.{key}: {name} is also set in {base_path}.generation_config.{name}; "
                "give it in one place"
            )


def google_genai_timeout(config: Any, path: str) -> float | None:
    """http_options.timeout of a google-genai config (milliseconds) in seconds.

    >>> from types import SimpleNamespace
    >>> google_genai_timeout(SimpleNamespace(http_options=SimpleNamespace(timeout=1500)), "config")
    1.5
    """
    ms = getattr(getattr(config, "http_options", None), "timeout", None)
    if ms is None:
        return None
    try:
        return check_timeout(ms / 1000 if isinstance(ms, int | float) else ms, f"{path}.http_options.timeout")
    except ValueError:
        raise ValueError(
            f"{path}.http_options.timeout: expected a positive number of milliseconds; got {describe(ms)}"
        ) from None


_AFC_NAMES = tuple(f.name for f in dataclasses.fields(AutomaticFunctionCallingConfig))
_AFC_KEYS = _config_keys(AutomaticFunctionCallingConfig)
_AFC_SHAPES = (
    "None, a genai.types.AutomaticFunctionCallingConfig, a dict such as {'maximum_remote_calls': 5} or "
    "{'disable': True}, or google-genai's AutomaticFunctionCallingConfig"
)


def to_afc_config(value: AutomaticFunctionCallingLike | None, *, path: str) -> AutomaticFunctionCallingConfig:
    """The automatic function calling settings (the defaults for None), checked.

    >>> to_afc_config({"maximumRemoteCalls": 2}, path="config").maximum_remote_calls
    2
    """
    if value is None:
        return _AFC_DEFAULT
    if isinstance(value, AutomaticFunctionCallingConfig):
        config = value
    elif isinstance(value, Mapping):
        config = AutomaticFunctionCallingConfig(
            **_from_dict(value, _AFC_KEYS, _AFC_NAMES, "AutomaticFunctionCallingConfig", path)
        )
    elif is_genai_model(value):
        dumped = value.model_dump(exclude_none=True)
        config = AutomaticFunctionCallingConfig(**{k: v for k, v in dumped.items() if k in _AFC_NAMES})
    else:
        raise type_error(path, _AFC_SHAPES, value)
    for name in ("disable", "ignore_call_history"):
        flag = getattr(config, name)
        if not isinstance(flag, bool):
            raise type_error(f"{path}.{name}", "True or False", flag)
    calls = config.maximum_remote_calls
    if isinstance(calls, bool) or not isinstance(calls, int) or calls < 0:
        raise type_error(f"{path}.maximum_remote_calls", "an int >= 0 (0: never call a function)", calls)
    return config


_AFC_DEFAULT = AutomaticFunctionCallingConfig()


def merge_configs(
    base: GenerateContentConfig[Any] | None, override: GenerateContentConfig[Any] | None
) -> GenerateContentConfig[Any] | None:
    """``override`` over ``base``, field by field: every field ``override`` sets replaces base's.

    >>> chat_config = GenerateContentConfig(temperature=0.1, top_k=3)
    >>> merged = merge_configs(chat_config, GenerateContentConfig(top_k=5))
    >>> merged.temperature, merged.top_k
    (0.1, 5)

    Neither is changed (both are frozen). Lists (tools, safety settings, stop sequences) are replaced
    whole, not appended to.
    """
    if override is None:
        return base
    if base is None:
        return override
    changes = {
        field.name: value
        for field in dataclasses.fields(override)
        if (value := getattr(override, field.name)) is not None
    }
    return dataclasses.replace(base, **changes) if changes else base


def file_wait_seconds(config: GenerateContentConfig[Any] | None, *, path: str = "config") -> float | None:
    """How long to wait for PROCESSING files in contents (``wait_for_files``); None: refuse them.

    >>> file_wait_seconds(GenerateContentConfig(wait_for_files=True)), file_wait_seconds(None)
    (600.0, None)
    """
    value = None if config is None else config.wait_for_files
    if value is None or value is False:
        return None
    if value is True:
        return FILE_WAIT_SECONDS
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise TypeError(
            f"{path}.wait_for_files: expected a bool or a number of seconds; got {describe(value)}"
        )
    if not value > 0 or value == float("inf"):
        raise ValueError(
            f"{path}.wait_for_files: expected a positive, finite number of seconds; got {value!r}"
        )
    return float(value)
