"""gRPC channels and calls from ChannelSettings: channel options, the per-call metadata, the
multicallables both transports cache. Nothing here issues an RPC.

    >>> from genai._transport.settings import ChannelSettings
    >>> options = dict(channel_options(ChannelSettings(), distinct_connection=False))
    >>> options["grpc.keepalive_permit_without_calls"]
    0
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import grpc
import grpc.aio
import grpc.experimental
from google.protobuf.message import Message

from genai._transport.settings import ChannelSettings
from genai.errors import UsageError

__all__ = [
    "BIDI",
    "SERVER_STREAM",
    "UNARY",
    "CallKey",
    "M",
    "Metadata",
    "base_metadata",
    "build_callable",
    "channel_options",
    "closed_error",
    "open_aio_channel",
    "open_channel",
]

M = TypeVar("M", bound=Message)
Metadata = tuple[tuple[str, str | bytes], ...]  # "-bin" keys carry bytes


def channel_options(settings: ChannelSettings, *, distinct_connection: bool) -> list[tuple[str, Any]]:
    """grpc channel args derived from the settings; ``extra_options`` win over derived values."""
    options: dict[str, Any] = {
        "grpc.max_send_message_length": settings.max_message_bytes,
        "grpc.max_receive_message_length": settings.max_message_bytes,
        "grpc.keepalive_time_ms": settings.keepalive_time_ms,
        "grpc.keepalive_timeout_ms": settings.keepalive_timeout_ms,
        # Servers count pings on an idle connection as abuse; a long quiet stream still gets them.
        "grpc.keepalive_permit_without_calls": 0,
        "grpc.http2.max_pings_without_data": 0,
        "grpc.primary_user_agent": settings.user_agent,
    }
    if settings.tls_server_name is not None:
        options["grpc.ssl_target_name_override"] = settings.tls_server_name
    if distinct_connection:
        # Without a per-channel subchannel pool, channels with equal args share one connection.
        options["grpc.use_local_subchannel_pool"] = 1
    options.update(settings.extra_options)
    return list(options.items())


def base_metadata(settings: ChannelSettings) -> Metadata:
    """The metadata sent on every call, computed once per transport."""
    metadata = [("x-goog-api-client", settings.user_agent)]
    if settings.api_key is not None:
        metadata.insert(0, ("x-goog-api-key", settings.api_key))
    return tuple(metadata)


def open_channel(settings: ChannelSettings) -> grpc.Channel:
    """A sync channel (lazy: it connects on the first call)."""
    options = channel_options(settings, distinct_connection=False)
    # Server streams are read on the caller's thread, with no hand-off from gRPC's polling thread:
    # about a quarter less client CPU per streamed message (docs/benchmarks.md).
    options.insert(0, (grpc.experimental.ChannelOptions.SingleThreadedUnaryStream, 1))
    if settings.insecure:
        return grpc.insecure_channel(settings.endpoint, options=options)
    credentials = grpc.ssl_channel_credentials(settings.root_certificates)
    return grpc.secure_channel(settings.endpoint, credentials, options=options)


def open_aio_channel(settings: ChannelSettings) -> grpc.aio.Channel:
    """An asyncio channel bound to the running loop, with its own connection."""
    options = channel_options(settings, distinct_connection=True)
    if settings.insecure:
        return grpc.aio.insecure_channel(settings.endpoint, options=options)
    credentials = grpc.ssl_channel_credentials(settings.root_certificates)
    return grpc.aio.secure_channel(settings.endpoint, credentials, options=options)


# Call kinds in the callable cache key: (method, kind, request class, response class).
UNARY, SERVER_STREAM, BIDI = 0, 1, 2
CallKey = tuple[str, int, type[Any], type[Any]]


def _serialize_any(message: Any) -> bytes:
    # Bidi requests are not typed up front; accept pre-serialised bytes there too.
    if isinstance(message, bytes):
        return message
    data: bytes = message.SerializeToString()
    return data


def _request_serializer(request_class: Any) -> Callable[[Any], bytes] | None:
    if request_class is bytes:
        return None  # grpc passes bytes through untouched when the serializer is None
    if issubclass(request_class, (bytearray, memoryview)):
        return bytes
    if request_class is object:
        return _serialize_any
    serializer: Callable[[Any], bytes] = request_class.SerializeToString
    return serializer


def build_callable(channel: Any, key: CallKey) -> Any:
    """A multicallable for ``key`` on a sync or aio channel (both have the same factory names).

    ``_registered_method=True`` is what the generated stubs pass: the method path is registered
    with the core once instead of being interned on every call.
    """
    method, kind, request_class, response_class = key
    if kind == UNARY:
        factory = channel.unary_unary
    elif kind == SERVER_STREAM:
        factory = channel.unary_stream
    else:
        factory = channel.stream_stream
    return factory(
        method,
        request_serializer=_request_serializer(request_class),
        response_deserializer=response_class.FromString,
        _registered_method=True,
    )


def closed_error(what: str) -> UsageError:
    """The error for a call on a closed transport."""
    return UsageError(f"{what} is closed")
