"""Fixtures of the live tests: one scriptable server (tests/live/server.py) and clients for it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import genai
from tests.live.server import KEY, LiveServer


@pytest.fixture(scope="session")
def live_server() -> Iterator[LiveServer]:
    server = LiveServer()
    yield server
    server.stop()


@pytest.fixture(params=["grpc", "websocket"])
def transport(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def live_client(live_server: LiveServer) -> Iterator[genai.Client]:
    client = genai.Client(
        api_key=KEY,
        endpoint=f"127.0.0.1:{live_server.grpc_port}",
        http_endpoint=f"127.0.0.1:{live_server.ws_port}",
        insecure=True,
    )
    yield client
    client.close()
