"""Live sessions over wss:// with a private root certificate (the client's root_certificates setting)."""

from __future__ import annotations

from pathlib import Path

import pytest

import genai
from genai.errors import UnavailableError
from tests.live.faces import open_session
from tests.live.server import KEY, LiveServer
from tests.live.test_live_session import echo, run
from tests.transport.conftest import _make_certificate


@pytest.mark.parametrize("face", ["sync", "async"])
def test_websocket_over_tls_with_private_roots(live_server: LiveServer, tmp_path: Path, face: str) -> None:
    certificate = _make_certificate(tmp_path, "localhost", "DNS:localhost,IP:127.0.0.1")
    port = live_server.serve_tls(certificate.cert, certificate.key, tmp_path)
    live_server.reset(echo)
    trusting = genai.Client(
        api_key=KEY,
        endpoint="localhost:1",
        http_endpoint=f"localhost:{port}",
        root_certificates=certificate.cert,
    )
    stranger = genai.Client(api_key=KEY, endpoint="localhost:1", http_endpoint=f"localhost:{port}")

    async def body() -> None:
        async with open_session(face, trusting, model="m", transport="websocket") as s:
            await s.send_client_content(turns="secret")
            assert (await s.receive_turn()).text == "You said secret"
        with pytest.raises(UnavailableError, match="could not open the WebSocket"):
            async with open_session(face, stranger, model="m", transport="websocket"):
                pass

    try:
        run(trusting, body)
    finally:
        trusting.close()
        stranger.close()
    assert live_server.headers[0]["x-goog-api-key"] == KEY
