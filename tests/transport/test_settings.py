"""ChannelSettings: validation, loopback rules, channel options, and a repr without the key."""

from __future__ import annotations

import pytest

from genai._transport import AsyncTransport, ChannelSettings, Transport
from genai._transport.channels import base_metadata, channel_options
from genai._transport.settings import is_loopback_endpoint
from tests.transport.conftest import KEY


@pytest.mark.parametrize(
    "endpoint",
    [
        "localhost:50051",
        "LOCALHOST:1",
        "127.0.0.1:8080",
        "127.8.9.10:1",
        "[::1]:50051",
        "::1",
        "localhost",
        "dns:///localhost:50051",
        "dns://8.8.8.8/127.0.0.1:1",
        "ipv4:127.0.0.1:1,127.0.0.2:2",
        "ipv6:[::1]:1",
        "unix:/tmp/genai.sock",
        "unix-abstract:genai",
    ],
)
def test_loopback_endpoints_allow_insecure(endpoint: str) -> None:
    assert is_loopback_endpoint(endpoint)
    ChannelSettings(endpoint=endpoint, insecure=True)


@pytest.mark.parametrize(
    "endpoint",
    [
        "generativelanguage.googleapis.com:443",
        "10.0.0.1:80",
        "[2001:db8::1]:443",
        "dns:///example.com:443",
        "ipv4:127.0.0.1:1,10.0.0.2:2",
        "localhost.example.com:1",
        "0.0.0.0:1",
    ],
)
def test_insecure_to_a_remote_host_is_rejected(endpoint: str) -> None:
    assert not is_loopback_endpoint(endpoint)
    with pytest.raises(ValueError, match="loopback") as info:
        ChannelSettings(endpoint=endpoint, insecure=True, api_key=KEY)
    assert KEY not in str(info.value)
    # An explicit opt-in allows it.
    ChannelSettings(endpoint=endpoint, insecure=True, allow_insecure_remote=True)


def test_tls_is_the_default() -> None:
    settings = ChannelSettings()
    assert not settings.insecure
    assert settings.endpoint == "generativelanguage.googleapis.com:443"


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"endpoint": ""}, "endpoint"),
        ({"endpoint": "  "}, "endpoint"),
        ({"pool_size": 0}, "pool_size"),
        ({"streams_per_channel": 0}, "streams_per_channel"),
        ({"max_message_bytes": 0}, "max_message_bytes"),
        ({"insecure": True, "endpoint": "localhost:1", "root_certificates": b"x"}, "TLS"),
    ],
)
def test_invalid_settings(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        ChannelSettings(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad_key", ["", "has space", "line\nbreak", KEY + "\u00e9"])
def test_api_key_must_be_sendable_and_is_not_echoed(bad_key: str) -> None:
    with pytest.raises(ValueError, match="api_key") as info:
        ChannelSettings(api_key=bad_key)
    if bad_key:
        assert bad_key not in str(info.value)


def test_repr_and_str_hide_the_key() -> None:
    settings = ChannelSettings(api_key=KEY, endpoint="localhost:1", insecure=True)
    for text in (repr(settings), str(settings), f"{settings}", f"{settings!r}"):
        assert KEY not in text
        assert "api_key=<set>" in text
    assert "api_key=<unset>" in repr(ChannelSettings())
    assert "<5 bytes>" in repr(ChannelSettings(root_certificates=b"12345"))


def test_transport_reprs_hide_the_key() -> None:
    settings = ChannelSettings(api_key=KEY, endpoint="localhost:1", insecure=True)
    with Transport(settings) as transport:
        assert KEY not in repr(transport)
        assert KEY not in str(transport)
    assert KEY not in repr(AsyncTransport(settings))


def test_channel_options() -> None:
    settings = ChannelSettings(
        max_message_bytes=1234,
        tls_server_name="example.test",
        extra_options=(("grpc.keepalive_time_ms", 99), ("grpc.enable_retries", 0)),
    )
    sync = dict(channel_options(settings, distinct_connection=False))
    assert sync["grpc.max_send_message_length"] == sync["grpc.max_receive_message_length"] == 1234
    assert sync["grpc.keepalive_time_ms"] == 99  # extra options win
    assert sync["grpc.keepalive_timeout_ms"] == 20_000
    assert sync["grpc.keepalive_permit_without_calls"] == 0  # an idle connection is never pinged
    assert sync["grpc.http2.max_pings_without_data"] == 0
    assert sync["grpc.primary_user_agent"].startswith("genai-python/")
    assert sync["grpc.ssl_target_name_override"] == "example.test"
    assert sync["grpc.enable_retries"] == 0
    assert "grpc.use_local_subchannel_pool" not in sync
    pooled = dict(channel_options(settings, distinct_connection=True))
    assert pooled["grpc.use_local_subchannel_pool"] == 1


def test_base_metadata() -> None:
    assert base_metadata(ChannelSettings(api_key=KEY, user_agent="ua/1")) == (
        ("x-goog-api-key", KEY),
        ("x-goog-api-client", "ua/1"),
    )
    assert base_metadata(ChannelSettings(user_agent="ua/1")) == (("x-goog-api-client", "ua/1"),)
