"""The emulator's plain HTTP front end as a server: persistent connections (several requests on one
connection, closing when the client asks, bodies an early error left unread dropped so the next
request parses), the records tests read (emulator.http_requests, http_connections), and a stop
that closes idle connections and leaves nothing running. Raw sockets where the bytes on the wire
matter, httpx2 elsewhere; loopback only."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator

import pytest
from genai_protos import file_pb2

from genai.emulator import EmulatorServer, HttpRecord
from genai.testing import Emulator

httpx = pytest.importorskip("httpx2")
File = file_pb2.File

KEY = "http-secret-key-7319"
TIMEOUT = 5.0
GRANULARITY = 1024
DATA = bytes(range(256)) * 4  # a generated file's bytes, downloadable
DOWNLOAD = "/v1beta/files/kept-1:download?alt=media"


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator(api_keys=[KEY], upload_granularity=GRANULARITY) as emulator:
        kept = File(name="files/kept-1", mime_type="application/octet-stream", source=File.Source.GENERATED)
        emulator.server.backend.files.create(kept, DATA)
        yield emulator


@pytest.fixture
def fresh(emu: Emulator) -> Emulator:
    emu.reset()
    return emu


class Wire:
    """A raw HTTP/1.x connection: send bytes, read one answer at a time (by its Content-Length)."""

    def __init__(self, endpoint: str) -> None:
        host, port = endpoint.rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout=TIMEOUT)
        self.file = self.sock.makefile("rb")

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def answer(self) -> tuple[int, dict[str, str], bytes]:
        status = int(self.file.readline().split(b" ")[1])
        headers: dict[str, str] = {}
        while (line := self.file.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        return status, headers, self.file.read(int(headers["content-length"]))

    def closed_by_server(self) -> bool:
        """Whether the server closed its side (the next read is the end, not data)."""
        return self.file.read(1) == b""

    def close(self) -> None:
        self.file.close()
        self.sock.close()


@pytest.fixture
def wire(emu: Emulator) -> Iterator[Wire]:
    connection = Wire(emu.http_endpoint)
    yield connection
    connection.close()


def get(target: str, *headers: str, version: str = "HTTP/1.1") -> bytes:
    lines = [f"GET {target} {version}", "Host: emulator", *headers, "", ""]
    return "\r\n".join(lines).encode()


def post(target: str, body: bytes, *headers: str) -> bytes:
    lines = [f"POST {target} HTTP/1.1", "Host: emulator", f"Content-Length: {len(body)}", *headers, "", ""]
    return "\r\n".join(lines).encode() + body


START = (
    f"x-goog-api-key: {KEY}",
    "X-Goog-Upload-Protocol: resumable",
    "X-Goog-Upload-Command: start",
    "X-Goog-Upload-Header-Content-Length: 5",
)


# -- persistent connections -------------------------------------------------------------------------


def test_requests_share_one_connection_until_the_client_asks_to_close(fresh: Emulator, wire: Wire) -> None:
    wire.send(get(DOWNLOAD, f"x-goog-api-key: {KEY}"))
    status, headers, body = wire.answer()
    assert (status, body) == (200, DATA) and "connection" not in headers
    wire.send(get(DOWNLOAD))  # no key: refused, and the connection goes on
    status, headers, body = wire.answer()
    assert status == 401 and b"UNAUTHENTICATED" in body and "connection" not in headers
    wire.send(post("/upload/v1beta/files", b'{"file": {"displayName": "x"}}', *START))
    status, headers, _ = wire.answer()
    assert status == 200 and headers["x-goog-upload-status"] == "active"
    session = headers["x-goog-upload-url"].split("emulator", 1)[1]
    wire.send(post(session, b"hello", "X-Goog-Upload-Command: upload, finalize", "X-Goog-Upload-Offset: 0"))
    status, headers, body = wire.answer()
    assert status == 200 and headers["x-goog-upload-status"] == "final" and b'"sizeBytes":"5"' in body
    wire.send(get(DOWNLOAD, f"x-goog-api-key: {KEY}", "Connection: close"))
    status, headers, body = wire.answer()
    assert (status, body, headers["connection"]) == (200, DATA, "close")
    assert wire.closed_by_server()
    records = fresh.http_requests
    assert [r.status for r in records] == [200, 401, 200, 200, 200]
    assert fresh.http_connections == 1 and {r.connection for r in records} == {records[0].connection}


def test_pipelined_requests_are_answered_in_order(fresh: Emulator, wire: Wire) -> None:
    wire.send(get(DOWNLOAD, f"x-goog-api-key: {KEY}") + get("/nowhere") + get(DOWNLOAD))
    assert [wire.answer()[0] for _ in range(3)] == [200, 404, 401]
    assert fresh.http_connections == 1


@pytest.mark.parametrize(
    "request_",
    [
        # refused before its body is read: no key
        post("/upload/v1beta/files", get(DOWNLOAD, f"x-goog-api-key: {KEY}")),
        # refused before its body is read: no such session
        post("/upload/v1beta/files?upload_id=nope", get(DOWNLOAD), "X-Goog-Upload-Command: upload"),
        # refused before its body is read: not a route
        post("/v1beta/elsewhere", get(DOWNLOAD)),
    ],
    ids=["no-key", "unknown-session", "not-found"],
)
def test_a_body_an_early_error_left_unread_is_not_taken_for_the_next_request(
    fresh: Emulator, wire: Wire, request_: bytes
) -> None:
    # Each body is itself a request: read as one, it would be answered (200 or 401) and every
    # answer after it would belong to the wrong request.
    wire.send(request_ + get("/v1beta/files/missing-1:download", f"x-goog-api-key: {KEY}"))
    first, _, _ = wire.answer()
    assert first in (401, 404)
    status, _, body = wire.answer()
    assert status == 404 and b"files/missing-1" in body
    assert [r.target for r in fresh.http_requests][1] == "/v1beta/files/missing-1:download"
    assert len(fresh.http_requests) == 2


def test_a_client_that_awaits_continue_gets_its_error_and_the_connection_closes(wire: Wire) -> None:
    # It may never send the body the early error made unnecessary: nothing to drop, so close.
    head = "POST /upload/v1beta/files HTTP/1.1\r\nHost: e\r\nContent-Length: 5000\r\n"
    wire.send(head.encode() + b"Expect: 100-continue\r\n\r\n")
    status, headers, _ = wire.answer()
    assert status == 401 and headers["connection"] == "close"
    assert wire.closed_by_server()


def test_a_chunked_body_is_refused_and_the_connection_closed(wire: Wire) -> None:
    head = "POST /upload/v1beta/files HTTP/1.1\r\nHost: e\r\nTransfer-Encoding: chunked\r\n\r\n"
    wire.send(head.encode() + b"5\r\nhello\r\n0\r\n\r\n")
    status, headers, body = wire.answer()
    assert status == 411 and headers["connection"] == "close" and b"Content-Length" in body
    assert wire.closed_by_server()


def test_http_1_0_closes_unless_it_asks_for_keep_alive(fresh: Emulator, wire: Wire) -> None:
    wire.send(get(DOWNLOAD, f"x-goog-api-key: {KEY}", "Connection: keep-alive", version="HTTP/1.0"))
    status, headers, body = wire.answer()
    assert (status, body, headers["connection"]) == (200, DATA, "keep-alive")
    wire.send(get(DOWNLOAD, f"x-goog-api-key: {KEY}", version="HTTP/1.0"))
    status, headers, _ = wire.answer()
    assert (status, headers["connection"]) == (200, "close")
    assert wire.closed_by_server()
    assert fresh.http_connections == 1


def test_an_httpx_client_reuses_its_connection(fresh: Emulator) -> None:
    with httpx.Client(base_url=f"http://{fresh.http_endpoint}", timeout=TIMEOUT) as client:
        for _ in range(5):
            answer = client.get(DOWNLOAD, headers={"x-goog-api-key": KEY})
            assert answer.content == DATA
    assert len(fresh.http_requests) == 5 and fresh.http_connections == 1


# -- records ------------------------------------------------------------------------------------------


def test_records_hold_method_target_headers_status_and_body_length(fresh: Emulator) -> None:
    with httpx.Client(base_url=f"http://{fresh.http_endpoint}", timeout=TIMEOUT) as client:
        start = {k.lower(): v for k, v in (line.split(": ") for line in START)}
        start["x-goog-upload-header-content-length"] = "2048"
        start["X-Emulator-Upload-Reset"] = "10:1"
        url = client.post("/upload/v1beta/files?alt=json&x=%20y", headers=start, content=b"{}").headers[
            "x-goog-upload-url"
        ]
        with pytest.raises(httpx.TransportError):  # cut mid-chunk: recorded with no status
            client.post(
                url,
                headers={"X-Goog-Upload-Command": "upload", "X-Goog-Upload-Offset": "0"},
                content=b"a" * 1024,
            )
        client.get(DOWNLOAD, headers={"x-goog-api-key": "wrong"})
    records = fresh.http_requests
    assert all(isinstance(r, HttpRecord) for r in records)
    first, cut, refused = records
    assert (first.method, first.target, first.status, first.body_length) == (
        "POST",
        "/upload/v1beta/files?alt=json&x=%20y",
        200,
        2,
    )
    assert first.headers["x-goog-api-key"] == KEY and first.headers["x-emulator-upload-reset"] == "10:1"
    assert all(name == name.lower() for name in first.headers)
    assert cut.target == url.split(fresh.http_endpoint, 1)[1] and (cut.status, cut.body_length) == (
        None,
        1024,
    )
    assert (refused.method, refused.target, refused.status, refused.body_length) == ("GET", DOWNLOAD, 403, 0)
    assert fresh.http_connections == 2  # the cut connection was replaced
    assert first.connection == cut.connection != refused.connection
    fresh.reset()
    assert fresh.http_requests == [] and fresh.http_connections == 0


def test_records_are_bounded_by_max_recorded_calls() -> None:
    with Emulator(max_recorded_calls=3) as emulator:
        with httpx.Client(base_url=f"http://{emulator.http_endpoint}", timeout=TIMEOUT) as client:
            for n in range(5):
                assert client.get(f"/nowhere?n={n}").status_code == 404
        assert [r.target for r in emulator.http_requests] == [f"/nowhere?n={n}" for n in (2, 3, 4)]
        assert emulator.http_connections == 1


# -- stopping -----------------------------------------------------------------------------------------


def test_stop_closes_an_idle_keep_alive_connection_at_once_and_leaves_no_task() -> None:
    async def main() -> None:
        before = asyncio.all_tasks()
        server = EmulatorServer()
        await server.start()
        host, port = server.http_endpoint.rsplit(":", 1)
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(get("/nowhere"))
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), TIMEOUT)
        assert head.startswith(b"HTTP/1.1 404") and b"Connection: close" not in head
        # The grace period is for running calls: an idle connection must not hold the stop for it.
        await asyncio.wait_for(server.stop(grace=60), TIMEOUT * 4)
        rest = await asyncio.wait_for(reader.read(), TIMEOUT)  # the 404's body, then the end
        assert rest.endswith(b"}") and reader.at_eof()
        writer.close()
        left = [t for t in asyncio.all_tasks() - before if t is not asyncio.current_task() and not t.done()]
        assert not left, left
        assert server.state.http_connections == 1

    asyncio.run(main())


def _threads() -> set[threading.Thread]:
    return set(threading.enumerate())


def test_leaving_the_emulator_with_a_pooled_connection_open_leaves_no_thread() -> None:
    before = _threads()
    with httpx.Client(timeout=TIMEOUT) as client:
        with Emulator(grace=0.0) as emulator:
            assert client.get(f"http://{emulator.http_endpoint}{DOWNLOAD}").status_code == 404
            assert emulator.http_connections == 1  # and it stays open in the client's pool
        deadline = time.monotonic() + TIMEOUT
        while [t for t in _threads() - before if t.is_alive()] and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not [t for t in _threads() - before if t.is_alive()]
