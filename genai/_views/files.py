"""The view of a file's metadata (google-genai's ``types.File`` attribute names).

    >>> view = FileView(pb.File(name="files/abc", mime_type="video/mp4", state=pb.File.State.ACTIVE))
    >>> view.name, view.state == "ACTIVE", view.state.name, view.active
    ('files/abc', True, 'ACTIVE', True)

``state`` is the state's name (``"PROCESSING"``, ``"ACTIVE"``, ``"FAILED"``); times are aware UTC
datetimes (None when unset). The I/O that belongs to a file (wait_active, delete) is the service
layer's: ``genai._aio.files.AsyncFile`` and its generated sync twin subclass this view.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from genai._views.times import aware_time
from genai._wire import messages as pb

__all__ = ["FileState", "FileView"]


class FileState(str, enum.Enum):
    """A file's state: equal to its name as a str (``file.state == "ACTIVE"``), with ``.name`` as
    google-generativeai's code reads it (``file.state.name == "PROCESSING"``)."""

    STATE_UNSPECIFIED = "STATE_UNSPECIFIED"
    PROCESSING = "PROCESSING"
    ACTIVE = "ACTIVE"
    FAILED = "FAILED"

    def __str__(self) -> str:
        return self.value

    def __repr__(self) -> str:
        return repr(self.value)  # shows as the plain string it equals


class FileView:
    """A file's name, uri, mime type, size, state, error and times; ``raw`` is the message."""

    __slots__ = ("raw",)

    def __init__(self, raw: pb.File) -> None:
        self.raw = raw

    @property
    def name(self) -> str:
        """``files/<id>``."""
        return self.raw.name

    @property
    def uri(self) -> str:
        """What a ``file_data`` part names (passing the file itself in contents does this for you)."""
        return self.raw.uri

    @property
    def download_uri(self) -> str:
        return self.raw.download_uri

    @property
    def display_name(self) -> str:
        return self.raw.display_name

    @property
    def mime_type(self) -> str:
        return self.raw.mime_type

    @property
    def size_bytes(self) -> int:
        return int(self.raw.size_bytes)

    @property
    def sha256_hash(self) -> str:
        """The server's SHA-256 of the bytes, as the hex text the API reports."""
        return self.raw.sha256_hash.decode("ascii", "replace")

    @property
    def state(self) -> FileState:
        """``"PROCESSING"``, ``"ACTIVE"`` or ``"FAILED"`` (``"STATE_UNSPECIFIED"`` when unset), a
        `FileState`: compares equal to those strings and has ``.name``."""
        name = pb.File.State.Name(self.raw.state) if self.raw.state in (0, 1, 2, 10) else "STATE_UNSPECIFIED"
        return FileState(name)

    @property
    def active(self) -> bool:
        return self.raw.state == pb.File.State.ACTIVE

    @property
    def source(self) -> str:
        return pb.File.Source.Name(self.raw.source)

    @property
    def error(self) -> Any:
        """The google.rpc.Status of a FAILED file (None otherwise)."""
        return self.raw.error if self.raw.HasField("error") else None

    @property
    def create_time(self) -> dt.datetime | None:
        return aware_time(self.raw, "create_time")

    @property
    def update_time(self) -> dt.datetime | None:
        return aware_time(self.raw, "update_time")

    @property
    def expiration_time(self) -> dt.datetime | None:
        """When the server deletes the file (48 hours after its upload)."""
        return aware_time(self.raw, "expiration_time")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FileView) and self.raw == other.raw

    __hash__ = None  # type: ignore[assignment]  # mutable underneath, as messages are

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(name={self.name!r}, display_name={self.display_name!r}, "
            f"mime_type={self.mime_type!r}, size_bytes={self.size_bytes}, state={self.state.value!r})"
        )
