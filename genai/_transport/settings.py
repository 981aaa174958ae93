"""Where and how to connect: ``ChannelSettings`` (endpoint, key, TLS, limits, keepalive), the defaults,
and the API key's holder, whose repr never shows it.

    >>> ChannelSettings(api_key="k", endpoint="localhost:50051", insecure=True).pool_size
    4

Every default lives here once; ``genai.Client`` and ``genai.configure`` take theirs from these.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field, fields
from typing import Any

from genai._version import VERSION

__all__ = [
    "DEFAULT_ENDPOINT",
    "DEFAULT_HTTP_ENDPOINT",
    "DEFAULT_MAX_MESSAGE_BYTES",
    "DEFAULT_POOL_SIZE",
    "DEFAULT_STREAMS_PER_CHANNEL",
    "ChannelSettings",
    "RedactedKey",
    "is_loopback_endpoint",
    "redact_key",
]


DEFAULT_ENDPOINT = "generativelanguage.googleapis.com:443"
# Where the HTTP side of the API lives (live sessions over WebSocket, later the uploads).
DEFAULT_HTTP_ENDPOINT = "generativelanguage.googleapis.com:443"
DEFAULT_USER_AGENT = f"genai-python/{VERSION}"
DEFAULT_POOL_SIZE = 4  # asyncio channels (distinct HTTP/2 connections) per event loop, at most
# Google's front ends let about 100 streams share one HTTP/2 connection and queue the rest.
DEFAULT_STREAMS_PER_CHANNEL = 100
DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024  # both directions; 20 MB of inline data must fit
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
    # host:port of the HTTP side (WebSocket live sessions); TLS unless insecure, like the channel.
    # None: the gRPC endpoint's host:port (the Gemini API serves both on one port).
    http_endpoint: str | None = None
    api_key: str | None = field(default=None, repr=False)
    insecure: bool = False
    allow_insecure_remote: bool = False
    root_certificates: bytes | None = None  # PEM; None = the system roots
    tls_server_name: str | None = None  # becomes grpc.ssl_target_name_override
    pool_size: int = DEFAULT_POOL_SIZE  # AsyncTransport channels; Transport uses one
    # AsyncTransport opens another channel only when every open one carries this many calls.
    streams_per_channel: int = DEFAULT_STREAMS_PER_CHANNEL
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES
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
        http = self.http_endpoint
        if http is not None and not isinstance(http, str):
            raise TypeError(
                f"http_endpoint: expected a 'host:port' str; got {type(http).__name__} {http!r:.60}"
            )
        if http is not None and (not http.strip() or "/" in http or any(ch.isspace() for ch in http)):
            raise ValueError(
                f"http_endpoint: expected a 'host:port' str (no scheme, no path); got {http!r:.60}"
            )
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
            if (
                self.http_endpoint is not None
                and not self.allow_insecure_remote
                and not is_loopback_endpoint(self.http_endpoint)
            ):
                raise ValueError(
                    f"ChannelSettings: insecure (plaintext) connections are only allowed to loopback "
                    f"hosts, got http_endpoint {self.http_endpoint!r}; set allow_insecure_remote=True to "
                    f"send requests (and the API key) unencrypted over the network anyway"
                )
            if not self.allow_insecure_remote and not is_loopback_endpoint(self.endpoint):
                raise ValueError(
                    f"ChannelSettings: insecure (plaintext) channels are only allowed to loopback "
                    f"hosts, got endpoint {self.endpoint!r}; set allow_insecure_remote=True to send "
                    f"requests (and the API key) unencrypted over the network anyway"
                )

    @property
    def http_target(self) -> str:
        """The ``host:port`` WebSocket (HTTP) connections go to."""
        return self.http_endpoint if self.http_endpoint is not None else self.endpoint

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
