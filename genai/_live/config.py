"""A live session's settings: ``LiveConnectConfig`` (typed or a dict) and the setup message built from it.

    >>> setup = build_setup("gemini-live-2.5-flash", {"response_modalities": ["TEXT"], "temperature": 0.2})
    >>> generation = setup.generation_config
    >>> setup.model, list(generation.response_modalities), round(generation.temperature, 2)
    ('models/gemini-live-2.5-flash', [1], 0.2)

Everything is checked here, before a connection is opened: a setting the Live API refuses is a
``ValueError`` (or ``TypeError``) naming the field, never a remote close. Session resumption is on
unless ``session_resumption=False``: the session needs the server's handles to reconnect by itself.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias, TypedDict

from genai._coercion.base import describe, suggest, type_error
from genai._coercion.content import to_content
from genai._coercion.dicts import set_field, to_message
from genai._coercion.generation import to_generation_config
from genai._coercion.models import to_model_name
from genai._coercion.tools import to_tools
from genai._functions.table import FunctionTable
from genai._requests.config import AutomaticFunctionCallingConfig, Metadata, to_afc_config
from genai._transport.checks import check_metadata
from genai._wire import messages as pb

if TYPE_CHECKING:
    from genai._coercion.content import ContentLike
    from genai._coercion.generation import GenerationConfigLike
    from genai._coercion.tools import ToolsLike
    from genai._requests.config import AutomaticFunctionCallingLike

__all__ = [
    "LiveConnectConfig",
    "LiveConnectConfigDict",
    "LiveConfigLike",
    "LiveSettings",
    "build_setup",
    "to_live_config",
    "to_live_settings",
]

_MODALITIES = {"TEXT": pb.GenerationConfig.Modality.TEXT, "AUDIO": pb.GenerationConfig.Modality.AUDIO}
# GenerationConfig fields the Live API does not take (it closes the connection on them).
_NOT_LIVE = (
    "response_mime_type",
    "response_schema",
    "response_json_schema",
    "stop_sequences",
    "response_logprobs",
    "logprobs",
)


@dataclass(frozen=True, kw_only=True)
class LiveConnectConfig:
    """The settings of a live session (google-genai's ``LiveConnectConfig``); every field is optional.

    >>> LiveConnectConfig(response_modalities=["AUDIO"], temperature=0.7).response_modalities
    ['AUDIO']

    * generation: ``response_modalities`` (``["TEXT"]`` or ``["AUDIO"]``, not both),
      ``speech_config``, ``temperature``, ``top_p``, ``top_k``, ``max_output_tokens``, ``seed``,
      ``media_resolution``, ``presence_penalty``, ``frequency_penalty``, or a whole
      ``generation_config`` (the single fields win over it);
    * ``system_instruction`` (text only) and ``tools`` (Python callables allowed: they are run for the
      model unless ``automatic_function_calling={"disable": True}``);
    * ``realtime_input_config``: ``{"automatic_activity_detection": {"disabled": True}}`` for manual
      activity markers, or its sensitivities and timings;
    * ``session_resumption``: on by default (``{"handle": ...}`` resumes an earlier session;
      ``False`` turns resumption, and so reconnection, off);
    * ``context_window_compression``: ``{"trigger_tokens": ..., "sliding_window": {"target_tokens": ...}}``;
    * ``input_audio_transcription`` / ``output_audio_transcription``: ``True`` (or ``{}``) turns them on;
    * ``metadata``: extra gRPC metadata, as ``GenerateContentConfig.metadata`` takes it, sent with
      every connection of the session (reconnections too); over WebSocket they are the opening
      handshake's headers (a ``-bin`` key's bytes in base64).
    """

    generation_config: GenerationConfigLike | None = None
    response_modalities: Sequence[str] | None = None
    speech_config: Any = None
    temperature: float | None = None
    top_p: float | None = None
    top_k: int | None = None
    max_output_tokens: int | None = None
    seed: int | None = None
    media_resolution: str | int | None = None
    presence_penalty: float | None = None
    frequency_penalty: float | None = None
    system_instruction: ContentLike | None = None
    tools: ToolsLike | None = None
    automatic_function_calling: AutomaticFunctionCallingLike | None = None
    realtime_input_config: Mapping[str, Any] | pb.RealtimeInputConfig | None = None
    session_resumption: bool | Mapping[str, Any] | pb.SessionResumptionConfig | None = None
    context_window_compression: Mapping[str, Any] | pb.ContextWindowCompressionConfig | None = None
    input_audio_transcription: bool | Mapping[str, Any] | pb.AudioTranscriptionConfig | None = None
    output_audio_transcription: bool | Mapping[str, Any] | pb.AudioTranscriptionConfig | None = None
    # Client-side: sent with every connection of the session, never in the setup.
    metadata: Metadata | None = None


class LiveConnectConfigDict(TypedDict, total=False):
    """``config=`` of ``live.connect`` as a dict: the fields of LiveConnectConfig (camelCase too)."""

    generation_config: GenerationConfigLike
    response_modalities: Sequence[str]
    speech_config: Any
    temperature: float
    top_p: float
    top_k: int
    max_output_tokens: int
    seed: int
    media_resolution: str | int
    presence_penalty: float
    frequency_penalty: float
    system_instruction: ContentLike
    tools: ToolsLike
    automatic_function_calling: AutomaticFunctionCallingLike
    realtime_input_config: Mapping[str, Any] | pb.RealtimeInputConfig
    session_resumption: bool | Mapping[str, Any] | pb.SessionResumptionConfig
    context_window_compression: Mapping[str, Any] | pb.ContextWindowCompressionConfig
    input_audio_transcription: bool | Mapping[str, Any] | pb.AudioTranscriptionConfig
    output_audio_transcription: bool | Mapping[str, Any] | pb.AudioTranscriptionConfig
    metadata: Metadata


LiveConfigLike: TypeAlias = "LiveConnectConfig | LiveConnectConfigDict | Mapping[str, Any]"
"""What ``config=`` of ``live.connect`` accepts (None too)."""

_NAMES = tuple(f.name for f in dataclasses.fields(LiveConnectConfig))
_KEYS: dict[str, str] = {}
for _name in _NAMES:
    _head, *_rest = _name.split("_")
    _KEYS[_name] = _KEYS[_head + "".join(p.title() for p in _rest)] = _name
_GENERATION_SINGLES = (
    "temperature",
    "top_p",
    "top_k",
    "max_output_tokens",
    "seed",
    "speech_config",
    "media_resolution",
    "presence_penalty",
    "frequency_penalty",
)


def to_live_config(config: LiveConfigLike | None, *, path: str = "config") -> LiveConnectConfig:
    """The LiveConnectConfig behind ``config=``: None (defaults), the dataclass (as is), or a dict.

    >>> to_live_config({"responseModalities": ["AUDIO"]}).response_modalities
    ['AUDIO']
    """
    if config is None:
        return LiveConnectConfig()
    if isinstance(config, LiveConnectConfig):
        return config
    if not isinstance(config, Mapping):
        raise type_error(path, "None, a genai.types.LiveConnectConfig or a dict of its fields", config)
    kwargs: dict[str, Any] = {}
    for key, value in config.items():
        name = _KEYS.get(key) if isinstance(key, str) else None
        if name is None:
            if not isinstance(key, str):
                raise TypeError(f"{path}: keys must be str; got {describe(key)}")
            raise ValueError(f"{path}: unknown key {key!r} for LiveConnectConfig{suggest(key, _NAMES)}")
        if name in kwargs:
            raise ValueError(f"{path}: {key!r} repeats the setting {name!r}; give it once")
        kwargs[name] = value
    return LiveConnectConfig(**kwargs)


@dataclass(frozen=True, slots=True)
class LiveSettings:
    """What a session needs from its config: the setup (without a handle), its function table, modes."""

    setup: pb.BidiGenerateContentSetup
    functions: FunctionTable | None
    automatic_calls: bool
    manual_activity: bool
    resumption: bool
    metadata: tuple[tuple[str, str | bytes], ...] = ()


def to_live_settings(model: str, config: LiveConfigLike | None, *, path: str = "config") -> LiveSettings:
    """The checked setup and the session's modes for ``model`` and ``config``.

    >>> manual = {"realtime_input_config": {"automatic_activity_detection": {"disabled": True}}}
    >>> to_live_settings("m", manual).manual_activity
    True
    """
    typed = to_live_config(config, path=path)
    setup = _setup(model, typed, path)
    afc: AutomaticFunctionCallingConfig = to_afc_config(
        typed.automatic_function_calling, path=f"{path}.automatic_function_calling"
    )
    functions = FunctionTable.from_tools(typed.tools, path=f"{path}.tools")
    detection = setup.realtime_input_config.automatic_activity_detection
    return LiveSettings(
        setup=setup,
        functions=functions,
        automatic_calls=functions is not None and not afc.disable,
        manual_activity=detection.disabled,
        resumption=setup.HasField("session_resumption"),
        metadata=check_metadata(typed.metadata, f"{path}.metadata"),
    )


def build_setup(
    model: str, config: LiveConfigLike | None = None, *, handle: str | None = None, path: str = "config"
) -> pb.BidiGenerateContentSetup:
    """The ``BidiGenerateContentSetup`` for ``model`` and ``config``; ``handle`` resumes a session.

    >>> build_setup("m", {"session_resumption": False}).HasField("session_resumption")
    False
    """
    setup = to_live_settings(model, config, path=path).setup
    return with_handle(setup, handle)


def with_handle(setup: pb.BidiGenerateContentSetup, handle: str | None) -> pb.BidiGenerateContentSetup:
    """A copy of ``setup`` that resumes from ``handle`` (None: as it is, a new session)."""
    if handle is None:
        return setup
    resumed = pb.BidiGenerateContentSetup()
    resumed.CopyFrom(setup)
    resumed.session_resumption.handle = handle
    return resumed


def _setup(model: str, config: LiveConnectConfig, path: str) -> pb.BidiGenerateContentSetup:
    setup = pb.BidiGenerateContentSetup(model=to_model_name(model, path="model"))
    generation = _generation(config, path)
    if generation.ByteSize():
        setup.generation_config.CopyFrom(generation)
    if config.system_instruction is not None:
        instruction = to_content(config.system_instruction, path=f"{path}.system_instruction")
        for i, part in enumerate(instruction.parts):
            if part.WhichOneof("data") != "text":
                raise ValueError(
                    f"{path}.system_instruction.parts[{i}]: a live session's system instruction takes "
                    f"text parts only; got a {part.WhichOneof('data')} part"
                )
        setup.system_instruction.CopyFrom(instruction)
    if config.tools is not None:
        setup.tools.extend(to_tools(config.tools, path=f"{path}.tools"))
    if config.realtime_input_config is not None:
        setup.realtime_input_config.CopyFrom(
            to_message(
                pb.RealtimeInputConfig, config.realtime_input_config, path=f"{path}.realtime_input_config"
            )
        )
        _check_detection(setup.realtime_input_config, f"{path}.realtime_input_config")
    resumption = config.session_resumption
    if resumption is None or resumption is True:
        setup.session_resumption.SetInParent()
    elif resumption is not False:
        setup.session_resumption.CopyFrom(
            to_message(pb.SessionResumptionConfig, resumption, path=f"{path}.session_resumption")
        )
    if config.context_window_compression is not None:
        compression = to_message(
            pb.ContextWindowCompressionConfig,
            config.context_window_compression,
            path=f"{path}.context_window_compression",
        )
        _check_compression(compression, f"{path}.context_window_compression")
        setup.context_window_compression.CopyFrom(compression)
    for name in ("input_audio_transcription", "output_audio_transcription"):
        value = getattr(config, name)
        if value is None or value is False:
            continue
        target = getattr(setup, name)
        if value is True:
            target.SetInParent()
        else:
            target.CopyFrom(to_message(pb.AudioTranscriptionConfig, value, path=f"{path}.{name}"))
    return setup


def _generation(config: LiveConnectConfig, path: str) -> pb.GenerationConfig:
    generation: Any = pb.GenerationConfig()
    if config.generation_config is not None:
        generation.CopyFrom(to_generation_config(config.generation_config, path=f"{path}.generation_config"))
    for name in _GENERATION_SINGLES:
        value = getattr(config, name)
        if value is not None:
            generation.ClearField(name)
            set_field(generation, name, value, path=f"{path}.{name}")
    if config.response_modalities is not None:
        generation.ClearField("response_modalities")
        generation.response_modalities.extend(
            _modalities(config.response_modalities, f"{path}.response_modalities")
        )
    elif len(generation.response_modalities):
        names = [pb.GenerationConfig.Modality.Name(m) for m in generation.response_modalities]
        generation.ClearField("response_modalities")
        generation.response_modalities.extend(
            _modalities(names, f"{path}.generation_config.response_modalities")
        )
    for name in _NOT_LIVE:
        field = pb.GenerationConfig.DESCRIPTOR.fields_by_name.get(name)
        if field is None:
            continue
        if field.is_repeated:
            present = len(getattr(generation, name)) > 0
        elif field.has_presence:
            present = generation.HasField(name)
        else:
            present = getattr(generation, name) != field.default_value
        if present:
            raise ValueError(f"{path}.{name}: live sessions do not take {name}; remove it")
    if generation.HasField("candidate_count") and generation.candidate_count != 1:
        raise ValueError(
            f"{path}.candidate_count: a live session has one candidate; got {generation.candidate_count}"
        )
    checked: pb.GenerationConfig = generation
    return checked


def _modalities(value: Any, path: str) -> list[Any]:
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise type_error(path, 'a list such as ["TEXT"] or ["AUDIO"]', value)
    out: list[Any] = []
    for i, item in enumerate(value):
        name = item if isinstance(item, str) else getattr(item, "name", item)
        if isinstance(name, int) and not isinstance(name, bool):
            name = pb.GenerationConfig.Modality.Name(name) if name in (1, 2, 3) else str(name)  # type: ignore[arg-type]
        key = str(name).upper().removeprefix("MODALITY_")
        if key not in _MODALITIES:
            raise ValueError(f"{path}[{i}]: a live session answers in TEXT or AUDIO; got {item!r:.40}")
        if _MODALITIES[key] not in out:
            out.append(_MODALITIES[key])
    if len(out) > 1:
        raise ValueError(f"{path}: a live session answers in one modality, TEXT or AUDIO, not both")
    return out


def _check_detection(config: pb.RealtimeInputConfig, path: str) -> None:
    detection = config.automatic_activity_detection
    for name in ("prefix_padding_ms", "silence_duration_ms"):
        if detection.HasField(name) and getattr(detection, name) < 0:
            raise ValueError(f"{path}.automatic_activity_detection.{name}: expected milliseconds >= 0")


def _check_compression(config: pb.ContextWindowCompressionConfig, path: str) -> None:
    trigger = config.trigger_tokens if config.HasField("trigger_tokens") else None
    if trigger is not None and trigger <= 0:
        raise ValueError(f"{path}.trigger_tokens: expected a token count > 0; got {trigger}")
    window = config.sliding_window
    if config.HasField("sliding_window") and window.HasField("target_tokens"):
        target = window.target_tokens
        if target <= 0:
            raise ValueError(f"{path}.sliding_window.target_tokens: expected a token count > 0; got {target}")
        if trigger is not None and target >= trigger:
            raise ValueError(
                f"{path}.sliding_window.target_tokens: must be below trigger_tokens ({trigger}); got {target}"
            )
