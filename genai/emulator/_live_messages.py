"""The server messages of live sessions, and how sessions fail (pure): builders for the engine
(`_live`), the unknown message of x-emulator-live-unknown, and LiveClose, which tells the WebSocket
front end how to close.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import grpc
from genai_protos import content_pb2, generative_service_pb2

from . import _tokens
from ._generate import CandidateReply, Reply
from ._live_audio import OUTPUT_MIME, accepts_input, spoken
from ._status import RpcFailure, invalid_argument

gs = generative_service_pb2
ServerMessage = gs.BidiGenerateContentServerMessage

WORDS_PER_CHUNK = 4
UNKNOWN_FIELD = 99  # the field number of x-emulator-live-unknown's message
UNKNOWN_JSON_KEY = "emulatorUnknownMessage"


@dataclass(frozen=True)
class Unrecognized:
    """A server message of a kind clients do not know: `wire` is a BidiGenerateContentServerMessage
    holding only field UNKNOWN_FIELD (protobuf keeps it as an unknown field), `json` its JSON form."""

    wire: ServerMessage
    json: str


Outgoing = ServerMessage | Unrecognized


class LiveClose(RpcFailure):
    """A session's end other than normal; `abrupt`: the connection is dropped (a WebSocket is cut
    without a close frame); `going_away`: the server ends it (a WebSocket closes with 1001)."""

    def __init__(self, failure: RpcFailure, *, abrupt: bool = False, going_away: bool = False) -> None:
        super().__init__(failure.code, failure.message, failure.details)
        self.abrupt = abrupt
        self.going_away = going_away


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def unrecognized() -> Unrecognized:
    """The message x-emulator-live-unknown sends: `unrecognized().wire.WhichOneof("message_type")` is None."""
    note = b"a server message of a kind this client does not know (sent by the genai emulator)"
    wire = ServerMessage.FromString(_varint(UNKNOWN_FIELD << 3 | 2) + _varint(len(note)) + note)
    return Unrecognized(wire, json.dumps({UNKNOWN_JSON_KEY: {"note": note.decode()}}))


def invalid(field: str, problem: str) -> RpcFailure:
    return invalid_argument("BidiGenerateContentClientMessage", [(field, problem)])


def internal(exc: Exception) -> RpcFailure:
    return RpcFailure(grpc.StatusCode.INTERNAL, f"genai emulator error: {exc!r}")


def not_found_handle() -> RpcFailure:
    return RpcFailure(
        grpc.StatusCode.NOT_FOUND,
        "BidiGenerateContent session not found: the session resumption handle is unknown or has expired "
        "(start a new session without it).",
    )


VIDEO_TYPES = ("image/jpeg", "image/png")


def media_kind(field: str, blob: content_pb2.Blob) -> str:
    """ "video" or "audio" for realtime input `field` ("audio", "video", "media_chunks[0]"), or
    RpcFailure when its MIME type is not one the session takes (16 kHz PCM audio, JPEG or PNG)."""
    mime = blob.mime_type.lower()
    if field == "video" or (field != "audio" and mime.startswith("image/")):
        if mime not in VIDEO_TYPES:
            raise invalid(
                f"realtime_input.{field}.mime_type",
                f"video frames must be image/jpeg or image/png, got {blob.mime_type!r}",
            )
        return "video"
    if not accepts_input(mime):
        raise invalid(
            f"realtime_input.{field}.mime_type",
            f"realtime audio must be 16 kHz 16-bit PCM (audio/pcm;rate=16000), got {mime!r}",
        )
    return "audio"


def time_limit() -> RpcFailure:
    """How a connection ends when the time_left of its GoAway has run out."""
    return RpcFailure(
        grpc.StatusCode.UNAVAILABLE,
        "The connection reached its time limit (announced by GoAway); resume the session on a new "
        "connection.",
    )


def cancellation(ids: list[str]) -> ServerMessage:
    """A tool_call_cancellation of the calls `ids`."""
    return ServerMessage(tool_call_cancellation=gs.BidiGenerateContentToolCallCancellation(ids=ids))


def setup_complete() -> ServerMessage:
    message = ServerMessage()
    message.setup_complete.SetInParent()
    return message


def content(**fields: object) -> ServerMessage:
    return ServerMessage(server_content=gs.BidiGenerateContentServerContent(**fields))  # type: ignore[arg-type]


def pieces(words: list[str], chunks: int | None) -> list[list[str]]:
    """The words of a reply in message-sized groups: WORDS_PER_CHUNK each, or exactly `chunks`."""
    if not words:
        return []
    if chunks is None:
        return [words[i : i + WORDS_PER_CHUNK] for i in range(0, len(words), WORDS_PER_CHUNK)]
    count = min(chunks, len(words))
    size, extra = divmod(len(words), count)
    out, start = [], 0
    for i in range(count):
        end = start + size + (i < extra)
        out.append(words[start:end])
        start = end
    return out


def chunk_message(text: str, words: list[str], audio: bool, transcription: bool) -> ServerMessage:
    """One message of a model turn: `text` (the words `words`), or their audio when `audio`, with
    `text` as its output transcription when `transcription`."""
    if not audio:
        return content(model_turn=content_pb2.Content(role="model", parts=[content_pb2.Part(text=text)]))
    part = content_pb2.Part(inline_data=content_pb2.Blob(mime_type=OUTPUT_MIME, data=spoken(words)))
    message = content(model_turn=content_pb2.Content(role="model", parts=[part]))
    if transcription:
        message.server_content.output_transcription.text = text
    return message


def usage(reply: Reply, candidate: CandidateReply | None, audio: bool) -> gs.UsageMetadata:
    """A turn's usage: the prompt as GenerateContent counts it, the reply's text tokens."""
    prompt = reply.usage.prompt_token_count
    answer = _tokens.text_tokens(candidate.text) if candidate is not None else 0
    thoughts = reply.usage.thoughts_token_count
    out = gs.UsageMetadata(
        prompt_token_count=prompt,
        response_token_count=answer,
        thoughts_token_count=thoughts,
        total_token_count=prompt + answer + thoughts,
        prompt_tokens_details=reply.usage.prompt_tokens_details,
    )
    if answer:
        modality = content_pb2.Modality.AUDIO if audio else content_pb2.Modality.TEXT
        out.response_tokens_details.add(modality=modality, token_count=answer)
    return out
