"""FileService and the HTTP upload endpoint on the emulator, through plain stubs and plain HTTP:
the resumable protocol (start, upload, finalize, query, cancel, granularity, offsets), its faults
on demand, PROCESSING -> ACTIVE on the store's clock, FAILED on demand, metadata over gRPC and
files in generate requests."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import grpc
import httpx2 as httpx
import pytest
from genai_protos import (
    content_pb2,
    file_pb2,
    file_service_pb2,
    file_service_pb2_grpc,
    generative_service_pb2,
    generative_service_pb2_grpc,
)

from genai.testing import Emulator, ManualClock

fs = file_service_pb2
gs = generative_service_pb2
File = file_pb2.File
KEY = [("x-goog-api-key", "emulator-key")]
GRANULARITY = 1024
TIMEOUT = 5.0


@pytest.fixture(scope="module")
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture(scope="module")
def emu(clock: ManualClock) -> Iterator[Emulator]:
    with Emulator(clock=clock, upload_granularity=GRANULARITY, api_keys=["emulator-key"]) as emulator:
        yield emulator


@pytest.fixture(scope="module")
def stubs(emu: Emulator) -> Iterator[tuple[Any, Any]]:
    with grpc.insecure_channel(emu.endpoint) as channel:
        yield (
            file_service_pb2_grpc.FileServiceStub(channel),
            generative_service_pb2_grpc.GenerativeServiceStub(channel),
        )


@pytest.fixture
def http(emu: Emulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"http://{emu.http_endpoint}", timeout=TIMEOUT) as client:
        yield client


def start(http: httpx.Client, size: int, **headers: str) -> httpx.Response:
    sent = {
        "x-goog-api-key": "emulator-key",
        "X-Goog-Upload-Protocol": "resumable",
        "X-Goog-Upload-Command": "start",
        "X-Goog-Upload-Header-Content-Length": str(size),
        "X-Goog-Upload-Header-Content-Type": "application/octet-stream",
    }
    sent.update({name.replace("_", "-"): value for name, value in headers.items()})
    return http.post("/upload/v1beta/files", headers=sent, json={"file": {"display_name": "d"}})


def send(http: httpx.Client, url: str, command: str, offset: int, data: bytes = b"") -> httpx.Response:
    headers = {"X-Goog-Upload-Command": command, "X-Goog-Upload-Offset": str(offset)}
    return http.post(url, headers=headers, content=data)


def upload(http: httpx.Client, data: bytes, **headers: str) -> dict[str, Any]:
    url = start(http, len(data), **headers).headers["x-goog-upload-url"]
    answer = send(http, url, "upload, finalize", 0, data)
    assert answer.status_code == 200, answer.text
    return dict(answer.json()["file"])


def test_a_resumable_upload_in_chunks_makes_a_file_gets_and_lists_show(
    http: httpx.Client, stubs: Any
) -> None:
    data = bytes(range(256)) * 13  # 3328 bytes: 3 chunks of 1024 and a last one of 256
    started = start(http, len(data))
    assert started.status_code == 200
    assert started.headers["x-goog-upload-status"] == "active"
    assert int(started.headers["x-goog-upload-chunk-granularity"]) == GRANULARITY
    url = started.headers["x-goog-upload-url"]
    for offset in range(0, 3072, 1024):
        answer = send(http, url, "upload", offset, data[offset : offset + 1024])
        assert answer.headers["x-goog-upload-size-received"] == str(offset + 1024)
    query = send(http, url, "query", 0)
    assert (query.headers["x-goog-upload-status"], query.headers["x-goog-upload-size-received"]) == (
        "active",
        "3072",
    )
    final = send(http, url, "upload, finalize", 3072, data[3072:])
    assert final.headers["x-goog-upload-status"] == "final"
    file = final.json()["file"]
    assert file["sizeBytes"] == str(len(data)) and file["state"] == "ACTIVE"
    assert file["uri"].endswith("/v1beta/" + file["name"])
    got = stubs[0].GetFile(fs.GetFileRequest(name=file["name"]), metadata=KEY, timeout=TIMEOUT)
    assert got.sha256_hash.decode() == hashlib.sha256(data).hexdigest()
    assert got.display_name == "d" and got.source == File.Source.UPLOADED
    names = {f.name for f in stubs[0].ListFiles(fs.ListFilesRequest(page_size=100), metadata=KEY).files}
    assert file["name"] in names


def test_offsets_granularity_and_size_are_enforced(http: httpx.Client) -> None:
    url = start(http, 3000).headers["x-goog-upload-url"]
    assert send(http, url, "upload", 0, b"x" * 1000).status_code == 400  # not a multiple of 1024
    assert send(http, url, "upload", 1024, b"x" * 1024).status_code == 400  # wrong offset
    assert send(http, url, "upload", 0, b"x" * 1024).status_code == 200
    assert send(http, url, "upload, finalize", 1024, b"x" * 100).status_code == 400  # short of the size
    assert send(http, url, "upload, finalize", 1024, b"x" * 3000).status_code == 400  # past the size
    assert send(http, url, "cancel", 0).headers["x-goog-upload-status"] == "cancelled"
    assert send(http, url, "upload", 1024, b"x" * 1024).status_code == 400
    assert send(http, url, "query", 0).headers["x-goog-upload-status"] == "cancelled"


def test_the_key_is_checked_from_the_header(http: httpx.Client) -> None:
    assert start(http, 1, **{"x-goog-api-key": "wrong"}).status_code == 403
    refused = http.post("/upload/v1beta/files", headers={"X-Goog-Upload-Command": "start"})
    assert refused.status_code == 401 and refused.json()["error"]["status"] == "UNAUTHENTICATED"


def test_faults_reset_mid_chunk_answer_5xx_and_lose_the_session(http: httpx.Client) -> None:
    url = start(http, 2048, **{"x-emulator-upload-reset": "100:2"}).headers["x-goog-upload-url"]
    for _ in range(2):
        with pytest.raises(httpx.TransportError):
            send(http, url, "upload", 0, b"y" * 1024)
        assert send(http, url, "query", 0).headers["x-goog-upload-size-received"] == "0"
    assert send(http, url, "upload", 0, b"y" * 1024).status_code == 200

    url = start(http, 10, **{"x-emulator-upload-5xx": "503:1"}).headers["x-goog-upload-url"]
    assert send(http, url, "upload, finalize", 0, b"z" * 10).status_code == 503
    assert send(http, url, "upload, finalize", 0, b"z" * 10).status_code == 200

    url = start(http, 2048, **{"x-emulator-upload-lose-after": "1"}).headers["x-goog-upload-url"]
    assert send(http, url, "upload", 0, b"w" * 1024).status_code == 200
    assert send(http, url, "upload, finalize", 1024, b"w" * 1024).status_code == 404
    assert send(http, url, "query", 0).status_code == 404


def test_processing_then_active_on_the_clock_or_failed(
    http: httpx.Client, stubs: Any, clock: ManualClock
) -> None:
    files = stubs[0]
    slow = upload(http, b"abc", **{"x-emulator-file-processing-seconds": "30"})
    failing = upload(http, b"abc", **{"x-emulator-file-fail": "Unsupported video codec"})
    assert slow["state"] == "PROCESSING"
    clock.advance(29)
    assert files.GetFile(fs.GetFileRequest(name=slow["name"]), metadata=KEY).state == File.State.PROCESSING
    clock.advance(1)
    assert files.GetFile(fs.GetFileRequest(name=slow["name"]), metadata=KEY).state == File.State.ACTIVE
    failed = files.GetFile(fs.GetFileRequest(name=failing["name"]), metadata=KEY)
    assert failed.state == File.State.FAILED and failed.error.message == "Unsupported video codec"


def test_generate_needs_files_that_exist_and_are_active(
    http: httpx.Client, stubs: Any, clock: ManualClock
) -> None:
    files, gen = stubs

    def generate(uri: str) -> gs.GenerateContentResponse:
        part = content_pb2.Part(file_data=content_pb2.FileData(mime_type="text/plain", file_uri=uri))
        contents = [content_pb2.Content(role="user", parts=[part, content_pb2.Part(text="Sum up")])]
        request = gs.GenerateContentRequest(model="models/gemini-2.5-flash", contents=contents)
        return gen.GenerateContent(request, metadata=KEY, timeout=TIMEOUT)

    ready = upload(http, b"hello")
    assert generate(ready["uri"]).candidates
    waiting = upload(http, b"hello", **{"x-emulator-file-processing-seconds": "10"})
    for uri in (waiting["uri"], ready["uri"].rsplit("/", 1)[0] + "/missing1"):
        with pytest.raises(grpc.RpcError) as caught:
            generate(uri)
        assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION  # type: ignore[attr-defined]
    clock.advance(10)
    assert generate(waiting["uri"]).candidates
    files.DeleteFile(fs.DeleteFileRequest(name=ready["name"]), metadata=KEY)
    with pytest.raises(grpc.RpcError) as caught:
        generate(ready["uri"])
    assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION  # type: ignore[attr-defined]


def test_grpc_create_delete_download_and_paging(stubs: Any, http: httpx.Client) -> None:
    files = stubs[0]
    made = [
        files.CreateFile(
            fs.CreateFileRequest(file=File(name=f"files/page-{i}", mime_type="text/plain")), metadata=KEY
        ).file
        for i in range(3)
    ]
    assert [f.name for f in made] == ["files/page-0", "files/page-1", "files/page-2"]
    seen, token = [], ""
    while True:
        page = files.ListFiles(fs.ListFilesRequest(page_size=2, page_token=token), metadata=KEY)
        seen += [f.name for f in page.files]
        token = page.next_page_token
        if not token:
            break
    assert {f.name for f in made} <= set(seen) and len(seen) == len(set(seen))
    with pytest.raises(grpc.RpcError) as caught:
        files.DownloadFile(fs.DownloadFileRequest(name="files/page-0"), metadata=KEY)
    assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION  # type: ignore[attr-defined]
    files.DeleteFile(fs.DeleteFileRequest(name="files/page-0"), metadata=KEY)
    with pytest.raises(grpc.RpcError) as caught:
        files.GetFile(fs.GetFileRequest(name="files/page-0"), metadata=KEY)
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND  # type: ignore[attr-defined]


def test_download_streams_a_files_bytes_with_the_key_in_a_header(emu: Emulator, http: httpx.Client) -> None:
    data = bytes(range(256)) * 1000
    generated = File(name="files/generated-1", mime_type="video/mp4", source=File.Source.GENERATED)
    made = emu.server.backend.files.create(generated, data)
    assert made.download_uri.endswith("files/generated-1:download?alt=media")
    path = "/v1beta/files/generated-1:download?alt=media"
    assert http.get(path).status_code == 401
    answer = http.get(path, headers={"x-goog-api-key": "emulator-key"})
    assert answer.status_code == 200 and answer.content == data
    assert answer.headers["content-type"] == "video/mp4"
