"""Request messages from (model, contents, config): the pure step before the transport.

    >>> build_generate_request("gemini-2.5-flash", "Hi", {"top_k": 40}).generation_config.top_k
    40

Builders sit on the hot path of every call, so they only convert what is not a message already, and
copy each piece once into the request. Errors name the argument first: "contents[0].parts[1]",
"config.safety_settings[2].threshold".
"""

from __future__ import annotations

from typing import Any

from google.protobuf.message import Message

from genai._coercion.base import (
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
from genai._requests.config import (
    OVERLAY_FIELDS,
    REQUEST_FIELDS,
    ConfigLike,
    EmbedConfigLike,
    GenerateContentConfig,
    refuse_clashes,
    to_embed_config,
    to_generate_config,
)
from genai._wire import messages as pb

__all__ = [
    "build_count_tokens_request",
    "build_embed_request",
    "build_generate_head",
    "build_generate_request",
]

_GENERATION_LEVEL = levels(pb.GenerateContentRequest.DESCRIPTOR, "generation_config")
_TOOLS_LEVEL = levels(pb.GenerateContentRequest.DESCRIPTOR, "tools")
_COUNT_LEVEL = levels(pb.CountTokensRequest.DESCRIPTOR, "generate_content_request")
_NESTABLE_GENERATION_FIELDS = tuple(
    field.name for field in pb.GenerationConfig.DESCRIPTOR.fields if field.message_type is not None
)


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
    explicit = [(name, value) for name in OVERLAY_FIELDS if (value := getattr(cfg, name)) is not None]
    base = cfg.generation_config
    if base is None and not explicit:
        return None
    base_msg = None if base is None else to_generation_config(base, path=f"{path}.generation_config")
    if base_msg is not None and not explicit and not _needs_json_mime(base_msg):
        return base_msg
    merged = pb.GenerationConfig()
    if base_msg is not None:
        refuse_clashes(base_msg, [name for name, _ in explicit], path, path)
        merged.CopyFrom(base_msg)
    for name, value in explicit:
        set_field(merged, name, value, path=f"{path}.{name}")
    if _needs_json_mime(merged):
        merged.response_mime_type = "application/json"
    return merged


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
    contents: ContentsLike | None,
    cfg: GenerateContentConfig | None,
    path: str,
    level: int,
) -> None:
    """Fill `request`, which sits at `level` of the message sent (0: it is the message sent)."""
    request.model = model
    if contents is None:
        pass
    elif type(contents) is str:
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


def build_generate_head(model: str, config: ConfigLike | None = None) -> pb.GenerateContentRequest:
    """A GenerateContentRequest without contents: what a chat sends unchanged with every message.

    >>> build_generate_head("gemini-2.5-flash", {"temperature": 0.5}).generation_config.temperature
    0.5
    """
    cfg = None if config is None else to_generate_config(config)
    request = pb.GenerateContentRequest()
    _fill_generate(request, to_model_name(model), None, cfg, "config", 0)
    return request


def _affects_generation(cfg: GenerateContentConfig) -> bool:
    return any(getattr(cfg, name) is not None for name in REQUEST_FIELDS + OVERLAY_FIELDS)


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
