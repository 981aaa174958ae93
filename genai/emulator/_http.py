"""The emulator's plain HTTP endpoints: resumable uploads and downloads of files (`_files`), and
downloads of generated videos (`_predict`).

They share the port of the WebSocket front end (`_websocket` hands every connection whose first
request is not for the live path to `HttpService.serve`, with the bytes read so far). Connections
are persistent (HTTP/1.1 keep-alive): requests are answered in order until the client asks to
close (`Connection: close`, or HTTP/1.0 without `Connection: keep-alive`), goes away, or waits
IDLE_SECONDS for its next request; a fault knob that cuts a connection cuts it as before, and a
stopping server closes idle connections at once and the others after their answer. Only an answer
that ends its connection carries `Connection: close`. Bodies are delimited by Content-Length (a
chunked body is answered 411 and the connection closed); a body left unread by an early error
answer is read and dropped, so the next request starts where it should.

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
    GET /v1beta/generatedVideos/ID:download   a generated video's bytes

Every request is recorded in the server state (`ServerState.http_requests`: method, target as
received, headers, status, body length, connection number) just before its answer goes out, and
every connection is counted (`http_connections`). Errors are JSON `{"error": {"code", "message",
"status"}}` as the API's. The key (checked as on gRPC when the server has keys) is read from
`x-goog-api-key` only, never from the URL.
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
from ._state import HttpRecord
from ._status import RpcFailure
from ._store import StoreError

File = file_pb2.File
UPLOAD_PATH = "/upload/v1beta/files"
DOWNLOAD_PREFIX = "/v1beta/files/"
WRITE_PIECE = 64 * 1024
IDLE_SECONDS = 120.0  # longer than clients keep idle connections (httpx: 5 s), so they close first
JSON_TYPE = "application/json; charset=UTF-8"
VERSIONS = ("HTTP/1.0", "HTTP/1.1")
Answer = tuple[int, dict[str, str], bytes]


class Request:
    """A parsed request line and headers (names lower-cased), and how much of its body is unread."""

    def __init__(self, method: str, target: str, version: str, headers: dict[str, str]) -> None:
        self.method = method
        self.target = target
        self.version = version
        self.path = urlsplit(target).path
        self.query = {key: values[0] for key, values in parse_qs(urlsplit(target).query).items()}
        self.headers = headers
        # A body that cannot be delimited is answered with this, and the connection closed.
        self.problem: tuple[int, str] | None = None
        self.length = 0
        text = headers.get("content-length", "0")
        if "transfer-encoding" in headers:
            self.problem = (411, "Send the body with a Content-Length (no Transfer-Encoding).")
        elif text.isascii() and text.isdigit():
            self.length = int(text)
        else:
            self.problem = (400, "Content-Length is not a number.")
        self.unread = self.length

    @property
    def keep_alive(self) -> bool:
        """Whether the client lets the connection carry another request after this one."""
        tokens = {token.strip().lower() for token in self.headers.get("connection", "").split(",")}
        if "close" in tokens or self.problem is not None:
            return False
        return self.version != "HTTP/1.0" or "keep-alive" in tokens

    @property
    def awaits_continue(self) -> bool:
        """Whether the client holds its body back until told to send it (`Expect: 100-continue`)."""
        return self.headers.get("expect", "").lower() == "100-continue"


async def _read_request(reader: asyncio.StreamReader) -> Request | None:
    """The next request's head; None when the connection ended or the head is malformed."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
        return None
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or parts[2] not in VERSIONS:
        return None
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if ":" in line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    return Request(parts[0], parts[1], parts[2], headers)


async def _next_request(reader: asyncio.StreamReader) -> Request | None:
    try:
        return await asyncio.wait_for(_read_request(reader), IDLE_SECONDS)
    except asyncio.TimeoutError:
        return None


def _head(status: int, headers: Mapping[str, str], length: int, keep: bool, version: str) -> bytes:
    lines = [f"HTTP/1.1 {status} {HTTPStatus(status).phrase}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    lines.append(f"Content-Length: {length}")
    if not keep:
        lines.append("Connection: close")
    elif version == "HTTP/1.0":
        lines.append("Connection: keep-alive")  # else an HTTP/1.0 client takes the answer as the last
    return "\r\n".join([*lines, "", ""]).encode("latin-1")


def _json(document: object) -> bytes:
    return json.dumps(document, separators=(",", ":")).encode()


def _error(status: int, message: str, status_name: str | None = None) -> Answer:
    name = {
        400: "INVALID_ARGUMENT",
        401: "UNAUTHENTICATED",
        403: "PERMISSION_DENIED",
        404: "NOT_FOUND",
        405: "INVALID_ARGUMENT",
        411: "INVALID_ARGUMENT",
        429: "RESOURCE_EXHAUSTED",
    }
    named = status_name or name.get(status, "UNAVAILABLE")
    body = {"error": {"code": status, "message": message, "status": named}}
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


async def _discard(request: Request, reader: asyncio.StreamReader) -> None:
    """Read and drop what is left of the body (until the connection ends, if it ends first)."""
    while request.unread:
        piece = await reader.read(min(request.unread, WRITE_PIECE))
        if not piece:
            return
        request.unread -= len(piece)


class HttpService:
    """Answers the HTTP requests of connections the WebSocket front end handed over, one after
    another on each connection; closes them when the server stops."""

    def __init__(self, backend: Backend) -> None:
        self._backend = backend
        self._files = backend.files
        self._closing = False
        self._open: set[asyncio.Transport] = set()
        self._idle: set[asyncio.Transport] = set()  # waiting for their next request

    def close_idle(self) -> None:
        """The server is stopping: connections waiting for a request close now; one whose request
        is in progress gets its answer (with `Connection: close`), then closes."""
        self._closing = True
        for transport in list(self._idle):
            transport.close()

    def abort(self) -> None:
        """Cut every connection still open (a stop's grace period is over)."""
        self._closing = True
        for transport in list(self._open):
            transport.abort()

    async def serve(
        self, reader: asyncio.StreamReader, transport: asyncio.Transport, drain: Callable[[], Awaitable[None]]
    ) -> None:
        """Answer the requests `reader` brings on `transport`, in order, while the connection lasts;
        `drain()` waits until the transport's buffer has gone out (the caller sets its limits to 0
        so that it empties)."""
        number = self._backend.state.http_connection_opened()
        self._open.add(transport)
        try:
            request = await _next_request(reader)
            while request is not None and await self._exchange(request, number, reader, transport, drain):
                if self._closing:  # checked with no wait before joining _idle: close_idle sees it
                    return
                self._idle.add(transport)
                try:
                    request = await _next_request(reader)
                finally:
                    self._idle.discard(transport)
        finally:
            self._open.discard(transport)

    async def _exchange(
        self,
        request: Request,
        number: int,
        reader: asyncio.StreamReader,
        transport: asyncio.Transport,
        drain: Callable[[], Awaitable[None]],
    ) -> bool:
        """Answer one request; whether the connection may carry another."""
        try:
            if request.problem is not None:
                raise UploadError(*request.problem)
            answer = await self._answer(request, reader, transport)
        except UploadError as error:
            answer = _error(error.status, error.message)
        except RpcFailure as failure:
            answer = _error(_http_status(failure), failure.message, failure.code.name)
        # Recorded before the answer leaves, so a client holding the answer finds the record.
        record = HttpRecord(
            request.method,
            request.target,
            dict(request.headers),
            None if answer is None else answer[0],
            request.length,
            number,
        )
        self._backend.state.record_http(record)
        if answer is None or transport.is_closing():  # cut on purpose, or gone
            return False
        # An unread body is dropped before the next request, unless the client may never send it.
        skip = request.unread > 0 and request.problem is None and not request.awaits_continue
        keep = request.keep_alive and not self._closing and (skip or not request.unread)
        status, headers, body = answer
        transport.write(_head(status, headers, len(body), keep, request.version))
        if request.method != "HEAD":
            for start in range(0, len(body), WRITE_PIECE):
                transport.write(body[start : start + WRITE_PIECE])
                await drain()
        await drain()
        if skip:
            await _discard(request, reader)
        return keep

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
        self._authenticate(request)
        data = self._backend.videos.get(video_id)
        if data is None:
            raise UploadError(404, f"No generated video {video_id!r}.")
        return 200, {"Content-Type": "video/mp4"}, data

    async def _body(self, request: Request, reader: asyncio.StreamReader) -> bytes:
        unread, request.unread = request.unread, 0
        try:
            return await reader.readexactly(unread)
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
        if file.source != File.Source.GENERATED:  # as the API: uploaded bytes never come back
            raise RpcFailure(
                grpc.StatusCode.FAILED_PRECONDITION,
                f"Only generated files can be downloaded; {name} was uploaded.",
            )
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
