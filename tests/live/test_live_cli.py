"""`genai live`: lines in, streamed replies out, against the test server on both transports."""

from __future__ import annotations

import io

import pytest

from genai.cli import main
from tests.live.server import KEY, LiveServer
from tests.live.test_live_session import echo


@pytest.mark.parametrize("transport", ["grpc", "websocket"])
def test_live_command(
    live_server: LiveServer,
    transport: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    live_server.reset(echo)
    monkeypatch.setenv("GEMINI_API_KEY", KEY)
    monkeypatch.setattr("sys.stdin", io.StringIO("hello\n\nworld\n"))
    status = main(
        [
            "--endpoint",
            f"127.0.0.1:{live_server.grpc_port}",
            "--http-endpoint",
            f"127.0.0.1:{live_server.ws_port}",
            "--insecure",
            "live",
            "--transport",
            transport,
            "--system",
            "Be brief.",
        ]
    )
    out, err = capsys.readouterr()
    assert status == 0, err
    assert out == "You said hello\nYou said world\n"
    assert f"over {transport}" in err and KEY not in err
    setup = live_server.connections[0].received[0]["setup"]
    assert setup["model"] == "models/gemini-live-2.5-flash"
    assert setup["system_instruction"]["parts"][0]["text"] == "Be brief."


def test_live_command_checks_its_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--http-endpoint", "127.0.0.1:1", "live"]) == 2
    assert "--http-endpoint needs --endpoint" in capsys.readouterr().err
    remote = ["--endpoint", "127.0.0.1:1", "--http-endpoint", "example.com:443", "--insecure", "live"]
    assert main(remote) == 2
    assert "loopback --http-endpoint" in capsys.readouterr().err
    assert main(["live", "--transport", "carrier-pigeon"]) == 2
