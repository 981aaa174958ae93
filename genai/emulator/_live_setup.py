"""A live session's setup (pure): validation, the settings the session runs with, and the
GenerateContentRequest each of its turns is answered from.

The setup is checked like a GenerateContentRequest's configuration (the model, generation config,
system instruction and tools, with `setup.` before each field path), plus what only live sessions
refuse: more than one response modality or one other than TEXT and AUDIO, several candidates, and
the fields the live API does not take (a response MIME type or schema, log probabilities, stop
sequences). The model must list `bidiGenerateContent` among its supported generation methods.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import grpc
from genai_protos import content_pb2, generative_service_pb2

from . import _catalog
from ._schemas import RequestSchemas
from ._status import RpcFailure
from ._validate import Violations, check_generate, raise_if, resolve_model

gs = generative_service_pb2
Modality = gs.GenerationConfig.Modality
SETUP = "BidiGenerateContentSetup"
METHOD = "bidiGenerateContent"
_UNSUPPORTED = (
    ("response_mime_type", "response_mime_type is not supported in live sessions"),
    ("response_schema", "response_schema is not supported in live sessions"),
    ("response_json_schema", "response_json_schema is not supported in live sessions"),
    ("response_json_schema_ordered", "response_json_schema is not supported in live sessions"),
    ("response_logprobs", "response_logprobs is not supported in live sessions"),
    ("logprobs", "logprobs is not supported in live sessions"),
)


@dataclass(frozen=True)
class LiveConfig:
    """What a validated setup decides for the session."""

    setup: gs.BidiGenerateContentSetup
    entry: _catalog.CatalogEntry
    audio: bool  # response modality AUDIO (else TEXT)
    automatic: bool  # automatic activity detection (else the client sends activity markers)
    interrupts: bool  # user activity interrupts the model (activity_handling)
    silence_bytes: int  # trailing silence that ends a user turn (automatic detection)
    input_transcription: bool
    output_transcription: bool
    resumable: bool  # session_resumption configured: send SessionResumptionUpdate messages
    schemas: RequestSchemas

    def request(self, contents: Sequence[content_pb2.Content]) -> gs.GenerateContentRequest:
        """The GenerateContentRequest a turn over `contents` is answered from."""
        setup = self.setup
        request = gs.GenerateContentRequest(model=setup.model, contents=contents, tools=setup.tools)
        if setup.HasField("system_instruction"):
            request.system_instruction.CopyFrom(setup.system_instruction)
        if setup.HasField("generation_config"):
            request.generation_config.CopyFrom(setup.generation_config)
        return request


DEFAULT_SILENCE_MS = 500
BYTES_PER_MS = 32  # 16 kHz, 16-bit mono input


def _live_violations(setup: gs.BidiGenerateContentSetup) -> Violations:
    found: Violations = []
    config = setup.generation_config
    prefix = "setup.generation_config."
    modalities = list(config.response_modalities)
    if len(modalities) > 1:
        found.append((prefix + "response_modalities", "only one response modality is supported per session"))
    elif modalities and modalities[0] not in (Modality.TEXT, Modality.AUDIO):
        name = Modality.Name(modalities[0])
        found.append((prefix + "response_modalities", f"{name} is not supported; use TEXT or AUDIO"))
    if config.HasField("candidate_count") and config.candidate_count != 1:
        found.append((prefix + "candidate_count", "live sessions produce exactly one candidate"))
    present = {
        "response_mime_type": config.response_mime_type not in ("", "text/plain"),
        "response_schema": config.HasField("response_schema"),
        "response_json_schema": config.HasField("response_json_schema"),
        "response_json_schema_ordered": config.HasField("response_json_schema_ordered"),
        "response_logprobs": config.HasField("response_logprobs"),
        "logprobs": config.HasField("logprobs"),
    }
    for name, problem in _UNSUPPORTED:
        if present[name]:
            found.append((prefix + name, problem))
    if config.stop_sequences:
        found.append((prefix + "stop_sequences", "stop_sequences is not supported in live sessions"))
    for i, part in enumerate(setup.system_instruction.parts):
        if part.WhichOneof("data") != "text":
            found.append((f"setup.system_instruction.parts[{i}]", "system instructions take text parts only"))
    detection = setup.realtime_input_config.automatic_activity_detection
    if detection.HasField("silence_duration_ms") and detection.silence_duration_ms < 0:
        path = "setup.realtime_input_config.automatic_activity_detection.silence_duration_ms"
        found.append((path, "must not be negative"))
    return found


def validate(setup: gs.BidiGenerateContentSetup) -> LiveConfig:
    """The session's settings, or RpcFailure: NOT_FOUND for an unknown model or one without live
    support, INVALID_ARGUMENT (with a BadRequest) for anything else wrong."""
    try:
        entry = resolve_model(SETUP, setup.model, METHOD, field="setup.model")
    except RpcFailure as failure:
        if failure.code != grpc.StatusCode.NOT_FOUND:
            raise
        # The live API words both cases as one (and a WebSocket shows it as a 1008 close).
        raise RpcFailure(
            grpc.StatusCode.NOT_FOUND,
            f"{setup.model} is not found for API version v1beta, or is not supported for {METHOD}. "
            "Call ListModels to see the list of available models and their supported methods.",
        ) from None
    probe = gs.GenerateContentRequest(
        model=setup.model, contents=[content_pb2.Content(role="user")], tools=setup.tools
    )
    probe.contents[0].parts.add(text="-")
    if setup.HasField("generation_config"):
        probe.generation_config.CopyFrom(setup.generation_config)
        probe.generation_config.ClearField("response_modalities")
    found = _live_violations(setup)
    violations, schemas = check_generate(probe, entry, "setup.")
    found += [(field, problem) for field, problem in violations if field not in {f for f, _ in found}]
    raise_if(SETUP, found)
    config = setup.generation_config
    realtime = setup.realtime_input_config
    detection = realtime.automatic_activity_detection
    silence_ms = detection.silence_duration_ms if detection.HasField("silence_duration_ms") else 0
    return LiveConfig(
        setup=setup,
        entry=entry,
        audio=list(config.response_modalities) == [Modality.AUDIO],
        automatic=not (detection.HasField("disabled") and detection.disabled),
        interrupts=realtime.activity_handling != gs.RealtimeInputConfig.ActivityHandling.NO_INTERRUPTION,
        silence_bytes=(silence_ms or DEFAULT_SILENCE_MS) * BYTES_PER_MS,
        input_transcription=setup.HasField("input_audio_transcription"),
        output_transcription=setup.HasField("output_audio_transcription"),
        resumable=setup.HasField("session_resumption"),
        schemas=schemas,
    )
