"""client.files and client.aio.files against the emulator, over real HTTP (uploads, downloads) and
gRPC (metadata) on loopback: resumes after resets, lost answers and 5xx, byte-identical files on
the server, a session saved and resumed by a new client, bounded memory, progress, an event loop
that keeps running, waits for ACTIVE, FAILED, the key kept out of URLs, logs and errors, and files
in generate calls."""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import logging
import os
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("httpx2")

import genai
from genai.errors import (
    FailedPreconditionError,
    FileFailedError,
    FileNotActiveError,
    FileWaitTimeoutError,
    UploadInterruptedError,
)
from genai.testing import Emulator

GRANULARITY = 64 * 1024
CHUNK = 128 * 1024
KEY = "files-secret-key-4242"


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator(upload_granularity=GRANULARITY, api_keys=[KEY]) as emulator:
        yield emulator


def fast(client: genai.Client) -> genai.Client:
    """Shorter backoffs and polls, on both faces (the protocol is the same)."""
    for files in (client.files, client.aio.files):
        files.backoff_base = 0.01  # type: ignore[misc]
        files.backoff_cap = 0.05  # type: ignore[misc]
        files.poll_initial = 0.02  # type: ignore[misc]
    return client


@pytest.fixture
def client(emu: Emulator) -> Iterator[genai.Client]:
    with emu.client(timeout=10) as c:
        yield fast(c)


def knobs(**headers: str) -> dict[str, Any]:
    return {"metadata": [(f"x-emulator-{name.replace('_', '-')}", value) for name, value in headers.items()]}


def server_sha256(emu: Emulator, name: str) -> str:
    return hashlib.sha256(emu.server.backend.files.data(name)).hexdigest()


class ChunkLog:
    """Records the (command, offset, length) of every request the upload sends, and every URL."""

    def __init__(self, files: Any) -> None:
        self.requests: list[tuple[str, int, int]] = []
        self.urls: list[str] = []
        self.headers: list[dict[str, str]] = []
        # What the server said it had, after each request that was answered (in order), by request.
        self.confirmed: list[int] = []
        self.answered: list[int] = []
        http = files._http
        post = http.post

        def record(url: str, headers: Any, content: bytes, timeout: float | None = None) -> Any:
            self.urls.append(url)
            self.headers.append(dict(headers))
            command = headers.get("X-Goog-Upload-Command", "")
            self.requests.append((command, int(headers.get("X-Goog-Upload-Offset", -1)), len(content)))
            answer = post(url, headers, content, timeout)  # raises on a reset: no answer to note
            received = answer.headers.get("x-goog-upload-size-received")
            self.confirmed.append(int(received) if received is not None else -1)
            self.answered.append(len(self.requests) - 1)
            return answer

        http.post = record


def check_never_resent(log: ChunkLog, size: int) -> None:
    """Every byte went out in an acknowledged chunk exactly once: a chunk never starts before what
    the server had already confirmed."""
    confirmed_after = dict(zip(log.answered, log.confirmed, strict=True))
    confirmed = 0
    for index, (command, offset, _) in enumerate(log.requests):
        if command.startswith("upload"):
            assert offset >= confirmed, f"re-sent bytes the server had: offset {offset} < {confirmed}"
        confirmed = max(confirmed, confirmed_after.get(index, -1))
    assert confirmed > 0, "no answer said how much the server had: the check above proved nothing"
    chunks = [(offset, length) for command, offset, length in log.requests if command.startswith("upload")]
    assert chunks[-1][0] + chunks[-1][1] == size


# -- resumes ------------------------------------------------------------------------------------------


def test_resets_mid_chunk_lost_answers_and_5xx_resume_to_an_identical_file(
    client: genai.Client, emu: Emulator, tmp_path: Path
) -> None:
    data = os.urandom(CHUNK * 6 + 1234)  # 7 chunks
    path = tmp_path / "big.bin"
    path.write_bytes(data)
    log = ChunkLog(client.files)
    progress: list[tuple[int, int]] = []
    file = client.files.upload(
        file=path,
        mime_type="application/octet-stream",
        chunk_size=CHUNK,
        on_progress=lambda sent, total: progress.append((sent, total)),
        config=knobs(upload_reset="5000:3", upload_drop_answer="2", upload_5xx="503:1"),
    )
    assert file.size_bytes == len(data) and file.state == "ACTIVE"
    assert server_sha256(emu, file.name) == hashlib.sha256(data).hexdigest() == file.sha256_hash
    commands = [command for command, _, _ in log.requests]
    assert commands.count("query") >= 5  # each failure asked the server how much it had
    check_never_resent(log, len(data))
    # The answers lost after the server kept a chunk: the next chunk went on from the server's count.
    uploads = [offset for command, offset, _ in log.requests if command.startswith("upload")]
    assert (
        len(uploads) == 7 + 3 + 1
    )  # 7 chunks, 3 cut mid-chunk and 1 answered 503 sent again; none after a lost answer
    sent = [s for s, _ in progress]
    assert sent == sorted(sent) and len(set(sent)) == len(sent)
    assert progress[-1] == (len(data), len(data)) and all(total == len(data) for _, total in progress)


def test_the_async_face_resumes_the_same_way_and_never_blocks_the_loop(
    client: genai.Client, emu: Emulator
) -> None:
    data = os.urandom(CHUNK * 2 + 7)
    ticks: list[int] = []
    reads_saw_the_loop_run: list[bool] = []

    class GatedDisk(io.BytesIO):
        """A file whose every read waits until the event loop has ticked 3 times during it: it can
        only if the read runs off the loop (on the loop it would wait out its 10 s and say so)."""

        def read(self, size: int | None = -1) -> bytes:
            start, deadline = len(ticks), time.monotonic() + 10
            while len(ticks) < start + 3 and time.monotonic() < deadline:
                time.sleep(0.002)
            reads_saw_the_loop_run.append(len(ticks) >= start + 3)
            return super().read(size)

    async def main() -> Any:
        async def ticker() -> None:
            while True:
                ticks.append(len(ticks))
                await asyncio.sleep(0.001)

        task = asyncio.create_task(ticker())
        try:
            return await client.aio.files.upload(
                file=GatedDisk(data),
                mime_type="application/octet-stream",
                chunk_size=CHUNK,
                config=knobs(upload_reset="1000:2", upload_5xx="500:1"),
            )
        finally:
            task.cancel()
            await client.aio.files.aclose()

    file = asyncio.run(main())
    assert server_sha256(emu, file.name) == hashlib.sha256(data).hexdigest()
    assert len(reads_saw_the_loop_run) >= 3 and all(reads_saw_the_loop_run), reads_saw_the_loop_run


def _upload_on(face: str, client: genai.Client, data: bytes, **faults: str) -> Any:
    options: dict[str, Any] = {
        "mime_type": "application/octet-stream",
        "chunk_size": CHUNK,
        "config": knobs(**faults),
    }
    if face == "sync":
        return client.files.upload(file=data, **options)

    async def main() -> Any:
        try:
            return await client.aio.files.upload(file=data, **options)
        finally:
            await client.aio.files.aclose()  # its connections belong to this loop

    return asyncio.run(main())


@pytest.mark.parametrize("face", ["sync", "async"])
def test_an_upload_keeps_its_connection_and_only_a_cut_one_is_replaced(
    client: genai.Client, emu: Emulator, face: str
) -> None:
    data = os.urandom(CHUNK * 6 + 1234)  # 7 chunks
    emu.reset()
    _upload_on(face, client, data)
    assert len(emu.http_requests) == 8  # start, 7 chunks
    assert emu.http_connections == 1

    emu.reset()
    file = _upload_on(face, client, data, upload_reset="5000:2", upload_drop_answer="1", upload_5xx="503:1")
    assert server_sha256(emu, file.name) == hashlib.sha256(data).hexdigest()
    records = emu.http_requests
    statuses = [r.status for r in records]
    assert statuses.count(None) == 3 and statuses.count(503) == 1  # 2 resets, 1 lost answer
    # A 503 keeps its connection; each cut one is replaced. (The sync client's pooled connection
    # carries over from the first upload, so count the connections the records name.)
    assert len({r.connection for r in records}) == 1 + 3
    assert len(records) >= 8 + 3 + 1 + 3  # with the re-sent chunks and the queries after each failure
    start = records[0]
    assert (start.method, start.target, start.headers["x-goog-api-key"]) == (
        "POST",
        "/upload/v1beta/files",
        KEY,
    )
    assert all(KEY not in r.target and "key=" not in r.target for r in records)


def test_a_session_saved_by_one_client_is_resumed_by_another(emu: Emulator, tmp_path: Path) -> None:
    data = os.urandom(CHUNK * 5 + 99)
    path = tmp_path / "resumable.bin"
    path.write_bytes(data)
    saved: list[str] = []

    class Crash(Exception):
        pass

    def crash_after_three_chunks(sent: int, total: int) -> None:
        if sent >= 3 * CHUNK:
            raise Crash  # the process "dies" here, with three chunks on the server

    with emu.client() as first, pytest.raises(Crash):
        first.files.upload(
            file=path,
            mime_type="application/octet-stream",
            chunk_size=CHUNK,
            on_session=lambda session: saved.append(session.to_json()),
            on_progress=crash_after_three_chunks,
        )
    assert len(saved) == 1 and KEY not in saved[0]
    session = json.loads(saved[0])

    with emu.client() as second:
        log = ChunkLog(second.files)
        progress: list[int] = []
        file = second.files.upload(
            file=str(path), chunk_size=CHUNK, resume=session, on_progress=lambda s, t: progress.append(s)
        )
    assert server_sha256(emu, file.name) == hashlib.sha256(data).hexdigest()
    assert log.requests[0][0] == "query"  # it asked the server first ...
    first_chunk = next(offset for command, offset, _ in log.requests if command.startswith("upload"))
    assert first_chunk == 3 * CHUNK  # ... and sent only what the server did not have
    assert progress[0] == 3 * CHUNK and progress[-1] == len(data)

    with emu.client() as third, pytest.raises(ValueError, match="not the one this session"):
        third.files.upload(file=b"other bytes", mime_type="text/plain", resume=session)


def test_a_cancelled_async_upload_leaves_nothing_running_and_resumes(
    client: genai.Client, emu: Emulator
) -> None:
    data = os.urandom(CHUNK * 5 + 3)
    sessions: list[Any] = []

    async def main() -> Any:
        two_chunks_in = asyncio.Event()

        def progress(sent: int, total: int) -> None:
            if sent >= 2 * CHUNK:
                two_chunks_in.set()

        upload = asyncio.create_task(
            client.aio.files.upload(
                file=data,
                mime_type="application/octet-stream",
                chunk_size=CHUNK,
                on_session=sessions.append,
                on_progress=progress,
            )
        )
        await two_chunks_in.wait()
        upload.cancel()
        with pytest.raises(asyncio.CancelledError):
            await upload
        assert asyncio.all_tasks() == {asyncio.current_task()}  # nothing of the upload goes on
        try:
            return await client.aio.files.upload(
                file=data, chunk_size=CHUNK, resume=sessions[0], on_progress=lambda s, t: None
            )
        finally:
            await client.aio.files.aclose()

    file = asyncio.run(main())
    assert len(sessions) == 1
    assert server_sha256(emu, file.name) == hashlib.sha256(data).hexdigest()


def test_giving_up_hands_back_a_session_that_resumes(client: genai.Client, emu: Emulator) -> None:
    data = os.urandom(CHUNK * 2 + 5)
    client.files.max_failures = 3  # type: ignore[misc]
    with pytest.raises(UploadInterruptedError) as caught:
        client.files.upload(
            file=data,
            mime_type="application/octet-stream",
            chunk_size=CHUNK,
            config=knobs(upload_5xx="503:8"),
        )
    session = caught.value.session
    assert session.size == len(data) and session.offset == 0
    assert KEY not in str(caught.value) and KEY not in repr(caught.value) and KEY not in session.to_json()
    # The session still answers 503 for a while: a client with a larger budget gets through.
    client.files.max_failures = 100  # type: ignore[misc]
    file = client.files.upload(file=data, chunk_size=CHUNK, resume=session.to_json())
    assert server_sha256(emu, file.name) == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("face", ["sync", "async"])
def test_a_start_whose_connection_keeps_failing_is_unavailable(face: str) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        nobody = f"127.0.0.1:{sock.getsockname()[1]}"  # closed once the block ends
    with genai.Client(KEY, endpoint="127.0.0.1:1", http_endpoint=nobody, insecure=True) as c:
        files = fast(c).files if face == "sync" else fast(c).aio.files
        files.max_failures = 2  # type: ignore[misc]

        def upload() -> Any:
            if face == "sync":
                return c.files.upload(file=b"x", mime_type="text/plain")

            async def main() -> Any:
                try:
                    return await c.aio.files.upload(file=b"x", mime_type="text/plain")
                finally:
                    await c.aio.files.aclose()

            return asyncio.run(main())

        with pytest.raises(genai.errors.UnavailableError) as caught:
            upload()
    message = str(caught.value)
    assert "starting the upload failed 2 times in a row: the connection failed: ConnectError" in message
    assert KEY not in message and nobody not in message
    assert isinstance(caught.value.__cause__, ConnectionError)  # the last failure, chained


def test_a_lost_session_is_an_error_with_the_session(client: genai.Client) -> None:
    with pytest.raises(UploadInterruptedError) as caught:
        client.files.upload(
            file=os.urandom(CHUNK * 3),
            mime_type="video/mp4",
            chunk_size=CHUNK,
            config=knobs(upload_lose_after="1"),
        )
    assert "NOT_FOUND" in str(caught.value.__cause__) or "session" in str(caught.value)


# -- memory -------------------------------------------------------------------------------------------

MEMORY_SCRIPT = textwrap.dedent(
    """
    import asyncio, sys, tracemalloc
    import genai
    path, endpoint, http_endpoint, key, face = sys.argv[1:]
    client = genai.Client(endpoint=endpoint, http_endpoint=http_endpoint, insecure=True, api_key=key)
    import httpx2  # its import (with urllib's and http's) is code, not the upload's memory
    tracemalloc.start()
    if face == "sync":
        file = client.files.upload(file=path, mime_type="application/octet-stream", chunk_size=256 * 1024)
    else:
        async def main():
            try:
                return await client.aio.files.upload(
                    file=path, mime_type="application/octet-stream", chunk_size=256 * 1024
                )
            finally:
                await client.aio.files.aclose()
        file = asyncio.run(main())
    peak = tracemalloc.get_traced_memory()[1]
    print(file.size_bytes, peak)
    """
)


@pytest.mark.parametrize("face", ["sync", "async"])
def test_memory_is_bounded_by_the_chunk_size_not_the_file_size(
    emu: Emulator, tmp_path: Path, face: str
) -> None:
    size = 24 * 1024 * 1024
    path = tmp_path / "large.bin"
    with open(path, "wb") as out:
        for _ in range(size // (1024 * 1024)):
            out.write(os.urandom(1024 * 1024))
    # The client runs in its own process, so that only its memory is measured (not the emulator's).
    done = subprocess.run(
        [sys.executable, "-c", MEMORY_SCRIPT, str(path), emu.endpoint, emu.http_endpoint, KEY, face],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    uploaded, peak = map(int, done.stdout.split())
    assert uploaded == size
    # 256 KiB chunks: a few copies of one chunk and the clients' own state, far below the 24 MiB file.
    assert peak < 6 * 1024 * 1024, f"peak {peak} bytes for a {size}-byte upload"


# -- checks before anything is sent ---------------------------------------------------------------


def test_checks_before_sending(client: genai.Client, tmp_path: Path) -> None:
    log = ChunkLog(client.files)
    with pytest.raises(FileNotFoundError, match=r"missing\.mp4"):
        client.files.upload(file=tmp_path / "missing.mp4")
    with pytest.raises(IsADirectoryError):
        client.files.upload(file=tmp_path)
    with pytest.raises(ValueError, match="mime type"):
        client.files.upload(file=b"\x00\x01\x02\xff\xfe")

    class Huge(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def seekable(self) -> bool:
            return True

        def tell(self) -> int:
            return 0

        def seek(self, offset: int, whence: int = 0) -> int:
            return 3 * 1024**3 if whence == io.SEEK_END else offset

    with pytest.raises(ValueError, match="2 GB"):
        client.files.upload(file=Huge(), mime_type="video/mp4")
    with pytest.raises(TypeError, match="binary"):
        client.files.upload(file=io.StringIO("text"))
    assert log.requests == []  # nothing was sent


def test_mime_types_from_the_name_the_content_or_the_caller(client: genai.Client, tmp_path: Path) -> None:
    named = tmp_path / "notes.md"
    named.write_text("# Notes\n")
    assert client.files.upload(file=named).mime_type == "text/markdown"
    assert client.files.upload(file=b"%PDF-1.7\n...").mime_type == "application/pdf"
    assert client.files.upload(file=b"\x89PNG\r\n\x1a\n0000").mime_type == "image/png"
    assert client.files.upload(file=named, mime_type="text/plain").mime_type == "text/plain"
    assert client.files.upload(file=named).display_name == "notes.md"


# -- waits ----------------------------------------------------------------------------------------------


def test_google_genai_upload_config_form(client: genai.Client, emu: Emulator) -> None:
    from google.genai import types as gtypes

    file = client.files.upload(
        file=b"plain words", config={"display_name": "words", "mime_type": "text/plain"}
    )
    assert (file.display_name, file.mime_type) == ("words", "text/plain")
    named = client.files.upload(
        file=b"more words", config=gtypes.UploadFileConfig(name="files/chosen-one", mime_type="text/plain")
    )
    assert named.name == "files/chosen-one" and named.mime_type == "text/plain"
    positional = client.files.upload(b"positional", mime_type="text/plain")  # file= may be positional
    assert client.files.get(positional.name).size_bytes == 10
    client.files.delete(positional.name)
    camel = client.files.upload(file=b"x", config={"displayName": "camel", "mimeType": "text/csv", **knobs()})
    assert (camel.display_name, camel.mime_type) == ("camel", "text/csv")
    with pytest.raises(ValueError, match=r"config\.mime_type and mime_type= disagree"):
        client.files.upload(file=b"x", mime_type="text/plain", config={"mime_type": "text/csv"})
    with pytest.raises(
        ValueError, match=r"unknown key 'dispaly_name' for an upload; valid keys: display_name"
    ):
        client.files.upload(file=b"x", config={"dispaly_name": "typo"})
    with pytest.raises(TypeError, match=r"config\.display_name: expected a str; got int"):
        client.files.upload(file=b"x", config={"display_name": 5})


def test_a_timeout_in_the_config_bounds_each_http_request(tmp_path: Path) -> None:
    """A server that takes the request and never answers (it hangs up after 5 s): with
    config={"timeout": 0.2} each attempt ends in a read timeout, not in the hang-up."""
    import socket
    import threading

    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    stop = threading.Event()

    def silent() -> None:
        held = []
        listener.settimeout(0.1)
        deadline = time.monotonic() + 30
        while not stop.is_set() and time.monotonic() < deadline:
            try:
                conn, _ = listener.accept()
                held.append((conn, time.monotonic() + 5))
            except TimeoutError:
                pass
            for conn, until in list(held):
                if time.monotonic() > until:
                    conn.close()
                    held.remove((conn, until))
        for conn, _ in held:
            conn.close()

    server = threading.Thread(target=silent, daemon=True)
    server.start()
    try:
        with genai.Client(KEY, endpoint=f"127.0.0.1:{port}", insecure=True) as c:
            c.files.max_failures = 2  # type: ignore[misc]
            c.files.backoff_base = 0.01  # type: ignore[misc]
            with pytest.raises(genai.errors.UnavailableError, match="ReadTimeout") as failed:
                c.files.upload(b"data", mime_type="text/plain", config={"timeout": 0.2})
            assert KEY not in str(failed.value)
    finally:
        stop.set()
        server.join(10)
        listener.close()


def test_a_server_answering_201_and_308_is_followed() -> None:
    """Another server's dialect of the protocol: 201 for the start, 308 for chunks not yet final."""
    import http.server
    import threading

    received = bytearray()

    class Peer(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            command = self.headers.get("X-Goog-Upload-Command", "")
            if command == "start":
                self.send_response(201)
                self.send_header("X-Goog-Upload-URL", f"http://127.0.0.1:{port}/session/1")
                self.send_header("X-Goog-Upload-Chunk-Granularity", "4")
                payload = b""
            elif command == "upload":
                received.extend(body)
                self.send_response(308)
                self.send_header("X-Goog-Upload-Size-Received", str(len(received)))
                payload = b""
            else:
                received.extend(body)
                self.send_response(200)
                file = {"name": "files/peer", "sizeBytes": str(len(received)), "mimeType": "text/plain"}
                payload = json.dumps({"file": file}).encode()
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Peer)
    port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with genai.Client(KEY, endpoint=f"127.0.0.1:{port}", insecure=True) as c:
            file = c.files.upload(b"0123456789abcdef!", mime_type="text/plain", chunk_size=8)
        assert (file.name, file.size_bytes) == ("files/peer", 17) and bytes(received) == b"0123456789abcdef!"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def test_a_session_url_without_tls_is_refused_by_a_tls_client(tmp_path: Path) -> None:
    source = tmp_path / "clip.bin"
    source.write_bytes(b"0123456789")
    saved = genai.UploadSession(
        url="http://uploads.example/upload?upload_id=1",
        size=10,
        sha256=hashlib.sha256(b"0123456789").hexdigest(),
        granularity=1,
    )
    with genai.Client(KEY, endpoint="127.0.0.1:1", http_endpoint="127.0.0.1:1") as tls:
        with pytest.raises(ValueError, match=r"session URL is not https \('http'\).*plaintext") as refused:
            tls.files.upload(source, mime_type="application/octet-stream", resume=saved)
        assert KEY not in str(refused.value)


def test_wait_for_active_and_failed_surfaces(client: genai.Client) -> None:
    file = client.files.upload(
        file=b"clip", mime_type="video/mp4", wait=True, config=knobs(file_processing_seconds="0.3")
    )
    assert file.state == "ACTIVE"
    slow = client.files.upload(
        file=b"clip", mime_type="video/mp4", config=knobs(file_processing_seconds="0.3")
    )
    assert slow.state == "PROCESSING"
    assert slow.wait_active(timeout=5).state == "ACTIVE"
    stuck = client.files.upload(
        file=b"clip", mime_type="video/mp4", config=knobs(file_processing_seconds="60")
    )
    with pytest.raises(FileWaitTimeoutError) as timed_out:
        client.files.wait(stuck.name, timeout=0.2)
    assert timed_out.value.name == stuck.name
    failing = client.files.upload(
        file=b"clip", mime_type="video/mp4", config=knobs(file_fail="Unsupported codec")
    )
    with pytest.raises(FileFailedError, match="Unsupported codec") as failed:
        failing.wait_active()
    assert failed.value.file.state == "FAILED" and failed.value.error.message == "Unsupported codec"
    # Its details: the known one parsed, the one of an unknown type kept as it came.
    info, unknown = failed.value.error.details
    assert info.reason == "FILE_PROCESSING_FAILED"
    assert unknown.type_url.endswith("emulator.genai.ProcessingTrace") and unknown.value == b"\x08\x01"

    async def on_the_loop() -> None:
        try:
            waited = await client.aio.files.upload(
                file=b"clip", mime_type="video/mp4", wait=True, config=knobs(file_processing_seconds="0.2")
            )
            assert waited.state == "ACTIVE"
            with pytest.raises(FileFailedError):
                await client.aio.files.wait(failing.name)
        finally:
            await client.aio.files.aclose()

    asyncio.run(on_the_loop())


# -- metadata -------------------------------------------------------------------------------------------


def test_get_list_delete_download(client: genai.Client, emu: Emulator, tmp_path: Path) -> None:
    made = [client.files.upload(file=f"file {i}".encode(), mime_type="text/plain") for i in range(3)]
    names = [f.name for f in client.files.list(config={"page_size": 2})]
    assert {f.name for f in made} <= set(names) and len(names) == len(set(names))
    assert client.files.get(name=made[0].name.removeprefix("files/")) == made[0]
    client.files.delete(name=made[0])
    with pytest.raises(genai.errors.NotFoundError):
        client.files.get(name=made[0].name)

    generated = genai.types.File(
        name="files/video-out", mime_type="video/mp4", source=genai.types.File.Source.GENERATED
    )
    data = os.urandom(300_000)
    emu.server.backend.files.create(generated, data)
    target = client.files.download(file="files/video-out", path=tmp_path / "out.mp4")
    assert Path(target).read_bytes() == data
    # Without a path the bytes come back (google-genai's shape); the file, its name or its uri do.
    assert client.files.download(file=generated) == data
    assert client.files.download("video-out") == data
    # A uri on the API's own host (as the real service writes them) goes to this client's endpoint.
    official = "https://generativelanguage.googleapis.com/v1beta/files/video-out:download?alt=media"
    assert client.files.download(official) == data
    # Uploaded bytes never come back (as on the API): refused here for a File known to be
    # uploaded, and by the server for a name (FAILED_PRECONDITION over HTTP, as over gRPC).
    with pytest.raises(ValueError, match=r"was uploaded; only generated files can be downloaded"):
        client.files.download(made[1])
    with pytest.raises(FailedPreconditionError, match="Only generated files can be downloaded"):
        client.files.download(made[1].name)
    assert not [r for r in emu.http_requests if "googleapis" in r.headers.get("host", "")]

    async def listed() -> list[str]:
        try:
            return [f.name async for f in client.aio.files.list(config={"page_size": 1})]
        finally:
            await client.aio.files.aclose()

    assert set(asyncio.run(listed())) >= {made[1].name, made[2].name}


def test_create_makes_a_file_from_metadata_over_grpc(client: genai.Client, emu: Emulator) -> None:
    made = client.files.create(display_name="notes", mime_type="text/plain", name="metadata-only")
    assert (made.name, made.display_name, made.mime_type) == ("files/metadata-only", "notes", "text/plain")
    assert client.files.get("metadata-only").display_name == "notes"
    created = [c for c in emu.calls if c.method == "CreateFile"]
    assert created[-1].request.file.display_name == "notes"
    with pytest.raises(genai.errors.AlreadyExistsError):
        client.files.create(name="metadata-only")
    with pytest.raises(TypeError, match="display_name: expected a str; got int"):
        client.files.create(display_name=3)  # type: ignore[arg-type]


# -- the key ------------------------------------------------------------------------------------------


def test_the_key_stays_in_a_header(
    client: genai.Client, emu: Emulator, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # httpx2 / httpcore2 log requests at DEBUG
    log = ChunkLog(client.files)
    errors: list[BaseException] = []
    client.files.upload(
        file=os.urandom(CHUNK * 2 + 1),
        mime_type="video/mp4",
        chunk_size=CHUNK,
        config=knobs(upload_reset="10:2"),
    )
    client.files.max_failures = 2  # type: ignore[misc]
    try:
        client.files.upload(file=b"x" * 10, mime_type="text/plain", config=knobs(upload_5xx="503:9"))
    except UploadInterruptedError as exc:
        errors.append(exc)
    with emu.client(api_key="wrong-key-5151") as other:
        try:
            other.files.upload(file=b"x", mime_type="text/plain")
        except genai.errors.APIError as exc:
            errors.append(exc)
    try:
        client.files.download(file="files/none", path=tmp_path / "none")
    except genai.errors.APIError as exc:
        errors.append(exc)
    assert len(errors) == 3
    assert log.urls and all(KEY not in url and "key=" not in url for url in log.urls)
    assert all(h.get("x-goog-api-key") == KEY for h in log.headers if "X-Goog-Upload-Protocol" in h)
    for error in errors:
        chain: BaseException | None = error
        while chain is not None:
            assert KEY not in str(chain) and KEY not in repr(chain) and "wrong-key-5151" not in str(chain)
            chain = chain.__cause__ or chain.__context__
    records = [record.getMessage() for record in caplog.records]
    assert records, "httpx2 logged nothing: the check below would prove nothing"
    assert all(KEY not in message for message in records)


# -- files in contents --------------------------------------------------------------------------------


def test_files_in_generate_calls(client: genai.Client) -> None:
    file = client.files.upload(file=b"The tide is high.", mime_type="text/plain")
    reply = client.models.generate_content(model="gemini-2.5-flash", contents=[file, "Summarise the file."])
    assert reply.text
    as_message = client.models.generate_content(model="gemini-2.5-flash", contents=[file.raw, "Again."])
    assert as_message.text

    waiting = client.files.upload(
        file=b"later", mime_type="text/plain", config=knobs(file_processing_seconds="60")
    )
    with pytest.raises(FileNotActiveError, match="PROCESSING"):
        client.models.generate_content(model="gemini-2.5-flash", contents=[waiting, "Summarise."])
    # A part that only names the file (its state unknown to the client) is refused by the server.
    part = genai.types.Part(file_data=genai.types.FileData(file_uri=waiting.uri, mime_type="text/plain"))
    with pytest.raises(FailedPreconditionError, match="ACTIVE"):
        client.models.generate_content(model="gemini-2.5-flash", contents=[part])


def test_files_still_processing_are_waited_for_when_the_call_asks(
    client: genai.Client, emu: Emulator
) -> None:
    def processing(seconds: str) -> Any:
        return client.files.upload(
            file=b"notes", mime_type="text/plain", config=knobs(file_processing_seconds=seconds)
        )

    model = "gemini-2.5-flash"
    first, second = processing("0.3"), processing("0.3")
    assert first.state == second.state == "PROCESSING"
    reply = client.models.generate_content(
        model=model, contents=[first, second, "Compare them."], config={"wait_for_files": 10}
    )
    assert reply.text
    assert client.files.get(name=first.name).state == client.files.get(name=second.name).state == "ACTIVE"
    # Streams, token counts and chats wait the same way; the config key is never sent.
    streamed = client.models.generate_content_stream(
        model=model, contents=[processing("0.2"), "Summarise."], config={"wait_for_files": True}
    )
    assert "".join(chunk.text or "" for chunk in streamed)
    counted = client.models.count_tokens(
        model=model,
        contents=[processing("0.2"), "Count."],
        config=genai.types.GenerateContentConfig(wait_for_files=5),
    )
    assert counted.total_tokens > 0
    chat = client.chats.create(model=model, config={"wait_for_files": 10})
    assert chat.send_message([processing("0.2"), "What is it?"]).text
    assert len(chat.get_history()) == 2
    # Out of time: the file's name on the error, and nothing sent.
    sent = len(emu.calls)
    stuck = processing("60")
    with pytest.raises(FileWaitTimeoutError) as timed_out:
        client.models.generate_content(model=model, contents=[stuck, "Hi"], config={"wait_for_files": 0.2})
    assert timed_out.value.name == stuck.name
    assert not [c for c in emu.calls[sent:] if c.method.endswith("GenerateContent")]
    # A file that FAILED while the call waited raises with the file's own error.
    failing = client.files.upload(
        file=b"clip",
        mime_type="video/mp4",
        config=knobs(file_fail="Unsupported codec", file_processing_seconds="0.2"),
    )
    with pytest.raises(FileFailedError, match="Unsupported codec"):
        client.models.generate_content(model=model, contents=[failing, "Hi"], config={"wait_for_files": 10})
    # Without the setting nothing waits; a bad setting names itself.
    with pytest.raises(FileNotActiveError, match="wait_for_files"):
        client.models.generate_content(model=model, contents=[processing("60"), "Hi"])
    with pytest.raises(TypeError, match=r"config\.wait_for_files: expected a bool or a number"):
        client.models.generate_content(model=model, contents=[first, "Hi"], config={"wait_for_files": "yes"})
    with pytest.raises(ValueError, match=r"config\.wait_for_files: expected a positive"):
        client.models.generate_content(model=model, contents=[first, "Hi"], config={"wait_for_files": -1})

    async def on_the_loop() -> None:
        try:
            file = await client.aio.files.upload(
                file=b"notes", mime_type="text/plain", config=knobs(file_processing_seconds="0.2")
            )
            assert file.state == "PROCESSING"
            reply = await client.aio.models.generate_content(
                model=model, contents=[file, "Hi"], config={"wait_for_files": True}
            )
            assert reply.text
        finally:
            await client.aio.files.aclose()

    asyncio.run(on_the_loop())


# -- the command line -----------------------------------------------------------------------------------


def test_the_files_commands(
    emu: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from genai.cli import main

    monkeypatch.setenv("GEMINI_API_KEY", KEY)
    monkeypatch.delenv("GOOGLE_API_KEY", raising=False)
    target = ["--endpoint", emu.endpoint, "--http-endpoint", emu.http_endpoint, "--insecure"]
    path = tmp_path / "notes.txt"
    path.write_bytes(b"x" * (3 * 1024 * 1024 + 5))
    assert main([*target, "files", "upload", str(path), "--wait", "--display-name", "notes"]) == 0
    out, err = capsys.readouterr()
    name, state, mime, size, display, uri = out.strip().split("\t")
    assert uri.endswith(name)
    assert (state, mime, size, display) == ("ACTIVE", "text/plain", str(3 * 1024 * 1024 + 5), "notes")
    assert "100%" in err and "3.0/3.0 MiB" in err and KEY not in err

    assert main([*target, "files", "list", "--page-size", "1"]) == 0
    assert name in [line.split("\t")[0] for line in capsys.readouterr().out.splitlines()]
    assert main([*target, "files", "get", name]) == 0
    assert capsys.readouterr().out.startswith(name + "\tACTIVE\t")
    assert main([*target, "files", "delete", name]) == 0
    capsys.readouterr()
    assert main([*target, "files", "get", name]) == 1
    assert "NOT_FOUND" in capsys.readouterr().err

    generated = genai.types.File(
        name="files/cli-out", mime_type="video/mp4", source=genai.types.File.Source.GENERATED
    )
    emu.server.backend.files.create(generated, b"frames")
    assert main([*target, "files", "download", "cli-out", str(tmp_path / "out.mp4")]) == 0
    assert (tmp_path / "out.mp4").read_bytes() == b"frames"
    assert main([*target, "files", "upload", str(tmp_path / "missing.bin")]) == 1
    assert "missing.bin" in capsys.readouterr().err
