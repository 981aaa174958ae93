"""The emulator keeps idle connections of clients that send keepalive pings.

grpc clients ping at most once a second, and a server with grpc's defaults answers the third early
ping of an idle connection with GOAWAY "too_many_pings" (about 3 s in). The control half of the test
shows that happening to the same client against a plain grpc server, so the emulator half proves
something.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent import futures

import grpc
import pytest

from genai.testing import Emulator

GET_MODEL = "/google.ai.generativelanguage.v1beta.ModelService/GetModel"
CLIENT_OPTIONS = [
    ("grpc.keepalive_time_ms", 100),
    ("grpc.keepalive_permit_without_calls", 1),
    ("grpc.http2.max_pings_without_data", 0),  # keep pinging while idle
]
DROP_TIMEOUT = 15.0  # generous: the plain server drops the connection after about 3 s


class _Watched:
    """A channel with these client options, recording every connectivity state it goes through."""

    def __init__(self, endpoint: str) -> None:
        self.channel = grpc.insecure_channel(endpoint, options=CLIENT_OPTIONS)
        self.states: list[grpc.ChannelConnectivity] = []
        self.left_ready = threading.Event()
        self.channel.subscribe(self._seen, try_to_connect=True)

    def _seen(self, state: grpc.ChannelConnectivity) -> None:
        if self.states and self.states[-1] is grpc.ChannelConnectivity.READY:
            self.left_ready.set()
        self.states.append(state)

    def call(self, body: bytes) -> bytes:
        result: bytes = self.channel.unary_unary(GET_MODEL)(body, timeout=5)
        return result

    def close(self) -> None:
        self.channel.unsubscribe(self._seen)
        self.channel.close()


@pytest.fixture
def plain_server() -> Iterator[str]:
    """A grpc server with default options whose GetModel answers empty bytes."""

    def get_model(request: bytes, context: grpc.ServicerContext) -> bytes:
        return b""

    handler = grpc.method_handlers_generic_handler(
        "google.ai.generativelanguage.v1beta.ModelService",
        {"GetModel": grpc.unary_unary_rpc_method_handler(get_model)},
    )
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    server.add_generic_rpc_handlers([handler])
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    yield f"127.0.0.1:{port}"
    server.stop(None)


def test_idle_keepalive_pings_do_not_get_the_connection_dropped(plain_server: str) -> None:
    get_model = b"\n\x17models/gemini-2.5-flash"  # GetModelRequest(name=...)
    with Emulator() as emu:
        control, watched = _Watched(plain_server), _Watched(emu.endpoint)
        try:
            control.call(b"")
            watched.call(get_model)
            # Both connections are now idle and pinged every second; wait for the control to drop.
            assert control.left_ready.wait(DROP_TIMEOUT), control.states
            # One more ping interval for the emulator side, then it must still be the same connection.
            assert not watched.left_ready.wait(1.2), watched.states
            assert watched.states[-1] is grpc.ChannelConnectivity.READY
            watched.call(get_model)
            assert not watched.left_ready.is_set(), watched.states
        finally:
            control.close()
            watched.close()
