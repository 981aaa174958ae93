"""Files, transport-neutral: the `files` collection, their bytes, upload sessions and their faults.

    files = Files(store, collection, granularity=256 * 1024)
    session = files.start(File(display_name="a"), size=10, mime_type="text/plain", knobs=UploadKnobs())
    files.receive(session.id, offset=0, data=b"0123456789", finalize=True)   # -> the File
    files.get("files/abc")                                                    # PROCESSING, then ACTIVE

A File's bytes arrive over HTTP (`_http`: the resumable upload protocol); gRPC only reads,
lists and deletes metadata (CreateFile makes a file without bytes). A file is PROCESSING for
`processing_seconds` on the store's clock after its last byte, then ACTIVE, or FAILED with the
error the upload asked for (`x-emulator-file-fail`). Generate requests may only name files that
exist and are ACTIVE (`check_file_parts`).

Upload sessions live in memory, keyed by an unguessable id; each keeps the bytes received so far
and the faults asked for at its start (`UploadKnobs`), with their remaining counts.
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import grpc
from genai_protos import content_pb2, file_pb2
from google.rpc import error_details_pb2

from ._clock import seconds_ns
from ._status import RpcFailure
from ._store import NotFound, ResourceCollection, Store

File = file_pb2.File
DEFAULT_GRANULARITY = 256 * 1024
MAX_FILE_BYTES = 2 * 1024 * 1024 * 1024  # the API's limit per file

# Knobs of an upload, as headers of its `start` request (docs/emulator.md, "Files").
PROCESSING = "x-emulator-file-processing-seconds"  # SECONDS the file stays PROCESSING
FAIL = "x-emulator-file-fail"  # MESSAGE: the file ends FAILED with this error message
# The type of the second detail of a FAILED file's error: a type no client can know.
UNKNOWN_DETAIL_TYPE = "type.googleapis.com/emulator.genai.ProcessingTrace"
RESET = "x-emulator-upload-reset"  # BYTES[:K]: cut the connection after BYTES of a chunk, K times
ERROR_5XX = "x-emulator-upload-5xx"  # CODE[:K]: answer the next K chunk requests with CODE
DROP = "x-emulator-upload-drop-answer"  # K: keep the next K chunks, then cut before answering
LOSE = "x-emulator-upload-lose-after"  # N: forget the session after N chunk requests
GRANULARITY = "x-emulator-upload-granularity"  # BYTES: the session's chunk granularity


class UploadError(Exception):
    """A refused upload request: `status` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _count_spec(raw: str, header: str, default_times: int = 1) -> tuple[int, int]:
    value, _, times = raw.partition(":")
    try:
        first, count = int(value), int(times) if times else default_times
    except ValueError:
        raise UploadError(400, f"{header}: expected N[:K], got {raw!r}") from None
    if first < 0 or count < 0:
        raise UploadError(400, f"{header}: expected non-negative numbers, got {raw!r}")
    return first, count


@dataclass
class UploadKnobs:
    """The faults and outcome one upload asked for (headers of its `start` request)."""

    processing_seconds: float | None = None
    fail: str | None = None
    reset_after: int = 0
    resets_left: int = 0
    status_5xx: int = 0
    errors_left: int = 0
    drops_left: int = 0
    lose_after: int | None = None
    granularity: int | None = None

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> UploadKnobs:
        """The knobs named by `headers` (lower-case names); UploadError 400 for a malformed one."""
        knobs = cls()
        try:
            if PROCESSING in headers:
                knobs.processing_seconds = float(headers[PROCESSING])
            if GRANULARITY in headers:
                knobs.granularity = int(headers[GRANULARITY])
                if knobs.granularity <= 0:
                    raise ValueError
            if LOSE in headers:
                knobs.lose_after = int(headers[LOSE])
            if DROP in headers:
                knobs.drops_left = int(headers[DROP])
        except ValueError:
            raise UploadError(400, "malformed x-emulator-file-*/x-emulator-upload-* header") from None
        knobs.fail = headers.get(FAIL) or None
        if RESET in headers:
            knobs.reset_after, knobs.resets_left = _count_spec(headers[RESET], RESET)
        if ERROR_5XX in headers:
            knobs.status_5xx, knobs.errors_left = _count_spec(headers[ERROR_5XX], ERROR_5XX)
            if not 500 <= knobs.status_5xx <= 599:
                raise UploadError(400, f"{ERROR_5XX}: expected a 5xx status, got {headers[ERROR_5XX]!r}")
        return knobs


@dataclass
class UploadSession:
    """One resumable upload in progress."""

    id: str
    file: File
    size: int
    granularity: int
    knobs: UploadKnobs
    data: bytearray = field(default_factory=bytearray)
    status: str = "active"  # active | final | cancelled
    requests: int = 0
    result: File | None = None


class Files:
    """The files of one server: metadata in the store's `files` collection, bytes and sessions here."""

    def __init__(
        self,
        store: Store,
        collection: ResourceCollection,
        *,
        granularity: int = DEFAULT_GRANULARITY,
        processing_seconds: float = 0.0,
    ) -> None:
        self._store = store
        self.collection = collection
        self.granularity = granularity
        self.processing_seconds = processing_seconds
        self._lock = threading.Lock()
        self._blobs: dict[str, bytes] = {}
        self._ready_ns: dict[str, int] = {}
        self._failures: dict[str, str] = {}
        self._sessions: dict[str, UploadSession] = {}

    # -- metadata ------------------------------------------------------------------------------

    def _settled(self, file: File) -> File:
        """`file` with PROCESSING turned ACTIVE (or FAILED) once its time on the clock has come."""
        if file.state != File.State.PROCESSING:
            return file
        with self._lock:
            ready = self._ready_ns.get(file.name)
            failure = self._failures.get(file.name)
        if ready is None or self._store.clock.now_ns() < ready:
            return file
        if failure is not None:
            file.state = File.State.FAILED
            file.error.code = grpc.StatusCode.INTERNAL.value[0]
            file.error.message = failure
            # As the real API may: a known detail, and one of a type no client knows.
            file.error.details.add().Pack(
                error_details_pb2.ErrorInfo(reason="FILE_PROCESSING_FAILED", domain="emulator.genai")
            )
            file.error.details.add(type_url=UNKNOWN_DETAIL_TYPE, value=b"\x08\x01")
        else:
            file.state = File.State.ACTIVE
        with contextlib.suppress(NotFound):  # deleted meanwhile
            self.collection.replace(file)
        return file

    def get(self, name: str) -> File:
        """The file, its state settled (NotFound when there is none)."""
        stored = self.collection.get(name)
        assert isinstance(stored, File)
        return self._settled(stored)

    def settle_all(self, files: Iterable[File]) -> list[File]:
        """Each of `files` with its state settled (for a list page)."""
        return [self._settled(file) for file in files]

    def create(self, file: File, data: bytes, knobs: UploadKnobs | None = None) -> File:
        """Store a new file with `data` (PROCESSING, or ACTIVE right away when processing takes 0 s)."""
        knobs = knobs or UploadKnobs()
        checked = File()
        checked.CopyFrom(file)
        resource_id = ""
        if checked.name:
            resource_id = self.collection.id_of(checked.name, "file.name")
        for name in ("name", "create_time", "update_time", "expiration_time", "uri", "download_uri", "error"):
            checked.ClearField(name)
        checked.size_bytes = len(data)
        checked.sha256_hash = hashlib.sha256(data).hexdigest().encode()
        if not checked.mime_type:
            checked.mime_type = "application/octet-stream"
        checked.state = File.State.PROCESSING
        checked.source = checked.source or File.Source.UPLOADED
        created = self.collection.create(checked, resource_id=resource_id, field="file", id_field="file.name")
        seconds = self.processing_seconds if knobs.processing_seconds is None else knobs.processing_seconds
        with self._lock:
            self._blobs[created.name] = bytes(data)
            self._ready_ns[created.name] = self._store.clock.now_ns() + seconds_ns(max(seconds, 0.0))
            if knobs.fail:
                self._failures[created.name] = knobs.fail
        created.uri = f"{URI_PREFIX}{created.name}"
        if created.source == File.Source.GENERATED:
            created.download_uri = f"{created.uri}:download?alt=media"
        self.collection.replace(created)
        return self._settled(created)

    def delete(self, name: str) -> None:
        """Remove the file and its bytes (NotFound when there is none)."""
        self.collection.delete(name)
        with self._lock:
            self._blobs.pop(name, None)
            self._ready_ns.pop(name, None)
            self._failures.pop(name, None)

    def data(self, name: str) -> bytes:
        """The bytes of a live file (NotFound when there is none)."""
        self.collection.get(name)  # expired or deleted files have no bytes
        with self._lock:
            return self._blobs.get(name, b"")

    # -- upload sessions -----------------------------------------------------------------------

    def start(self, file: File, size: int, knobs: UploadKnobs) -> UploadSession:
        """A new upload session for `size` bytes of `file` (UploadError 400 when refused)."""
        if size < 0:
            raise UploadError(400, "X-Goog-Upload-Header-Content-Length must be a non-negative number")
        if size > MAX_FILE_BYTES:
            raise UploadError(400, f"The file is larger than the limit of {MAX_FILE_BYTES} bytes.")
        session = UploadSession(
            id=secrets.token_urlsafe(24),
            file=file,
            size=size,
            granularity=knobs.granularity or self.granularity,
            knobs=knobs,
        )
        with self._lock:
            self._sessions[session.id] = session
        return session

    def session(self, session_id: str) -> UploadSession:
        """The session (UploadError 404 when unknown or lost)."""
        with self._lock:
            session = self._sessions.get(session_id)
        if session is None:
            raise UploadError(404, "No such upload session (it may have been lost or never existed).")
        return session

    def lose(self, session_id: str) -> None:
        """Forget a session (a fault the tests ask for)."""
        with self._lock:
            self._sessions.pop(session_id, None)

    def cancel(self, session_id: str) -> UploadSession:
        session = self.session(session_id)
        if session.status == "active":
            session.status = "cancelled"
            session.data = bytearray()
        return session

    def receive(self, session: UploadSession, offset: int, data: bytes, finalize: bool) -> File | None:
        """Append a chunk at `offset` (UploadError when it does not fit); the File on finalize."""
        if session.status != "active":
            raise UploadError(400, f"The upload session is {session.status}.")
        if offset != len(session.data):
            raise UploadError(
                400, f"X-Goog-Upload-Offset is {offset}, but the server has {len(session.data)} bytes."
            )
        end = offset + len(data)
        if end > session.size:
            raise UploadError(400, f"The upload is longer than its declared size of {session.size} bytes.")
        if not finalize and len(data) % session.granularity:
            raise UploadError(
                400, f"A chunk that does not finalize must be a multiple of {session.granularity} bytes."
            )
        if finalize and end != session.size:
            raise UploadError(400, f"Finalized at {end} bytes, but the declared size is {session.size}.")
        session.data += data
        if not finalize:
            return None
        created = self.create(session.file, bytes(session.data), session.knobs)
        session.status = "final"
        session.result = created
        session.data = bytearray()  # the bytes are the file's now
        return created

    # -- generate requests ---------------------------------------------------------------------

    def check_parts(self, contents: Iterable[content_pb2.Content]) -> None:
        """FAILED_PRECONDITION (or NOT_FOUND) for a file_data part naming a file of ours that is
        missing or not ACTIVE; uris elsewhere (gs://, https:// of other hosts) pass."""
        for content in contents:
            for part in content.parts:
                if part.WhichOneof("data") != "file_data":
                    continue
                name = file_name_of(part.file_data.file_uri)
                if name is None:
                    continue
                try:
                    file = self.get(name)
                except NotFound:
                    raise RpcFailure(
                        grpc.StatusCode.FAILED_PRECONDITION,
                        f"File {name} does not exist, or you do not have permission to access it.",
                    ) from None
                if file.state != File.State.ACTIVE:
                    state = File.State.Name(file.state)
                    raise RpcFailure(
                        grpc.StatusCode.FAILED_PRECONDITION,
                        f"The File {name} is not in an ACTIVE state and usage is not allowed "
                        f"(it is {state}).",
                    )


URI_PREFIX = "https://generativelanguage.googleapis.com/v1beta/"


def file_name_of(uri: str) -> str | None:
    """`files/abc` for a file uri of the API (".../v1beta/files/abc"), None for another uri."""
    marker = "/v1beta/files/"
    if uri.startswith("files/"):
        return uri
    index = uri.find(marker)
    if index < 0:
        return None
    rest = uri[index + len("/v1beta/") :]
    return rest.split(":", 1)[0].split("?", 1)[0]
