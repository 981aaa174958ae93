"""The emulator's plain HTTP endpoints: resumable uploads and downloads of files (`_files`), and
downloads of generated videos (`_predict`).

They share the port of the WebSocket front end (`_websocket` hands every connection whose first
request is not for the live path to `serve_http`). One request per connection (answers carry
`Connection: close`); bodies are read by their Content-Length.

    POST /upload/v1beta/files                 X-Goog-Upload-Protocol: resumable
                                              X-Goog-Upload-Command: start
                                              X-Goog-Upload-Header-Content-Length / -Content-Type
                                              body {"file": {...}}
        -> 200, X-Goog-Upload-URL (the session), X-Goog-Upload-Chunk-Granularity, X-Goog-Upload-Status
    POST <session URL>                        X-Goog-Upload-Command: upload | upload, finalize |
                                              finalize | query | cancel, X-Goog-Upload-Offset
        -> 200, X-Goog-Upload-Status (active | final | cancelled), X-Goog-Upload-Size-Received;
           on finalize (and a query of a final session) the JSON {"file": {...}}
    GET /v1beta/files/ID:download?alt=media   the bytes of a file (the key in x-goog-api-key)
    GET /v1beta/generatedVideos/ID:download   a generated video's bytes (recorded in backend.videos)

Errors are JSON `{"error": {"code", "message", "status"}}` as the API's. The key (checked as on
gRPC when the server has keys) is read from `x-goog-api-key` only, never from the URL.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable, Mapping
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

import grpc
from genai_protos import file_pb2
from google.protobuf import json_format

from ._backend import Backend
from ._files import UNKNOWN_DETAIL_TYPE, UploadError, UploadKnobs, UploadSession
from ._predict import DOWNLOAD_PREFIX as VIDEO_PREFIX
from ._predict import DOWNLOAD_SUFFIX as VIDEO_SUFFIX
from ._status import RpcFailure
from ._store import StoreError

File = file_pb2.File
UPLOAD_PATH = "/upload/v1beta/files"
DOWNLOAD_PREFIX = "/v1beta/files/"
MAX_HEADER_BYTES = 64 * 1024
WRITE_PIECE = 64 * 1024
JSON_TYPE = "application/json; charset=UTF-8"
Answer = tuple[int, dict[str, str], bytes]


class Request:
    """A parsed request line and headers (names lower-cased)."""

    def __init__(self, method: str, target: str, headers: dict[str, str]) -> None:
        self.method = method
        self.target = target
        self.path = urlsplit(target).path
        self.query = {key: values[0] for key, values in parse_qs(urlsplit(target).query).items()}
        self.headers = headers

    @property
    def length(self) -> int:
        try:
            return max(int(self.headers.get("content-length", "0")), 0)
        except ValueError:
            raise UploadError(400, "Content-Length is not a number") from None


async def _read_request(reader: asyncio.StreamReader) -> Request | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
        return None
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3:
        return None
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if ":" in line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    return Request(parts[0], parts[1], headers)


def _head(status: int, headers: Mapping[str, str], length: int) -> bytes:
    lines = [f"HTTP/1.1 {status} {HTTPStatus(status).phrase}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    lines += [f"Content-Length: {length}", "Connection: close", "", ""]
    return "\r\n".join(lines).encode("latin-1")


def _json(document: object) -> bytes:
    return json.dumps(document, separators=(",", ":")).encode()


def _error(status: int, message: str) -> Answer:
    name = {
        400: "INVALID_ARGUMENT",
        401: "UNAUTHENTICATED",
        403: "PERMISSION_DENIED",
        404: "NOT_FOUND",
        405: "INVALID_ARGUMENT",
        429: "RESOURCE_EXHAUSTED",
    }
    body = {"error": {"code": status, "message": message, "status": name.get(status, "UNAVAILABLE")}}
    return status, {"Content-Type": JSON_TYPE}, _json(body)


def _file_json(file: File) -> bytes:
    try:
        document = json_format.MessageToDict(file)
    except TypeError:  # error details of a type JSON cannot name (as gRPC can carry): left out here
        file = File.FromString(file.SerializeToString())
        kept = [d for d in file.error.details if d.type_url != UNKNOWN_DETAIL_TYPE]
        del file.error.details[:]
        file.error.details.extend(kept)
        document = json_format.MessageToDict(file)
    return _json({"file": document})


class HttpService:
    """Answers one HTTP request at a time on a connection the WebSocket front end handed over."""

    def __init__(self, backend: Backend) -> None:
        self._backend = backend
        self._files = backend.files

    async def serve(
        self, reader: asyncio.StreamReader, transport: asyncio.Transport, drain: Callable[[], Awaitable[None]]
    ) -> None:
        """Read one request from `reader` and answer it on `transport`; `drain()` waits until the
        transport's buffer has gone out (the caller sets its limits to 0 so that it empties)."""
        request = await _read_request(reader)
        if request is None:
            return
        try:
            answer = await self._answer(request, reader, transport)
        except UploadError as error:
            answer = _error(error.status, error.message)
        except RpcFailure as failure:
            answer = _error(_http_status(failure), failure.message)
        if answer is None:  # the connection was cut on purpose, or is gone
            return
        status, headers, body = answer
        transport.write(_head(status, headers, len(body)))
        for start in range(0, len(body), WRITE_PIECE):
            transport.write(body[start : start + WRITE_PIECE])
            await drain()
        await drain()

    def _authenticate(self, request: Request) -> None:
        self._backend.prelude.authenticate({k: v for k, v in request.headers.items()})

    async def _answer(
        self, request: Request, reader: asyncio.StreamReader, transport: asyncio.Transport
    ) -> Answer | None:
        if request.path == UPLOAD_PATH and request.method == "POST":
            if "upload_id" in request.query:
                return await self._session_command(request, reader, transport)
            return await self._start(request, reader)
        if request.path.startswith(DOWNLOAD_PREFIX) and request.path.endswith(":download"):
            if request.method != "GET":
                raise UploadError(405, "Use GET to download a file.")
            return self._download(request)
        if request.path.startswith(VIDEO_PREFIX) and request.path.endswith(VIDEO_SUFFIX):
            if request.method != "GET":
                raise UploadError(405, "Use GET to download a generated video.")
            return self._video(request, request.path[len(VIDEO_PREFIX) : -len(VIDEO_SUFFIX)])
        raise UploadError(404, f"Not found: {request.path}")

    def _video(self, request: Request, video_id: str) -> Answer:
        """A generated video's bytes (`_predict`; the key checked as on gRPC: 401 without, 403 bad)."""
        videos = self._backend.videos
        videos.record(request.target, dict(request.headers))
        self._authenticate(request)
        data = videos.get(video_id)
        if data is None:
            raise UploadError(404, f"No generated video {video_id!r}.")
        return 200, {"Content-Type": "video/mp4"}, data

    async def _body(self, request: Request, reader: asyncio.StreamReader) -> bytes:
        try:
            return await reader.readexactly(request.length)
        except asyncio.IncompleteReadError:
            raise UploadError(400, "The request body ended early.") from None

    async def _start(self, request: Request, reader: asyncio.StreamReader) -> Answer:
        self._authenticate(request)
        body = await self._body(request, reader)
        headers = request.headers
        if headers.get("x-goog-upload-protocol", "").lower() != "resumable":
            raise UploadError(400, "Only X-Goog-Upload-Protocol: resumable is supported.")
        if headers.get("x-goog-upload-command", "").lower() != "start":
            raise UploadError(400, "A new upload starts with X-Goog-Upload-Command: start.")
        try:
            size = int(headers["x-goog-upload-header-content-length"])
        except (KeyError, ValueError):
            raise UploadError(400, "X-Goog-Upload-Header-Content-Length is required (a number).") from None
        file = File()
        if body.strip():
            try:
                document = json.loads(body)
                json_format.ParseDict(document.get("file", {}), file, ignore_unknown_fields=True)
            except (ValueError, AttributeError, json_format.ParseError) as exc:
                raise UploadError(400, f"Invalid JSON payload received. {exc}") from None
        if not file.mime_type:
            file.mime_type = headers.get("x-goog-upload-header-content-type", "")
        if file.name:
            try:
                self._files.collection.id_of(file.name, "file.name")
            except StoreError as exc:
                raise UploadError(400, str(exc)) from None
        session = self._files.start(file, size, UploadKnobs.from_headers(headers))
        host = headers.get("host", "localhost")
        url = f"http://{host}{UPLOAD_PATH}?upload_id={session.id}&upload_protocol=resumable"
        return (
            200,
            {
                "X-Goog-Upload-URL": url,
                "X-Goog-Upload-Status": "active",
                "X-Goog-Upload-Chunk-Granularity": str(session.granularity),
                "X-Goog-Upload-Control-URL": url,
            },
            b"",
        )

    async def _session_command(
        self, request: Request, reader: asyncio.StreamReader, transport: asyncio.Transport
    ) -> Answer | None:
        session = self._files.session(request.query["upload_id"])
        commands = [c.strip().lower() for c in request.headers.get("x-goog-upload-command", "").split(",")]
        if commands == ["query"]:
            await self._body(request, reader)
            return _status_of(session)
        if commands == ["cancel"]:
            await self._body(request, reader)
            return _status_of(self._files.cancel(session.id))
        if not set(commands) <= {"upload", "finalize"} or not commands[0]:
            raise UploadError(
                400, f"Unknown X-Goog-Upload-Command {request.headers.get('x-goog-upload-command')!r}"
            )
        knobs = session.knobs
        session.requests += 1
        if knobs.lose_after is not None and session.requests > knobs.lose_after:
            self._files.lose(session.id)
            raise UploadError(404, "No such upload session (it may have been lost or never existed).")
        if knobs.errors_left:
            knobs.errors_left -= 1
            await self._body(request, reader)
            return _error(knobs.status_5xx, "The service is currently unavailable (x-emulator-upload-5xx).")
        if knobs.resets_left and request.length > knobs.reset_after:
            knobs.resets_left -= 1
            with contextlib.suppress(asyncio.IncompleteReadError):
                await reader.readexactly(knobs.reset_after)
            transport.abort()  # a reset mid-chunk: the client sees the connection drop
            return None
        try:
            offset = int(request.headers["x-goog-upload-offset"])
        except (KeyError, ValueError):
            raise UploadError(400, "X-Goog-Upload-Offset is required (a number).") from None
        data = await self._body(request, reader)
        file = self._files.receive(session, offset, data, finalize="finalize" in commands)
        if knobs.drops_left:
            knobs.drops_left -= 1
            transport.abort()  # the chunk is kept, its answer lost: the client must ask, not resend
            return None
        if file is None:
            return _status_of(session)
        return (
            200,
            {"X-Goog-Upload-Status": "final", "Content-Type": JSON_TYPE},
            _file_json(file),
        )

    def _download(self, request: Request) -> Answer:
        self._authenticate(request)
        name = "files/" + request.path[len(DOWNLOAD_PREFIX) : -len(":download")]
        try:
            file = self._files.get(name)
            data = self._files.data(name)
        except StoreError:
            raise UploadError(404, f"File {name} was not found.") from None
        return 200, {"Content-Type": file.mime_type or "application/octet-stream"}, data


def _status_of(session: UploadSession) -> Answer:
    headers = {"X-Goog-Upload-Status": session.status, "X-Goog-Upload-Size-Received": str(len(session.data))}
    if session.status == "final" and session.result is not None:
        headers["X-Goog-Upload-Size-Received"] = str(session.size)
        headers["Content-Type"] = JSON_TYPE
        return 200, headers, _file_json(session.result)
    return 200, headers, b""


_HTTP_OF = {
    grpc.StatusCode.INVALID_ARGUMENT: 400,
    grpc.StatusCode.FAILED_PRECONDITION: 400,
    grpc.StatusCode.UNAUTHENTICATED: 401,
    grpc.StatusCode.PERMISSION_DENIED: 403,
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.RESOURCE_EXHAUSTED: 429,
}


def _http_status(failure: RpcFailure) -> int:
    return _HTTP_OF.get(failure.code, 500)
