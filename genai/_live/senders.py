"""What the three senders of a live session put on the wire: their input coerced, misuse refused.

    >>> client_content("Hi").client_content.turns[0].parts[0].text
    'Hi'
    >>> realtime_input(audio=b"\\x00\\x00" * 320).realtime_input.audio.mime_type
    'audio/pcm;rate=16000'

Every function returns one ``BidiGenerateContentClientMessage`` and raises ``TypeError`` /
``ValueError`` naming the argument; nothing here does I/O.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any, TypeAlias

from genai._coercion.base import type_error
from genai._coercion.content import ContentsLike, to_blob, to_contents
from genai._coercion.dicts import to_message
from genai._wire import messages as pb

__all__ = [
    "AUDIO_MIME_TYPE",
    "AudioLike",
    "FunctionResponsesLike",
    "VideoLike",
    "client_content",
    "realtime_input",
    "tool_response",
]

AUDIO_MIME_TYPE = "audio/pcm;rate=16000"
"""The default mime type of realtime audio: 16-bit little-endian PCM, mono, 16 kHz."""

AudioLike: TypeAlias = "bytes | bytearray | memoryview | pb.Blob | Mapping[str, Any]"
"""Realtime audio: raw bytes (``AUDIO_MIME_TYPE`` unless ``mime_type=``), a Blob, or its dict."""
VideoLike: TypeAlias = "bytes | bytearray | memoryview | pb.Blob | Mapping[str, Any] | Any"
"""A video frame: JPEG/PNG bytes (type sniffed), a Blob, its dict, or a PIL image."""
FunctionResponsesLike: TypeAlias = (
    "pb.FunctionResponse | Mapping[str, Any] | Sequence[pb.FunctionResponse | Mapping[str, Any]]"
)
"""One FunctionResponse (or its dict) or a list of them."""

# What the Live API takes as realtime audio: raw PCM (any rate given as ``;rate=``), and these.
_AUDIO_TYPES = ("audio/pcm", "audio/l16")
_VIDEO_TYPES = ("image/jpeg", "image/png", "image/webp")


def client_content(
    turns: ContentsLike | None = None, turn_complete: bool = True
) -> pb.BidiGenerateContentClientMessage:
    """A ``client_content`` message: ``turns`` (anything ``contents=`` takes), whether the turn is complete.

    >>> client_content(turn_complete=True).client_content.turn_complete
    True
    """
    if not isinstance(turn_complete, bool):
        raise type_error("turn_complete", "True or False", turn_complete)
    content = pb.BidiGenerateContentClientContent(turn_complete=turn_complete)
    if turns is not None:
        content.turns.extend(to_contents(turns, path="turns"))
    return pb.BidiGenerateContentClientMessage(client_content=content)


def realtime_input(
    *,
    audio: AudioLike | None = None,
    video: VideoLike | None = None,
    text: str | None = None,
    activity_start: MarkerLike = False,
    activity_end: MarkerLike = False,
    audio_stream_end: bool = False,
    mime_type: str | None = None,
    manual_activity: bool | None = None,
    media: Any = None,
) -> pb.BidiGenerateContentClientMessage:
    """A ``realtime_input`` message carrying exactly one of its kinds.

    >>> realtime_input(text="hello").realtime_input.text
    'hello'

    ``manual_activity`` is the session's mode: activity markers are refused unless it is True
    (automatic activity detection decides turns), ``audio_stream_end`` unless it is False.
    ``activity_start``/``activity_end``: True, an ActivityStart/ActivityEnd message or a dict (as
    google-genai passes ``types.ActivityStart()``). ``media``: the older google-genai form, a Blob
    (or its dict) sent as audio or video by its mime type.
    """
    if (
        type(audio) is bytes
        and audio
        and video is None
        and text is None
        and mime_type is None
        and media is None
        and activity_start is False
        and activity_end is False
        and audio_stream_end is False
    ):  # the hot path: a chunk of PCM at the default rate, many times a second
        chunk = pb.BidiGenerateContentClientMessage()
        blob = chunk.realtime_input.audio
        blob.mime_type = AUDIO_MIME_TYPE
        blob.data = audio
        return chunk
    if media is not None:
        if audio is not None or video is not None:
            raise ValueError("send_realtime_input: give media= or audio=/video=, not both")
        expected = "a types.Blob or {'mime_type': ..., 'data': ...}"
        blob = to_message(pb.Blob, media, path="media", expected=expected)
        if blob.mime_type.split(";")[0].strip().lower() in _AUDIO_TYPES:
            audio = blob
        elif blob.mime_type.lower() in _VIDEO_TYPES:
            video = blob
        else:
            raise ValueError(
                "media: the mime type decides where it goes: audio 'audio/pcm;rate=...' or a video frame "
                f"({', '.join(_VIDEO_TYPES)}); got {blob.mime_type!r}"
            )
    activity_start = _marker("activity_start", activity_start, pb.ActivityStart)
    activity_end = _marker("activity_end", activity_end, pb.ActivityEnd)
    given = [
        name
        for name, value in (
            ("audio", audio is not None),
            ("video", video is not None),
            ("text", text is not None),
            ("activity_start", activity_start),
            ("activity_end", activity_end),
            ("audio_stream_end", audio_stream_end),
        )
        if value
    ]
    kinds = "audio=, video=, text=, activity_start=True, activity_end=True or audio_stream_end=True"
    if len(given) != 1:
        got = "none" if not given else ", ".join(given)
        raise ValueError(f"send_realtime_input: give exactly one of {kinds}; got {got}")
    if mime_type is not None and given[0] not in ("audio", "video"):
        raise ValueError("mime_type: only for audio= or video=")
    message = pb.BidiGenerateContentRealtimeInput()
    kind = given[0]
    for flag in ("activity_start", "activity_end", "audio_stream_end"):
        value = {
            "activity_start": activity_start,
            "activity_end": activity_end,
            "audio_stream_end": audio_stream_end,
        }[flag]
        if not isinstance(value, bool):
            raise type_error(flag, "True or False", value)
    if kind in ("activity_start", "activity_end") and manual_activity is False:
        raise ValueError(
            f"{kind}: activity markers are only taken when automatic activity detection is off; connect with "
            "config={'realtime_input_config': {'automatic_activity_detection': {'disabled': True}}}"
        )
    if kind == "audio_stream_end" and manual_activity is True:
        raise ValueError(
            "audio_stream_end: only with automatic activity detection; with it off, end the turn with "
            "activity_end=True"
        )
    if kind == "audio":
        message.audio.CopyFrom(_audio(audio, mime_type))
    elif kind == "video":
        message.video.CopyFrom(_video(video, mime_type))
    elif kind == "text":
        if not isinstance(text, str):
            raise type_error("text", "a str", text)
        message.text = text
    elif kind == "activity_start":
        message.activity_start.SetInParent()
    elif kind == "activity_end":
        message.activity_end.SetInParent()
    else:
        message.audio_stream_end = True
    return pb.BidiGenerateContentClientMessage(realtime_input=message)


MarkerLike = bool | pb.ActivityStart | pb.ActivityEnd | Mapping[str, Any]


def _marker(name: str, value: Any, message_type: type[Any]) -> bool:
    """Whether an activity marker is given: True/False, its message, or a dict (empty: given)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, message_type | Mapping):
        to_message(message_type, value, path=name)  # checks the dict's keys (there are none)
        return True
    raise type_error(name, f"True, a types.{message_type.__name__}() or {{}}", value)


def _audio(value: Any, mime_type: str | None) -> pb.Blob:
    if isinstance(value, bytes | bytearray | memoryview):
        blob = pb.Blob(mime_type=mime_type or AUDIO_MIME_TYPE, data=bytes(value))
    elif isinstance(value, pb.Blob | Mapping):
        blob = to_message(
            pb.Blob, value, path="audio", expected="bytes, types.Blob or {'mime_type': ..., 'data': ...}"
        )
        if mime_type is not None:
            blob.mime_type = mime_type
        elif not blob.mime_type:
            blob.mime_type = AUDIO_MIME_TYPE
    else:
        raise type_error(
            "audio", "PCM bytes, a types.Blob or {'mime_type': 'audio/pcm;rate=16000', 'data': ...}", value
        )
    base = blob.mime_type.split(";")[0].strip().lower()
    if base not in _AUDIO_TYPES:
        raise ValueError(
            "audio: the Live API takes raw 16-bit PCM ('audio/pcm;rate=16000', any rate); "
            f"got mime type {blob.mime_type!r}"
        )
    for param in blob.mime_type.split(";")[1:]:
        key, _, rate = param.partition("=")
        if key.strip().lower() == "rate" and not (rate.strip().isdigit() and int(rate) > 0):
            raise ValueError(f"audio: the rate in {blob.mime_type!r} must be a positive whole number of Hz")
    if not blob.data:
        raise ValueError("audio: empty data")
    return blob


def _video(value: Any, mime_type: str | None) -> pb.Blob:
    if (type(value).__module__ or "").startswith("PIL.") and hasattr(value, "save"):
        blob = _frame(value)
    elif isinstance(value, bytes | bytearray | memoryview) and mime_type is not None:
        blob = pb.Blob(mime_type=mime_type, data=bytes(value))
    elif isinstance(value, bytes | bytearray | memoryview | pb.Blob | Mapping):
        blob = to_blob(value, path="video")
        if mime_type is not None:
            blob.mime_type = mime_type
    else:
        raise type_error(
            "video", "JPEG/PNG bytes, a PIL image, a types.Blob or {'mime_type': ..., 'data': ...}", value
        )
    if blob.mime_type.lower() not in _VIDEO_TYPES:
        raise ValueError(
            f"video: a frame must be one of {', '.join(_VIDEO_TYPES)}; got mime type {blob.mime_type!r}"
        )
    return blob


def _frame(image: Any) -> pb.Blob:
    """JPEG bytes of a PIL image (PNG for modes JPEG cannot hold, such as RGBA)."""
    buffer = io.BytesIO()
    try:
        image.save(buffer, format="JPEG")
        return pb.Blob(mime_type="image/jpeg", data=buffer.getvalue())
    except (OSError, ValueError, KeyError):
        buffer = io.BytesIO()
    try:
        image.save(buffer, format="PNG")
    except Exception as exc:
        raise ValueError(f"video: could not encode the image: {exc}") from None
    return pb.Blob(mime_type="image/png", data=buffer.getvalue())


def tool_response(function_responses: FunctionResponsesLike) -> pb.BidiGenerateContentClientMessage:
    """A ``tool_response`` message: one FunctionResponse (or its dict) or a list of them.

    >>> message = tool_response({"id": "c1", "name": "f", "response": {"ok": True}})
    >>> message.tool_response.function_responses[0].id
    'c1'
    """
    items: Sequence[Any]
    if isinstance(function_responses, pb.FunctionResponse | Mapping):
        items = [function_responses]
    elif isinstance(function_responses, Sequence) and not isinstance(function_responses, str | bytes):
        items = function_responses
    else:
        raise type_error(
            "function_responses", "a FunctionResponse, its dict, or a list of them", function_responses
        )
    if not items:
        raise ValueError("function_responses: empty list; give at least one response")
    response = pb.BidiGenerateContentToolResponse()
    for i, item in enumerate(items):
        path = f"function_responses[{i}]"
        message = to_message(pb.FunctionResponse, item, path=path)
        if not message.name:
            raise ValueError(f"{path}: a function response needs the name of the call it answers")
        response.function_responses.append(message)
    return pb.BidiGenerateContentClientMessage(tool_response=response)
