"""Live sessions over WebSocket: the URL, the handshake headers, TLS, the JSON codec, close codes.

    >>> websocket_url(ChannelSettings(endpoint="127.0.0.1:1", http_endpoint="127.0.0.1:8080", insecure=True))
    'ws://127.0.0.1:8080/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent'

The API takes the JSON form of the BidiGenerateContent messages on
``wss://{http_endpoint}/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent``
(``ws://`` when the client is ``insecure=True``), the key in the ``x-goog-api-key`` handshake header,
never in the URL. Messages go out as camelCase JSON (bytes base64) in text frames; frames in either
form (text or binary) and either spelling of the field names come in. A message of a kind this
version does not know is delivered with its JSON fields (``unknown_json``: the top-level ones this
version does not know, as the server sent them); inside a message of a known kind, unknown JSON
fields are dropped (a parsed message has nowhere to keep them, unlike the unknown fields of the
binary form over gRPC, which ``raw`` keeps). The two backends (the
``websockets`` library's sync and asyncio clients) are ``ws_sync.WebSocketStream`` and
``ws_aio.AsyncWebSocketStream``, shaped like the gRPC bidi streams (``write``, ``read``,
``done_writing``, ``cancel``). ``websockets`` is an optional dependency (``pip install genai[live]``).
"""

from __future__ import annotations

import base64
import importlib
import json
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import grpc
from google.protobuf import json_format

from genai._transport.settings import ChannelSettings
from genai._wire import messages as pb

if TYPE_CHECKING:
    import ssl

from genai.errors import (
    APIError,
    DeadlineExceededError,
    InternalError,
    InvalidArgumentError,
    NotFoundError,
    PermissionDeniedError,
    ResourceExhaustedError,
    UnavailableError,
    UnknownError,
    UsageError,
    error_class,
)

__all__ = [
    "LIVE_PATH",
    "decode_server_frame",
    "decode_server_message",
    "encode_client_message",
    "error_for_close",
    "handshake_headers",
    "import_websockets",
    "ssl_context",
    "websocket_url",
]

# Seconds a closing handshake may take before the connection is dropped (a gone peer never answers).
CLOSE_TIMEOUT = 2.0
LIVE_PATH = "/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent"

# Close codes that mean the connection was lost rather than the session refused: a live session
# resumes after them. 1001 going away, 1006 abnormal (no close frame), 1011 server error,
# 1012 service restart, 1013 try again later.
DROP_CODES = frozenset({1001, 1006, 1011, 1012, 1013})


class _RedactKey(logging.Filter):
    """Hides the key in ``websockets``' debug log of the handshake headers ("> x-goog-api-key: ...")."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 2 and str(args[0]).lower() == "x-goog-api-key":
            record.args = (args[0], "<redacted>")
        return True


LOGGER = logging.getLogger("genai.websocket")
"""The logger the WebSocket connections log to (``websockets``' messages; the key is never shown)."""
LOGGER.addFilter(_RedactKey())


def import_websockets(module: str) -> Any:
    """``websockets.<module>``, or a clear error naming the extra to install."""
    try:
        return importlib.import_module(f"websockets.{module}")
    except ImportError as err:
        raise UsageError(
            "live sessions over WebSocket need the 'websockets' package: pip install 'genai[live]' "
            "(or use the default transport='grpc')"
        ) from err


def websocket_url(settings: ChannelSettings) -> str:
    """The live endpoint's URL; it never carries the key."""
    scheme = "ws" if settings.insecure else "wss"
    return f"{scheme}://{settings.http_target}{LIVE_PATH}"


def handshake_headers(
    settings: ChannelSettings, metadata: Sequence[tuple[str, str | bytes]] = ()
) -> list[tuple[str, str]]:
    """The opening handshake's extra headers: the key (when there is one), then ``metadata``.

    >>> handshake_headers(ChannelSettings(api_key="k"), [("x-trace", "1"), ("x-id-bin", b"\\x01")])
    [('x-goog-api-key', '<redacted>'), ('x-trace', '1'), ('x-id-bin', 'AQ==')]

    ``metadata`` is checked gRPC metadata (genai._transport.checks); a ``-bin`` key's bytes go as
    base64, as gRPC writes them in its HTTP/2 headers.
    """
    headers = [("x-goog-api-key", settings.api_key)] if settings.api_key else []
    for key, value in metadata:
        if isinstance(value, bytes | bytearray | memoryview):
            value = base64.b64encode(bytes(value)).decode("ascii")
        headers.append((key, value))
    return headers


def ssl_context(settings: ChannelSettings) -> ssl.SSLContext | None:
    """The TLS context (None for ``ws://``): the client's root certificates, else the system's."""
    if settings.insecure:
        return None
    import ssl  # here: only WebSocket sessions need it, and it costs milliseconds at import

    roots = settings.root_certificates
    try:
        return ssl.create_default_context(
            cadata=roots.decode("ascii", "replace") if roots is not None else None
        )
    except ssl.SSLError as err:
        raise ValueError(f"root_certificates: not usable PEM certificates ({err.reason or err})") from None


def encode_client_message(message: Any) -> str:
    """A client message as the JSON the API takes (camelCase, bytes base64); bytes pass through as text."""
    if isinstance(message, bytes):
        parsed = pb.BidiGenerateContentClientMessage.FromString(message)
        message = parsed
    return json.dumps(json_format.MessageToDict(message), separators=(",", ":"))


def decode_server_message(frame: str | bytes) -> pb.BidiGenerateContentServerMessage:
    """A server message from a text or binary JSON frame (camelCase or snake_case; unknown fields dropped)."""
    return decode_server_frame(frame)[0]


def decode_server_frame(
    frame: str | bytes,
) -> tuple[pb.BidiGenerateContentServerMessage, dict[str, Any] | None]:
    """A server message from a frame, and the top-level JSON fields this version does not know.

    >>> message, unknown = decode_server_frame('{"usageMetadata": {"totalTokenCount": 5}, "newKind": {}}')
    >>> message.usage_metadata.total_token_count, unknown
    (5, {'newKind': {}})

    The unknown fields are looked for only in a message of a kind this version does not know (no
    field of ``message_type`` set): the rest (every audio chunk) are parsed once.
    """
    try:
        text = frame.decode("utf-8") if isinstance(frame, bytes | bytearray) else frame
        message = pb.BidiGenerateContentServerMessage()
        json_format.Parse(text, message, ignore_unknown_fields=True)
    except (json_format.ParseError, UnicodeDecodeError) as err:
        raise UnknownError(
            f"the server sent a frame that is not a BidiGenerateContentServerMessage: {err}",
            code=grpc.StatusCode.UNKNOWN,
        ) from None
    if message.WhichOneof("message_type") is not None:
        return message, None
    fields = json.loads(text)
    unknown = {key: value for key, value in fields.items() if key not in _KNOWN_KEYS}
    return message, unknown or None


_KNOWN_KEYS = frozenset(
    name
    for field in pb.BidiGenerateContentServerMessage.DESCRIPTOR.fields
    for name in (field.name, field.json_name)
)


def error_for_close(code: int | None, reason: str) -> APIError | None:
    """The error a close frame stands for (None for a normal close, 1000).

    >>> type(error_for_close(1006, "")).__name__, error_for_close(1000, "bye")
    ('UnavailableError', None)

    1001/1006/1012/1013 (and no close frame): ``UnavailableError``; 1007: ``InvalidArgumentError``;
    1008: ``NotFoundError`` when the reason says something was not found (an unknown model),
    else ``PermissionDeniedError`` (a key, a permission, a policy); 1011: ``ResourceExhaustedError``
    when the reason is about quota, ``DeadlineExceededError`` when it names a deadline, else
    ``InternalError`` (the one 1011 a live session treats as a dropped connection); others
    ``UnknownError``. The error carries ``websocket_close_code``.
    """
    if code in (1000, None) and code is not None:
        return None
    text = reason or "no reason given"
    shown = f"the WebSocket closed with code {code}: {text}"
    error: APIError
    if code in (1001, 1006, 1012, 1013) or code is None:
        error = UnavailableError(shown, code=grpc.StatusCode.UNAVAILABLE)
    elif code == 1011 and _says_quota(text):
        # The server's error close also carries quota refusals, which gRPC reports as
        # RESOURCE_EXHAUSTED: the same error on both transports, and not a dropped connection.
        error = ResourceExhaustedError(shown, code=grpc.StatusCode.RESOURCE_EXHAUSTED)
    elif code == 1011 and "deadline" in text.lower():
        error = DeadlineExceededError(shown, code=grpc.StatusCode.DEADLINE_EXCEEDED)
    elif code == 1011:
        error = InternalError(shown, code=grpc.StatusCode.INTERNAL)
    elif code == 1007:
        error = InvalidArgumentError(shown, code=grpc.StatusCode.INVALID_ARGUMENT)
    elif code == 1008 and _names_a_missing_thing(text):
        # The policy close also stands for an unknown model (or one without live sessions), which
        # gRPC reports as NOT_FOUND: the same error class on both transports.
        error = NotFoundError(shown, code=grpc.StatusCode.NOT_FOUND)
    elif code == 1008:
        error = PermissionDeniedError(shown, code=grpc.StatusCode.PERMISSION_DENIED)
    else:
        error = UnknownError(shown, code=grpc.StatusCode.UNKNOWN)
    setattr(error, "websocket_close_code", code)  # noqa: B010  # read by is_drop
    return error


def _says_quota(reason: str) -> bool:
    lowered = reason.lower()
    return "quota" in lowered or "resource exhausted" in lowered or "resource_exhausted" in lowered


def _names_a_missing_thing(reason: str) -> bool:
    lowered = reason.lower()
    return "not found" in lowered or "is not supported for" in lowered


def is_drop(error: BaseException) -> bool:
    """Whether an error means the connection was lost (a live session resumes) rather than refused.

    >>> is_drop(UnavailableError("reset")), is_drop(InvalidArgumentError("bad"))
    (True, False)
    """
    if isinstance(error, UnavailableError):
        return True
    if isinstance(error, ResourceExhaustedError | DeadlineExceededError):
        return False  # a refusal the close code (1011) shares with internal errors: not a drop
    return getattr(error, "websocket_close_code", None) in DROP_CODES


def closed_error(err: Any) -> APIError | None:
    """The error for a ``websockets`` ConnectionClosed (None when it was a normal close)."""
    received = getattr(err, "rcvd", None)
    if received is None:
        return error_for_close(1006, "the connection was lost without a close frame")
    return error_for_close(int(received.code), str(received.reason))


def handshake_error(err: BaseException) -> APIError:
    """The error for a failed opening handshake (an HTTP status, or no connection at all)."""
    response = getattr(err, "response", None)
    status = getattr(response, "status_code", None)
    if status is None:
        return UnavailableError(f"could not open the WebSocket: {err}", code=grpc.StatusCode.UNAVAILABLE)
    body = getattr(response, "body", b"") or b""
    text = f"the WebSocket handshake was refused with HTTP {status}: {body[:200].decode('utf-8', 'replace')}"
    codes = {
        400: grpc.StatusCode.INVALID_ARGUMENT,
        401: grpc.StatusCode.UNAUTHENTICATED,
        403: grpc.StatusCode.PERMISSION_DENIED,
        404: grpc.StatusCode.NOT_FOUND,
        429: grpc.StatusCode.RESOURCE_EXHAUSTED,
    }
    code = codes.get(status, grpc.StatusCode.UNAVAILABLE if status >= 500 else grpc.StatusCode.UNKNOWN)
    return error_class(code)(text, code=code)
