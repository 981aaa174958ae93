"""Request messages from (model, contents, config): the pure step before the transport.

    >>> build_generate_request("gemini-2.5-flash", "Hi", {"top_k": 40}).generation_config.top_k
    40

Builders sit on the hot path of every call, so they only convert what is not a message already, and
copy each piece once into the request. Errors name the argument first: "contents[0].parts[1]",
"config.safety_settings[2].threshold".
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, TypeAlias

from google.protobuf.message import Message

from genai._coercion.base import (
    SupportsModelDump,
    describe,
    foreign_to_own,
    is_genai_model,
    suggest,
    text_error,
    type_error,
)
from genai._coercion.content import ContentLike, ContentsLike, to_content, to_contents
from genai._coercion.dicts import set_field
from genai._coercion.generation import to_enum, to_generation_config
from genai._coercion.models import to_model_name
from genai._coercion.nesting import check_nesting, levels
from genai._coercion.safety import to_safety_settings
from genai._coercion.tools import to_tool_config, to_tools
from genai._requests.config import EmbedContentConfig, GenerateContentConfig
from genai._transport.checks import check_metadata, check_retry, check_timeout
from genai._transport.options import CallOptions, checked_call_options
from genai._wire import messages as pb

__all__ = [
    "ConfigLike",
    "EmbedConfigLike",
    "build_count_tokens_request",
    "build_embed_request",
    "build_generate_request",
    "encode_text_request",
    "call_options",
    "to_embed_config",
    "to_generate_config",
]

ConfigLike: TypeAlias = GenerateContentConfig | Mapping[str, Any] | pb.GenerationConfig | SupportsModelDump
"""What `config=` of generate_content/count_tokens accepts (None too)."""
EmbedConfigLike: TypeAlias = EmbedContentConfig | Mapping[str, Any] | SupportsModelDump
"""What `config=` of embed_content accepts (None too)."""

_TRANSPORT_FIELDS = frozenset({"timeout", "retry", "metadata"})
_GENERATION_FIELDS = frozenset(pb.GenerationConfig.DESCRIPTOR.fields_by_name)
_GENERATION_KEYS = {
    key: field.name
    for field in pb.GenerationConfig.DESCRIPTOR.fields
    for key in (field.name, field.json_name)
}


# Where things sit in the requests built here (genai/_coerce_nesting.py checks nesting against it).
_GENERATION_LEVEL = levels(pb.GenerateContentRequest.DESCRIPTOR, "generation_config")
_TOOLS_LEVEL = levels(pb.GenerateContentRequest.DESCRIPTOR, "tools")
_COUNT_LEVEL = levels(pb.CountTokensRequest.DESCRIPTOR, "generate_content_request")
_NESTABLE_GENERATION_FIELDS = tuple(
    field.name for field in pb.GenerationConfig.DESCRIPTOR.fields if field.message_type is not None
)


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
_OVERLAY = tuple(name for name in _GENERATE_NAMES if name in _GENERATION_FIELDS)
_REQUEST_LEVEL = tuple(
    name for name in _GENERATE_NAMES if name not in _TRANSPORT_FIELDS and name not in _OVERLAY
)
_EMBED_KEYS = _config_keys(EmbedContentConfig)
_EMBED_NAMES = tuple(f.name for f in dataclasses.fields(EmbedContentConfig))

# google-genai config fields with no meaning for a gRPC request; dropped (see to_generate_config).
_GOOGLE_GENAI_DROPPED = frozenset({"should_return_http_response", "automatic_function_calling"})
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

    Client-side features of google-genai (automatic function calling, raw HTTP responses) and the
    rest of http_options (an HTTP transport's settings) are dropped; any other field we do not have
    is a ValueError rather than a silently ignored setting. Values are read from the object (not the
    dump) so Python types given as response_schema survive.
    """
    kwargs: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for name in value.model_dump(exclude_none=True):
        item = getattr(value, name)
        if name == "http_options":
            timeout = _google_genai_timeout(value, path)
            if timeout is not None:
                kwargs["timeout"] = timeout
        elif name in _GOOGLE_GENAI_DROPPED:
            continue
        elif name in names:
            kwargs[name] = item
        elif what == "GenerateContentConfig" and name in _GENERATION_FIELDS:
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
        _refuse_clashes(base_msg, list(extra), path, path)
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
        extra = {k: v for k, v in config.items() if k not in _GENERATE_KEYS and k in _GENERATION_KEYS}
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


# ---------------------------------------------------------------------------------------------------
# Per-call options


def call_options(config: Any) -> CallOptions | None:
    """The timeout/retry/metadata overrides a config carries, or None when it sets none of them.

    >>> call_options(GenerateContentConfig(timeout=5)).timeout
    5.0

    Takes the coerced configs, None, or a raw `config=` value (dict, google-genai config); values
    that carry no call options give None. Metadata is pairs or a dict (see genai._transport.checks).
    """
    if config is None:
        return None
    if isinstance(config, CallOptions):
        return config
    if isinstance(config, GenerateContentConfig | EmbedContentConfig):
        timeout, retry, metadata = config.timeout, config.retry, config.metadata
    elif isinstance(config, Mapping):
        timeout, retry, metadata = config.get("timeout"), config.get("retry"), config.get("metadata")
    elif is_genai_model(config):
        timeout, retry, metadata = _google_genai_timeout(config, "config"), None, None
    else:
        return None
    if timeout is None and retry is None and metadata is None:
        return None
    seconds = check_timeout(timeout, "config.timeout")
    policy = check_retry(retry, "config.retry")
    pairs = check_metadata(metadata, "config.metadata")
    if seconds is None and policy is None and not pairs:
        return None
    return checked_call_options(seconds, policy, pairs)


def _google_genai_timeout(config: Any, path: str) -> float | None:
    """http_options.timeout of a google-genai config (milliseconds) in seconds."""
    ms = getattr(getattr(config, "http_options", None), "timeout", None)
    if ms is None:
        return None
    try:
        return check_timeout(ms / 1000 if isinstance(ms, int | float) else ms, f"{path}.http_options.timeout")
    except ValueError:
        raise ValueError(
            f"{path}.http_options.timeout: expected a positive number of milliseconds; got {describe(ms)}"
        ) from None


# ---------------------------------------------------------------------------------------------------
# Request builders


def _cached_content_name(value: Any, path: str) -> str:
    if not isinstance(value, str) or not value:
        raise type_error(path, "a cached content name such as 'cachedContents/abc123'", value)
    return value if "/" in value else "cachedContents/" + value


def _set_text(msg: Any, name: str, value: str, path: str) -> None:
    try:
        setattr(msg, name, value)
    except UnicodeEncodeError as err:  # protobuf encodes str fields as UTF-8 when they are set
        raise text_error(path, err) from None


def _generation_config(cfg: GenerateContentConfig, path: str) -> pb.GenerationConfig | None:
    """config.generation_config overlaid by the explicit fields; None when nothing is set."""
    explicit = [(name, value) for name in _OVERLAY if (value := getattr(cfg, name)) is not None]
    base = cfg.generation_config
    if base is None and not explicit:
        return None
    base_msg = None if base is None else to_generation_config(base, path=f"{path}.generation_config")
    if base_msg is not None and not explicit and not _needs_json_mime(base_msg):
        return base_msg
    merged = pb.GenerationConfig()
    if base_msg is not None:
        _refuse_clashes(base_msg, [name for name, _ in explicit], path, path)
        merged.CopyFrom(base_msg)
    for name, value in explicit:
        set_field(merged, name, value, path=f"{path}.{name}")
    if _needs_json_mime(merged):
        merged.response_mime_type = "application/json"
    return merged


def _refuse_clashes(base: pb.GenerationConfig, keys: list[str], base_path: str, path: str) -> None:
    """A setting given both inside generation_config and on its own is refused: neither may win."""
    given = {field.name for field, _ in base.ListFields()}
    for key in keys:
        name = _GENERATION_KEYS[key]
        if name in given:
            raise ValueError(
                f"{path}.{key}: {name} is also set in {base_path}.generation_config.{name}; "
                "give it in one place"
            )


def _check_generation_nesting(
    config: pb.GenerationConfig, cfg: GenerateContentConfig, path: str, level: int
) -> None:
    """Refuse schemas nested too deeply for protobuf; `config` sits at `level` of the request."""
    message: Message = config  # HasField of a name from the descriptor, not a literal
    for name in _NESTABLE_GENERATION_FIELDS:
        if message.HasField(name):
            where = (
                f"{path}.{name}"
                if getattr(cfg, name, None) is not None
                else f"{path}.generation_config.{name}"
            )
            check_nesting(getattr(config, name), level=level + 1, path=where)


def _needs_json_mime(config: pb.GenerationConfig) -> bool:
    """A schema without a response_mime_type: the API wants application/json there, so we set it."""
    return not config.response_mime_type and (
        config.HasField("response_schema") or config.HasField("response_json_schema")
    )


def _fill_generate(
    request: pb.GenerateContentRequest,
    model: str,
    contents: ContentsLike,
    cfg: GenerateContentConfig | None,
    path: str,
    level: int,
) -> None:
    """Fill `request`, which sits at `level` of the message sent (0: it is the message sent)."""
    request.model = model
    if type(contents) is str:
        # The most common call: build the turn in place instead of building one and copying it in.
        try:
            request.contents.add(role="user").parts.add(text=contents)
        except UnicodeEncodeError as err:
            raise text_error("contents", err) from None
    else:
        request.contents.extend(to_contents(contents))
    if cfg is None:
        return
    if cfg.system_instruction is not None:
        request.system_instruction.CopyFrom(
            to_content(cfg.system_instruction, path=f"{path}.system_instruction", default_role="")
        )
    if cfg.tools is not None:
        request.tools.extend(to_tools(cfg.tools, path=f"{path}.tools", level=level + _TOOLS_LEVEL))
    if cfg.tool_config is not None:
        request.tool_config.CopyFrom(to_tool_config(cfg.tool_config, path=f"{path}.tool_config"))
    if cfg.safety_settings is not None:
        request.safety_settings.extend(
            to_safety_settings(cfg.safety_settings, path=f"{path}.safety_settings")
        )
    if cfg.cached_content is not None:
        name = _cached_content_name(cfg.cached_content, f"{path}.cached_content")
        _set_text(request, "cached_content", name, f"{path}.cached_content")
    generation = _generation_config(cfg, path)
    if generation is not None:
        if (
            cfg.generation_config is not None
            or cfg.response_schema is not None
            or cfg.response_json_schema is not None
        ):
            _check_generation_nesting(generation, cfg, path, level + _GENERATION_LEVEL)
        request.generation_config.CopyFrom(generation)


def build_generate_request(
    model: str, contents: ContentsLike, config: ConfigLike | None = None
) -> pb.GenerateContentRequest:
    """The GenerateContentRequest for a model, contents and `config=` (see to_generate_config).

    >>> build_generate_request("gemini-2.5-flash", "Hi").contents[0].parts[0].text
    'Hi'

    system_instruction keeps the role it was given (none for text); a response_schema or
    response_json_schema without response_mime_type gets "application/json".
    """
    cfg = None if config is None else to_generate_config(config)
    request = pb.GenerateContentRequest()
    _fill_generate(request, to_model_name(model), contents, cfg, "config", 0)
    return request


def _varint(value: int) -> bytes:
    if value < 0x80:
        return bytes((value,))
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _length_delimited(tag: bytes, payload: bytes) -> bytes:
    return tag + _varint(len(payload)) + payload


# Wire tags (field number << 3 | 2, length-delimited) of the fields a one-prompt request sets.
_MODEL_TAG = b"\x0a"  # GenerateContentRequest.model = 1
_CONTENTS_TAG = b"\x12"  # GenerateContentRequest.contents = 2
_PARTS_TAG = b"\x0a"  # Content.parts = 1
_USER_ROLE = b"\x12\x04user"  # Content.role = 2, "user"
_TEXT_TAG = b"\x12"  # Part.text = 2


def encode_text_request(model: str, text: str) -> bytes:
    """The serialised GenerateContentRequest of one user prompt, without building the message.

    >>> data = encode_text_request("gemini-2.5-flash", "Hi")
    >>> data == build_generate_request("gemini-2.5-flash", "Hi").SerializeToString()
    True

    The most common call is a plain str to a model with no config; the transport sends these bytes
    as they are, which spares building a message only to serialise it. The bytes are exactly what
    protobuf's encoder writes for the same request (a test holds it to that).
    """
    name = to_model_name(model)
    try:
        encoded = text.encode()
    except UnicodeEncodeError as err:
        raise text_error("contents", err) from None
    # text is a oneof member, so even "" is written: the part then says it is an empty text.
    content = _length_delimited(_PARTS_TAG, _length_delimited(_TEXT_TAG, encoded)) + _USER_ROLE
    return _length_delimited(_MODEL_TAG, name.encode()) + _length_delimited(_CONTENTS_TAG, content)


def _affects_generation(cfg: GenerateContentConfig) -> bool:
    return any(getattr(cfg, name) is not None for name in _REQUEST_LEVEL + _OVERLAY)


def build_count_tokens_request(
    model: str, contents: ContentsLike, config: ConfigLike | None = None
) -> pb.CountTokensRequest:
    """A CountTokensRequest; with a generate_content_request when the config changes what is sent.

    >>> build_count_tokens_request("gemini-2.5-flash", "Hi").contents[0].parts[0].text
    'Hi'

    A config with a system instruction, tools, safety settings or generation parameters is counted
    the way generation would send it; a config with only call options (or none) counts the contents.
    """
    cfg = to_generate_config(config)
    name = to_model_name(model)
    request = pb.CountTokensRequest(model=name)
    if cfg is None or not _affects_generation(cfg):
        request.contents.extend(to_contents(contents))
    else:
        _fill_generate(request.generate_content_request, name, contents, cfg, "config", _COUNT_LEVEL)
    return request


def build_embed_request(
    model: str, content: ContentLike, config: EmbedConfigLike | None = None, *, path: str = "content"
) -> pb.EmbedContentRequest:
    """An EmbedContentRequest for one content; `path` names the content in errors.

    >>> build_embed_request("text-embedding-004", "Hi", {"task_type": "retrieval_query"}).task_type
    1
    """
    cfg = to_embed_config(config)
    request = pb.EmbedContentRequest(model=to_model_name(model))
    request.content.CopyFrom(to_content(content, path=path, default_role=""))
    if cfg is None:
        return request
    if cfg.task_type is not None:
        request.task_type = to_enum(pb.TaskType, cfg.task_type, path="config.task_type")
    if cfg.title is not None:
        if not isinstance(cfg.title, str):
            raise type_error("config.title", "a str", cfg.title)
        _set_text(request, "title", cfg.title, "config.title")
    if cfg.output_dimensionality is not None:
        size = cfg.output_dimensionality
        if isinstance(size, bool) or not isinstance(size, int):
            raise type_error("config.output_dimensionality", "a positive int", size)
        if size <= 0:
            raise ValueError(f"config.output_dimensionality: expected a positive int; got {size}")
        request.output_dimensionality = size
    return request
