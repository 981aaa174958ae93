"""What each ``files`` method sends and checks, as pure functions and plain objects: sources
(a path, bytes or a binary file object, read by offset), the checks made before anything is sent
(size, mime type), the resumable upload's session (saved and resumed), and its headers.

    >>> source = open_source(b"%PDF-1.7 ...")
    >>> source.size, choose_mime_type(None, source.name, source.read(0, 16))
    (12, 'application/pdf')
    >>> session = UploadSession(url="http://h/upload?id=1", size=12, sha256="ab", granularity=4)
    >>> UploadSession.from_json(session.to_json()) == session
    True

Nothing here does I/O but reading the source (on the caller's thread: the asyncio face runs those
reads on a worker thread); the protocol itself is in ``genai._aio.files`` (and its generated sync
twin), the HTTP in ``genai._transport.http``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import mimetypes
import os
import random
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import IO, Any, TypeAlias

from genai._coercion.base import SupportsModelDump, describe, is_genai_model
from genai._requests.config import CallConfigDict, google_genai_timeout
from genai._requests.options import call_options
from genai._transport.options import CallOptions
from genai._wire import messages as pb
from genai._wire import rpcs

__all__ = [
    "CREATE_FILE",
    "DEFAULT_CHUNK_SIZE",
    "DELETE_FILE",
    "GET_FILE",
    "LIST_FILES",
    "MAX_FILE_BYTES",
    "UPLOAD_PATH",
    "FileSource",
    "Progress",
    "Source",
    "UploadConfig",
    "UploadFileConfigDict",
    "UploadSession",
    "UploadSettings",
    "backoff",
    "check_downloadable",
    "check_session_url",
    "call_options",
    "choose_mime_type",
    "open_source",
    "to_file_name",
    "upload_settings",
]

GET_FILE = rpcs.FileService.GetFile
LIST_FILES = rpcs.FileService.ListFiles
DELETE_FILE = rpcs.FileService.DeleteFile
CREATE_FILE = rpcs.FileService.CreateFile

UPLOAD_PATH = "/upload/v1beta/files"
MAX_FILE_BYTES = 2 * 1024 * 1024 * 1024  # the API's limit per file
DEFAULT_CHUNK_SIZE = 8 * 1024 * 1024
DIGEST_BLOCK = 1024 * 1024
SNIFF_BYTES = 64

FileSource: TypeAlias = "str | os.PathLike[str] | bytes | bytearray | memoryview | IO[bytes]"
Progress: TypeAlias = Callable[[int, int], object]


def to_file_name(file: object) -> str:
    """``files/<id>`` from a name, a bare id, a ``File`` message or view (anything with ``name``).

    >>> to_file_name("abc"), to_file_name("files/abc"), to_file_name(pb.File(name="files/x"))
    ('files/abc', 'files/abc', 'files/x')
    """
    name = file if isinstance(file, str) else getattr(file, "name", None)
    if not isinstance(name, str) or not name.strip():
        raise TypeError(f"a file name is a non-empty str like 'files/abc' (or a File), got {file!r}")
    name = name.strip()
    if name.startswith("https://") or name.startswith("http://"):
        marker = "/v1beta/files/"
        if marker in name:
            return "files/" + name.split(marker, 1)[1].split(":", 1)[0].split("?", 1)[0]
    return name if name.startswith("files/") else f"files/{name}"


# -- sources ----------------------------------------------------------------------------------------


class Source:
    """Bytes to upload, read by offset; thread-safe (reads of one upload run one at a time)."""

    def __init__(self, size: int, name: str | None) -> None:
        self.size = size
        self.name = name  # for the mime type (a path's or a file object's name), or None
        self._lock = threading.Lock()

    def read(self, offset: int, size: int) -> bytes:
        """At most `size` bytes at `offset`."""
        raise NotImplementedError

    def sha256(self) -> str:
        """The hex digest of the whole source, read in blocks (memory bounded by DIGEST_BLOCK)."""
        digest = hashlib.sha256()
        for offset in range(0, self.size, DIGEST_BLOCK):
            digest.update(self.read(offset, DIGEST_BLOCK))
        return digest.hexdigest()

    def close(self) -> None:
        """Release what the source opened (a path's file; a caller's file object stays open)."""


class _BytesSource(Source):
    def __init__(self, data: bytes | bytearray | memoryview) -> None:
        self._view = memoryview(data).cast("B")
        super().__init__(len(self._view), None)

    def read(self, offset: int, size: int) -> bytes:
        return bytes(self._view[offset : offset + size])


class _FileObjectSource(Source):
    def __init__(self, file: IO[bytes], name: str | None, owned: bool) -> None:
        self._file = file
        self._owned = owned
        try:
            self._start = file.tell()
            end = file.seek(0, io.SEEK_END)
            file.seek(self._start)
        except (OSError, AttributeError, ValueError) as exc:
            raise ValueError(
                f"the file object must be seekable (uploads resume by offset): {type(file).__name__}"
            ) from exc
        super().__init__(end - self._start, name)

    def read(self, offset: int, size: int) -> bytes:
        with self._lock:
            self._file.seek(self._start + offset)
            data = self._file.read(size)
        if not isinstance(data, bytes | bytearray):
            raise TypeError(f"the file object must be opened in binary mode, it read {type(data).__name__}")
        return bytes(data)

    def close(self) -> None:
        if self._owned:
            self._file.close()


def open_source(file: object) -> Source:
    """The source for `file`: a path (str / PathLike), bytes-like data, or a binary file object.

    Blocking (it opens a path): the asyncio face calls it on a worker thread. An unreadable path
    raises FileNotFoundError / PermissionError / IsADirectoryError naming it; a text file object
    or an unseekable one is a TypeError / ValueError.
    """
    if isinstance(file, bytes | bytearray | memoryview):
        return _BytesSource(file)
    if isinstance(file, str | os.PathLike):
        path = os.fspath(file)
        if os.path.isdir(path):
            raise IsADirectoryError(f"cannot upload {path!r}: it is a directory")
        handle = open(path, "rb")  # noqa: SIM115  (the source owns it; close() closes it)
        try:
            return _FileObjectSource(handle, path, owned=True)
        except BaseException:
            handle.close()
            raise
    if hasattr(file, "read"):
        if isinstance(file, io.TextIOBase):
            raise TypeError("the file object must be opened in binary mode ('rb'), not text mode")
        name = getattr(file, "name", None)
        return _FileObjectSource(file, name if isinstance(name, str) else None, owned=False)  # type: ignore[arg-type]
    raise TypeError(
        "upload(file=...) takes a path (str or os.PathLike), bytes or a binary file object, "
        f"got {type(file).__name__}"
    )


def check_size(size: int) -> None:
    """ValueError past the API's limit of 2 GB per file (checked before anything is sent)."""
    if size > MAX_FILE_BYTES:
        raise ValueError(
            f"the file is {size} bytes, more than the API's limit of {MAX_FILE_BYTES} bytes (2 GB) per file"
        )


_MAGIC: tuple[tuple[bytes, int, str], ...] = (
    (b"%PDF-", 0, "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"GIF87a", 0, "image/gif"),
    (b"GIF89a", 0, "image/gif"),
    (b"ID3", 0, "audio/mpeg"),
    (b"fLaC", 0, "audio/flac"),
    (b"OggS", 0, "audio/ogg"),
    (b"ftyp", 4, "video/mp4"),
    (b"\x1a\x45\xdf\xa3", 0, "video/webm"),
)


def _sniff(head: bytes) -> str | None:
    for magic, at, mime in _MAGIC:
        if head[at : at + len(magic)] == magic:
            return mime
    if head[:4] == b"RIFF" and head[8:12] in (b"WAVE", b"WEBP", b"AVI "):
        return {b"WAVE": "audio/wav", b"WEBP": "image/webp", b"AVI ": "video/x-msvideo"}[head[8:12]]
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3:  # not just a character cut at the end of the sample
            return None
    return "text/plain" if b"\0" not in head else None


def choose_mime_type(explicit: str | None, name: str | None, head: bytes) -> str:
    """The mime type: `explicit` if given, else from the name's extension, else from the content.

    >>> choose_mime_type(None, "clip.mp4", b""), choose_mime_type("text/csv", "a.txt", b"")
    ('video/mp4', 'text/csv')
    """
    if explicit is not None:
        if not isinstance(explicit, str) or "/" not in explicit:
            raise ValueError(f"mime_type must look like 'type/subtype', got {explicit!r}")
        return explicit
    if name:
        guessed, _ = mimetypes.guess_type(name)
        if guessed:
            return guessed
    sniffed = _sniff(head[:SNIFF_BYTES])
    if sniffed is not None:
        return sniffed
    where = f" from its name {os.path.basename(name)!r} or" if name else ""
    raise ValueError(
        f"cannot tell the file's mime type{where} from its content: pass mime_type='type/subtype'"
    )


# -- the session ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class UploadSession:
    """A resumable upload the server knows, enough to go on with it from another process.

    ``url`` is the session URL the server gave (the API key is never part of it), ``size`` the
    source's size, ``sha256`` its hex digest (a resumed upload refuses a source that changed),
    ``granularity`` the chunk granularity, ``offset`` what the server had when last seen (a resume
    asks the server anyway). Save it with ``to_json()`` / ``to_dict()``, load with ``from_json`` /
    ``from_dict``, pass it back as ``upload(..., resume=session)``.
    """

    url: str
    size: int
    sha256: str
    granularity: int = 1
    offset: int = 0
    mime_type: str = ""
    display_name: str = ""

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> UploadSession:
        fields = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - fields
        if unknown:
            raise ValueError(f"not an UploadSession: unknown keys {sorted(unknown)}")
        return cls(**data)

    @classmethod
    def from_json(cls, text: str) -> UploadSession:
        return cls.from_dict(json.loads(text))

    def at(self, offset: int) -> UploadSession:
        return dataclasses.replace(self, offset=offset)


def to_session(resume: object) -> UploadSession:
    """An UploadSession from one, its dict or its JSON text."""
    if isinstance(resume, UploadSession):
        return resume
    if isinstance(resume, dict):
        return UploadSession.from_dict(resume)
    if isinstance(resume, str):
        return UploadSession.from_json(resume)
    raise TypeError(
        f"resume= takes an UploadSession, its to_dict() or its to_json(), got {type(resume).__name__}"
    )


def chunk_size_for(chunk_size: int, granularity: int) -> int:
    """`chunk_size` rounded down to a multiple of the server's granularity (at least one unit).

    >>> chunk_size_for(1000, 256), chunk_size_for(10, 256)
    (768, 256)
    """
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size <= 0:
        raise ValueError(f"chunk_size must be a positive int (bytes), got {chunk_size!r}")
    granularity = max(granularity, 1)
    return max(chunk_size // granularity, 1) * granularity


def start_headers(api_key: str | None, size: int, mime_type: str) -> dict[str, str]:
    """The headers of an upload's ``start`` request (the key only here: in a header)."""
    headers = {
        "X-Goog-Upload-Protocol": "resumable",
        "X-Goog-Upload-Command": "start",
        "X-Goog-Upload-Header-Content-Length": str(size),
        "X-Goog-Upload-Header-Content-Type": mime_type,
        "Content-Type": "application/json",
    }
    if api_key:
        headers["x-goog-api-key"] = api_key
    return headers


def start_body(mime_type: str, display_name: str | None, name: str | None) -> bytes:
    file: dict[str, str] = {"mimeType": mime_type}
    if display_name:
        file["displayName"] = display_name
    if name:
        file["name"] = to_file_name(name)
    return json.dumps({"file": file}).encode()


def check_downloadable(file: object) -> None:
    """ValueError for a File (message or view) that was uploaded: only generated files download.

    >>> check_downloadable(pb.File(name="files/v", source=pb.File.Source.GENERATED))
    """
    raw = getattr(file, "raw", file)
    if isinstance(raw, pb.File) and raw.source == pb.File.Source.UPLOADED:
        raise ValueError(
            f"file: {raw.name} was uploaded; only generated files can be downloaded "
            "(the API never gives uploaded bytes back)"
        )


def check_session_url(url: str, insecure: bool) -> None:
    """ValueError for a session URL that would carry the key in plaintext from a TLS client.

    >>> check_session_url("http://h/upload?upload_id=1", insecure=True)
    """
    if not insecure and not url.lower().startswith("https://"):
        scheme = url.split("://", 1)[0] if "://" in url else "no scheme"
        raise ValueError(
            f"the upload session URL is not https ({scheme!r}): this client uses TLS, and the key "
            "would travel in plaintext; nothing was sent to it"
        )


def chunk_headers(api_key: str | None, command: str, offset: int) -> dict[str, str]:
    headers = {"X-Goog-Upload-Command": command, "X-Goog-Upload-Offset": str(offset)}
    if api_key:
        headers["x-goog-api-key"] = api_key
    return headers


def backoff(attempt: int, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Seconds before retry `attempt` (1, 2, ...): exponential from `base`, capped, full jitter
    over its upper half (so retries of many clients spread out).

    >>> 0.5 <= backoff(1, 1.0, 10.0) <= 1.0
    True
    """
    ceiling = min(cap, base * 2.0 ** (attempt - 1))
    jitter: float = (rng or random).random()
    return ceiling * (0.5 + 0.5 * jitter)


def file_from_json(body: bytes) -> pb.File:
    """The File of an upload's final answer (``{"file": {...}}``); unknown fields are ignored."""
    from google.protobuf import json_format

    document = json.loads(body)
    file = pb.File()
    json_format.ParseDict(document.get("file", document), file, ignore_unknown_fields=True)
    return file


class UploadFileConfigDict(CallConfigDict, total=False):
    """``upload(config=...)`` as a dict: google-genai's UploadFileConfig fields and the call options.

    >>> config: UploadFileConfigDict = {"display_name": "talk", "mime_type": "video/mp4"}
    """

    display_name: str | None
    mime_type: str | None
    name: str | None


UploadConfig: TypeAlias = "UploadFileConfigDict | CallOptions | SupportsModelDump"
"""What ``upload(config=...)`` takes: the dict, call options, or google-genai's UploadFileConfig."""


@dataclass(frozen=True)
class UploadSettings:
    """What an upload's arguments and its ``config`` say together: the file's metadata, and the
    call options (a dict of timeout/retry/metadata, or None)."""

    mime_type: str | None
    display_name: str | None
    name: str | None
    call: dict[str, Any] | CallOptions | None


# upload(config=...) keys: the file's metadata (google-genai's UploadFileConfig) and call options.
_UPLOAD_FIELDS = {"mime_type": "mime_type", "mimeType": "mime_type", "display_name": "display_name"}
_UPLOAD_FIELDS |= {"displayName": "display_name", "name": "name"}
_CALL_KEYS = ("timeout", "retry", "metadata")


def upload_settings(
    config: object, mime_type: str | None, display_name: str | None, name: str | None
) -> UploadSettings:
    """Merge ``upload(config=...)`` (a dict, or google-genai's UploadFileConfig) with the keywords.

    >>> upload_settings({"display_name": "talk", "timeout": 30}, None, None, None)
    UploadSettings(mime_type=None, display_name='talk', name=None, call={'timeout': 30})

    A setting given both ways is a ValueError; so is a key upload does not know.
    """
    given = {"mime_type": mime_type, "display_name": display_name, "name": name}
    for key, value in given.items():
        if value is not None and not isinstance(value, str):
            raise TypeError(f"{key}: expected a str; got {describe(value)}")
    call: dict[str, Any] = {}
    if config is None or isinstance(config, CallOptions):
        return UploadSettings(mime_type, display_name, name, config)
    if isinstance(config, Mapping):
        items = dict(config)
    elif is_genai_model(config):  # google-genai's UploadFileConfig
        items = config.model_dump(exclude_none=True)
        if "http_options" in items:
            del items["http_options"]
            timeout = google_genai_timeout(config, "config")
            if timeout is not None:
                items["timeout"] = timeout
    else:
        raise TypeError(
            "config: expected a dict (display_name, mime_type, name, timeout, retry, metadata) or "
            f"google-genai's UploadFileConfig; got {describe(config)}"
        )
    for key, value in items.items():
        if key in _CALL_KEYS:
            call[key] = value
            continue
        field = _UPLOAD_FIELDS.get(key) if isinstance(key, str) else None
        if field is None:
            raise ValueError(
                f"config: unknown key {key!r} for an upload; valid keys: display_name, mime_type, name, "
                + ", ".join(_CALL_KEYS)
            )
        if value is None:
            continue
        if not isinstance(value, str):
            raise TypeError(f"config.{key}: expected a str; got {describe(value)}")
        if given[field] is not None and given[field] != value:
            raise ValueError(f"config.{key} and {field}= disagree ({value!r} vs {given[field]!r}); give one")
        given[field] = value
    return UploadSettings(given["mime_type"], given["display_name"], given["name"], call or None)
