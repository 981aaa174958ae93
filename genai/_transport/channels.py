"""What the sync and asyncio transports share: settings, channels, callable caches, retry logging.

Part of the transport layer (``_transport.py`` sync, ``_transport_aio.py`` asyncio, this module);
nothing here issues an RPC. ``genai._transport.sync`` re-exports :class:`ChannelSettings`.
"""

from __future__ import annotations

import asyncio
import importlib.metadata
import ipaddress
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any, TypeVar

import grpc
import grpc.aio
import grpc.experimental
from google.protobuf.message import Message

from genai._transport.options import RetryOptions
from genai._transport.retry import next_delay
from genai.errors import APIError, UsageError, from_grpc_error

__all__ = ["ChannelSettings", "RedactedKey", "redact_key"]

M = TypeVar("M", bound=Message)
Metadata = tuple[tuple[str, str | bytes], ...]  # "-bin" keys carry bytes

_log = logging.getLogger("genai.transport")


def _version() -> str:
    try:
        return importlib.metadata.version("genai")
    except importlib.metadata.PackageNotFoundError:  # running from a source tree without metadata
        return "0+unknown"


DEFAULT_ENDPOINT = "generativelanguage.googleapis.com:443"
DEFAULT_USER_AGENT = f"genai-python/{_version()}"
# A default gRPC server takes one keepalive ping per 5 minutes while no data flows and answers
# faster pings with GOAWAY "too_many_pings"; pinging a little less often than that is always welcome.
DEFAULT_KEEPALIVE_MS = 360_000


class RedactedKey(str):
    """An API key: a ``str`` whose ``repr()`` hides its value.

    Tracebacks that show local variables (pytest ``-l``, rich, Sentry,
    ``TracebackException(capture_locals=True)``) render values with ``repr()``; every frame of genai
    (and gRPC's, which receives our metadata) holds the key only as this type.

    >>> key = RedactedKey("AIza-secret")
    >>> repr(key), repr(("x-goog-api-key", key)), key == "AIza-secret"
    ("'<redacted>'", "('x-goog-api-key', '<redacted>')", True)
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return "'<redacted>'"


def redact_key(value: object, path: str = "api_key") -> RedactedKey | None:
    """``value`` as a :class:`RedactedKey` (None stays None); a clear error that never shows it.

    >>> redact_key(None) is None, type(redact_key("k")).__name__
    (True, 'RedactedKey')
    """
    if value is None or isinstance(value, RedactedKey):
        return value
    if not isinstance(value, str):
        # Never the value itself: a key passed as bytes would be shown in full.
        raise TypeError(f"{path}: expected a str (the API key) or None; got {type(value).__name__}")
    return RedactedKey(value)


def _check_int(name: str, value: object, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name}: expected an int >= {minimum}; got {type(value).__name__} {value!r:.60}")
    if value < minimum:
        raise ValueError(f"{name}: expected an int >= {minimum}; got {value!r}")


def _check_optional(name: str, value: object, kind: type, what: str) -> None:
    if value is not None and not isinstance(value, kind):
        raise TypeError(f"{name}: expected {what} or None; got {type(value).__name__} {value!r:.60}")


@dataclass(frozen=True, kw_only=True, repr=False)
class ChannelSettings:
    """Where and how to connect: endpoint, API key, TLS or plaintext, limits, keepalive.

    TLS is the default. ``insecure=True`` (plaintext) is accepted only for loopback endpoints
    (127.0.0.0/8, ::1, ``localhost``, unix sockets) unless ``allow_insecure_remote=True`` as well.
    The API key never appears in ``repr``/``str`` or in any validation message.

    >>> settings = ChannelSettings(api_key="k", endpoint="localhost:50051", insecure=True)
    >>> "api_key=<set>" in repr(settings), "'k'" in repr(settings)
    (True, False)
    """

    endpoint: str = DEFAULT_ENDPOINT
    api_key: str | None = field(default=None, repr=False)
    insecure: bool = False
    allow_insecure_remote: bool = False
    root_certificates: bytes | None = None  # PEM; None = the system roots
    tls_server_name: str | None = None  # becomes grpc.ssl_target_name_override
    pool_size: int = 4  # AsyncTransport channels (distinct HTTP/2 connections); Transport uses one
    # AsyncTransport opens another channel only when every open one carries this many calls.
    streams_per_channel: int = 100
    max_message_bytes: int = 64 * 1024 * 1024  # both directions; 20 MB of inline data must fit
    # Pings only while calls are in flight (an idle connection is left alone), no more often than a
    # default gRPC server accepts.
    keepalive_time_ms: int = DEFAULT_KEEPALIVE_MS
    keepalive_timeout_ms: int = 20_000
    user_agent: str = DEFAULT_USER_AGENT
    extra_options: tuple[tuple[str, Any], ...] = ()  # raw grpc channel args; they override ours

    def __post_init__(self) -> None:
        # The key first, so that nothing below can fail while it is still a plain str.
        object.__setattr__(self, "api_key", redact_key(self.api_key))
        endpoint = self.endpoint
        if not isinstance(endpoint, str):
            got = f"{type(endpoint).__name__} {endpoint!r:.60}"
            raise TypeError(f"endpoint: expected a 'host:port' str; got {got}")
        if not self.endpoint.strip():
            raise ValueError("endpoint: expected a 'host:port' str; got an empty string")
        for name in ("insecure", "allow_insecure_remote"):
            if not isinstance(getattr(self, name), bool):
                raise TypeError(f"{name}: expected a bool; got {getattr(self, name)!r:.60}")
        _check_int("pool_size", self.pool_size, 1)
        _check_int("streams_per_channel", self.streams_per_channel, 1)
        _check_int("max_message_bytes", self.max_message_bytes, 1)
        _check_int("keepalive_time_ms", self.keepalive_time_ms, 1)
        _check_int("keepalive_timeout_ms", self.keepalive_timeout_ms, 1)
        _check_optional("root_certificates", self.root_certificates, bytes, "PEM bytes")
        _check_optional("tls_server_name", self.tls_server_name, str, "a str")
        agent = self.user_agent
        if not isinstance(agent, str) or not _valid_metadata_value(agent.replace(" ", "_")):
            raise ValueError(f"user_agent: expected printable ASCII text; got {agent!r:.60}")
        if not isinstance(self.extra_options, tuple) or not all(
            isinstance(o, tuple) and len(o) == 2 and isinstance(o[0], str) for o in self.extra_options
        ):
            raise TypeError(
                "channel_options: expected a tuple of (name, value) pairs such as "
                f"(('grpc.max_receive_message_length', 2**26),); got {self.extra_options!r:.60}"
            )
        if self.api_key is not None and not _valid_metadata_value(self.api_key):
            # gRPC would reject it per call, possibly echoing the value: refuse it here, unechoed.
            raise ValueError(
                "api_key: expected a non-empty string of printable ASCII without spaces or line breaks "
                "(check for a stray newline in the environment variable)"
            )
        if self.insecure:
            if self.root_certificates is not None or self.tls_server_name is not None:
                raise ValueError(
                    "ChannelSettings: root_certificates/tls_server_name are TLS settings and "
                    "cannot be combined with insecure=True"
                )
            if not self.allow_insecure_remote and not is_loopback_endpoint(self.endpoint):
                raise ValueError(
                    f"ChannelSettings: insecure (plaintext) channels are only allowed to loopback "
                    f"hosts, got endpoint {self.endpoint!r}; set allow_insecure_remote=True to send "
                    f"requests (and the API key) unencrypted over the network anyway"
                )

    def __repr__(self) -> str:
        parts = []
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "api_key":
                shown = "<unset>" if value is None else "<set>"
            elif f.name == "root_certificates" and value is not None:
                shown = f"<{len(value)} bytes>"
            else:
                shown = repr(value)
            parts.append(f"{f.name}={shown}")
        return f"ChannelSettings({', '.join(parts)})"


def _valid_metadata_value(value: str) -> bool:
    return bool(value) and all("!" <= ch <= "~" for ch in value)


def _host_of(address: str) -> str:
    """The host part of ``host``, ``host:port``, ``[v6]`` or ``[v6]:port`` (a bare v6 has 2+ colons)."""
    if address.startswith("["):
        return address[1 : address.find("]")] if "]" in address else address[1:]
    if address.count(":") == 1:
        return address.rpartition(":")[0]
    return address


def _is_loopback_host(host: str) -> bool:
    host = host.strip().lower().rstrip(".")
    if host == "localhost":
        return True
    try:
        ip = ipaddress.ip_address(host.partition("%")[0])  # drop an IPv6 zone id
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


def is_loopback_endpoint(endpoint: str) -> bool:
    """True when every address the gRPC target can name is on this machine.

    Understands ``host:port``, ``[v6]:port``, ``dns:[//authority/]host:port``, ``ipv4:``/``ipv6:``
    address lists and ``unix:``/``unix-abstract:`` sockets (always local). Host names other than
    ``localhost`` are not resolved: they count as remote.
    """
    target = endpoint.strip()
    scheme, sep, rest = target.partition(":")
    scheme = scheme.lower()
    if sep and scheme in ("unix", "unix-abstract"):
        return True
    if sep and scheme in ("ipv4", "ipv6"):
        return all(_is_loopback_host(_host_of(a)) for a in rest.split(","))
    if sep and scheme == "dns":
        if rest.startswith("//"):
            rest = rest[2:].partition("/")[2]
        target = rest
    return _is_loopback_host(_host_of(target))


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


class AioSlot:
    """One asyncio channel of a pool: its callables and how many calls/streams it carries now."""

    __slots__ = ("cache", "channel", "inflight")

    def __init__(self, channel: grpc.aio.Channel) -> None:
        self.channel = channel
        self.cache: dict[CallKey, Any] = {}
        self.inflight = 0

    def build(self, key: CallKey) -> Any:
        fn = self.cache[key] = build_callable(self.channel, key)
        return fn


class AioPool:
    """Up to ``pool_size`` asyncio channels for one event loop, opened as the load needs them.

    A call goes to the least busy open channel (ties to the lowest index). Another channel, with a
    connection of its own, opens only when every open one already carries ``streams_per_channel``
    calls: Google's front ends let about 100 streams share one HTTP/2 connection and queue the rest,
    while below that one warm connection costs the least CPU on both ends. Long streams count for
    their whole life, so they keep new calls off the busy connections.
    """

    __slots__ = ("settings", "slots")

    def __init__(self, settings: ChannelSettings) -> None:
        self.settings = settings
        self.slots = [AioSlot(open_aio_channel(settings))]

    def pick(self) -> AioSlot:
        slots = self.slots
        best = slots[0]
        if best.inflight:
            for slot in slots:
                if slot.inflight < best.inflight:
                    best = slot
            settings = self.settings
            if best.inflight >= settings.streams_per_channel and len(slots) < settings.pool_size:
                best = AioSlot(open_aio_channel(settings))
                slots.append(best)
        return best

    async def close(self) -> None:
        await asyncio.gather(*(slot.channel.close(None) for slot in self.slots))


class StreamOutcome:
    """How a transport stream ended, for the sync and asyncio stream wrappers alike.

    ``completed``: the server finished with OK and every message was read. ``error``: the APIError it
    failed with (reading again raises it again). ``cancelled``: ``cancel()``/``close()`` ended it first.
    """

    _cancelled: bool = False
    _completed: bool = False
    _error: APIError | None = None

    @property
    def completed(self) -> bool:
        """True once the server ended the stream with OK and every message was read."""
        return self._completed

    @property
    def cancelled(self) -> bool:
        """True once the stream was cancelled before it completed or failed."""
        return self._cancelled and not self._completed and self._error is None

    @property
    def error(self) -> APIError | None:
        """The error the stream failed with, if it did."""
        return self._error


def log_retry(method: str, attempt: int, error: APIError, delay: float) -> None:
    """A structured DEBUG record (method, attempt, status, delay) before a retry's wait."""
    # Never the metadata (it carries the key) and never the server's message: just the facts.
    if _log.isEnabledFor(logging.DEBUG):
        _log.debug(
            "retrying %s: attempt %d failed with %s, next attempt in %.3fs",
            method,
            attempt,
            error.status,
            delay,
            extra={"method": method, "attempt": attempt, "status": error.status, "delay": delay},
        )


def consider_retry(
    err: grpc.RpcError,
    method: str,
    attempts_done: int,
    elapsed: float,
    retry: RetryOptions | None,
    rand: Callable[[], float],
) -> tuple[APIError, float | None]:
    """Translate a failed attempt and decide: the error, and the delay before the next attempt.

    The delay is None when there is to be no retry (no policy, or `next_delay` says no); the
    caller then raises the error ``from err``. A retry is logged here, before its wait.
    """
    error = from_grpc_error(err)
    delay = None if retry is None else next_delay(error, attempts_done, elapsed, retry, rand)
    if delay is not None:
        log_retry(method, attempts_done, error, delay)
    return error, delay


def closed_error(what: str) -> UsageError:
    """The error for a call on a closed transport."""
    return UsageError(f"{what} is closed")
