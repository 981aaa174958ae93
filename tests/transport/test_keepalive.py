"""Keepalive that a default gRPC server accepts: no pings on an idle connection, none too often.

A default server allows a client no pings at all while it has no calls, and one per 5 minutes while
no data flows; faster pings earn GOAWAY "too_many_pings" after a few strikes (and an error line from
gRPC on stderr). The client used to ping every 30 s whether or not it had calls.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent import futures

import grpc
import pytest
from genai_protos import model_pb2, model_service_pb2, model_service_pb2_grpc, rpcs

from genai._transport import ChannelSettings, Transport
from genai._transport.channels import channel_options
from genai._transport.options import CallOptions

GET_MODEL = rpcs.ModelService.GetModel
# gRPC clients never ping more often than once a second: a GOAWAY takes three pings.
GOAWAY_WITHIN = 8.0


class _Models(model_service_pb2_grpc.ModelServiceServicer):
    def GetModel(
        self, request: model_service_pb2.GetModelRequest, context: grpc.ServicerContext
    ) -> model_pb2.Model:
        return model_pb2.Model(name=request.name)


@pytest.fixture(scope="module")
def default_server() -> Iterator[str]:
    """A gRPC server with gRPC's default settings (no keepalive options at all)."""
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    model_service_pb2_grpc.add_ModelServiceServicer_to_server(_Models(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    yield f"127.0.0.1:{port}"
    server.stop(0)


class _States:
    """The connectivity states a channel went through."""

    def __init__(self, channel: grpc.Channel) -> None:
        self.seen: list[grpc.ChannelConnectivity] = []
        self.changed = threading.Event()
        channel.subscribe(self._record, try_to_connect=False)

    def _record(self, state: grpc.ChannelConnectivity) -> None:
        self.seen.append(state)
        self.changed.set()

    def dropped(self) -> bool:
        ready = grpc.ChannelConnectivity.READY
        return ready in self.seen and self.seen[self.seen.index(ready) :] != [ready]


def test_the_defaults_never_ping_an_idle_connection_nor_faster_than_a_default_server_allows() -> None:
    options = dict(channel_options(ChannelSettings(), distinct_connection=False))
    assert options["grpc.keepalive_permit_without_calls"] == 0
    assert options["grpc.keepalive_time_ms"] >= 300_000  # a default server's minimum ping interval


def test_an_idle_connection_survives_a_default_server(default_server: str) -> None:
    # Keepalive time scaled down from minutes to a fraction of a second so that the test shows, in a
    # few seconds, what pinging an idle connection costs; the old default (pings without calls) is
    # the control: the same server drops it.
    fast = (("grpc.http2.min_time_between_pings_ms", 100),)
    ours = ChannelSettings(endpoint=default_server, insecure=True, keepalive_time_ms=200, extra_options=fast)
    old = ChannelSettings(
        endpoint=default_server,
        insecure=True,
        keepalive_time_ms=200,
        extra_options=(*fast, ("grpc.keepalive_permit_without_calls", 1)),
    )
    request = model_service_pb2.GetModelRequest(name="models/x")
    with Transport(ours) as quiet, Transport(old) as chatty:
        quiet_states, chatty_states = _States(quiet._channel), _States(chatty._channel)
        for transport in (quiet, chatty):
            transport.unary(GET_MODEL, request, options=CallOptions(timeout=5))
        deadline = time.monotonic() + GOAWAY_WITHIN
        while not chatty_states.dropped() and time.monotonic() < deadline:
            chatty_states.changed.wait(0.1)
            chatty_states.changed.clear()
        assert chatty_states.dropped(), "the control should have been sent away (too_many_pings)"
        assert not quiet_states.dropped(), quiet_states.seen
        assert quiet.unary(GET_MODEL, request, options=CallOptions(timeout=5)).name == "models/x"
