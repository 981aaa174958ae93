"""Downloads of files and of generated videos, on both faces, when things go wrong: the one HTTP
status mapping, a connection that fails or breaks mid-body (an UnavailableError that names neither
the URL nor the key, and no partial file left behind), and the missing `files` extra."""

from __future__ import annotations

import asyncio
import socket
import socketserver
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest

pytest.importorskip("httpx2")

import genai
from genai._transport.http import http_error
from genai.errors import (
    InternalError,
    NotFoundError,
    PermissionDeniedError,
    ResourceExhaustedError,
    UnavailableError,
    UnknownError,
)

KEY = "download-secret-key-3131"
VIDEO_PATH = "v1beta/generatedVideos/abc:download?alt=media"


def run(face: str, client: genai.Client, action: Callable[[Any], Any]) -> Any:
    """`action(client)` on the sync face, or `await action(client.aio)` on a fresh event loop."""
    if face == "sync":
        return action(client)

    async def main() -> Any:
        try:
            return await action(client.aio)
        finally:
            await client.aio.aclose()

    return asyncio.run(main())


def downloads(directory: Path, uri: str) -> list[Callable[[Any], Any]]:
    """Every download: a file to disk, a video to disk, a video's bytes."""
    return [
        lambda c: c.files.download(file="files/abc", path=directory / "f.bin"),
        lambda c: c.models.download_video(uri, directory / "v.mp4"),
        lambda c: c.models.download_video(uri),
    ]


class CutServer(socketserver.ThreadingTCPServer):
    """Answers every request 200 with a Content-Length it does not keep: the body stops short."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), CutHandler)
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.server_address[1]}"


class CutHandler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        while self.rfile.readline() not in (b"\r\n", b""):
            pass
        self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 3000000\r\n\r\n" + b"x" * 200_000)
        self.wfile.flush()


@pytest.fixture
def cut_server() -> Iterator[CutServer]:
    server = CutServer()
    yield server
    server.shutdown()
    server.server_close()
    server.thread.join(timeout=10)


def _closed_port() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{sock.getsockname()[1]}"


def test_http_statuses_map_to_the_api_error_classes() -> None:
    def error(status: int, body: bytes = b"") -> Any:
        return http_error(status, body, "downloading files/x")

    assert type(error(403)) is PermissionDeniedError and str(error(403)) == (
        "PERMISSION_DENIED: downloading files/x failed: HTTP 403"
    )
    assert type(error(404, b"no such thing")) is NotFoundError
    assert error(404, b"no such thing").message == "downloading files/x failed: HTTP 404: no such thing"
    assert type(error(429)) is ResourceExhaustedError and type(error(500)) is InternalError
    assert type(error(502)) is UnavailableError  # a proxy's: transient
    assert type(error(418)) is UnknownError
    # The API's JSON error: its status and message win.
    quota = error(400, b'{"error": {"code": 429, "status": "RESOURCE_EXHAUSTED", "message": "slow down"}}')
    assert type(quota) is ResourceExhaustedError and quota.code == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert quota.message == "downloading files/x failed: HTTP 400: slow down"


@pytest.mark.parametrize("face", ["sync", "async"])
def test_a_body_cut_short_leaves_no_file_and_is_unavailable(
    face: str, cut_server: CutServer, tmp_path: Path
) -> None:
    uri = f"http://{cut_server.endpoint}/{VIDEO_PATH}"
    with genai.Client(
        KEY, endpoint="127.0.0.1:1", http_endpoint=cut_server.endpoint, insecure=True
    ) as client:
        for action in downloads(tmp_path, uri):
            with pytest.raises(UnavailableError, match="the connection failed") as caught:
                run(face, client, action)
            assert KEY not in str(caught.value) and cut_server.endpoint not in str(caught.value)
    assert not list(tmp_path.iterdir())  # neither the file nor its .part


@pytest.mark.parametrize("face", ["sync", "async"])
def test_a_connection_refused_is_unavailable_without_the_url_or_key(face: str, tmp_path: Path) -> None:
    endpoint = _closed_port()
    uri = f"http://{endpoint}/{VIDEO_PATH}"
    with genai.Client(KEY, endpoint="127.0.0.1:1", http_endpoint=endpoint, insecure=True) as client:
        for action in downloads(tmp_path, uri):
            with pytest.raises(
                UnavailableError, match="failed: the connection failed: ConnectError"
            ) as caught:
                run(face, client, action)
            assert KEY not in str(caught.value) and "generatedVideos" not in str(caught.value)
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("face", ["sync", "async"])
def test_without_httpx2_a_download_says_which_extra_to_install(
    face: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "httpx2", None)  # `import httpx2` now raises ImportError
    endpoint = _closed_port()
    with genai.Client(KEY, endpoint="127.0.0.1:1", http_endpoint=endpoint, insecure=True) as client:
        for action in downloads(tmp_path, f"http://{endpoint}/{VIDEO_PATH}"):
            with pytest.raises(ImportError, match=r"pip install 'genai\[files\]'"):
                run(face, client, action)
