"""Per-server options and observable state (call records, HTTP request records, stream counters,
attempt counts).

Everything lives on the server object, never in module globals, so several emulators can run in
one process. Handlers run on the server's event loop; tests read from other threads, hence the lock.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from google.protobuf.message import Message

from . import _knobs, _live_knobs
from ._faults import AttemptCounter

DEFAULT_MAX_RECORDED_CALLS = 1000


@dataclass(frozen=True)
class EmulatorOptions:
    """Server-wide settings. The fault/shape options are defaults that x-emulator-* metadata overrides.

    api_keys: when set, x-goog-api-key must be one of them (missing -> UNAUTHENTICATED,
        unknown -> PERMISSION_DENIED).
    fail, delay, break_after, chunk_delay, chunks, reply_words, count_contents: as the x-emulator-*
        headers.
    max_recorded_calls: how many recent calls `calls` keeps, and HTTP requests `http_requests` (and
        live sessions `live_sessions`, at most MAX_RECORDED_SESSIONS).
    live_chunk_delay, live_goaway_after, live_unknown: defaults of the x-emulator-live-* headers
        (`live_goaway_after` is "SECONDS[:TIME_LEFT]" or a number of seconds; None = no GoAway).
    upload_granularity: the chunk granularity (bytes) upload sessions announce; non-final chunks
        must be multiples of it (x-emulator-upload-granularity overrides it per upload).
    file_processing_seconds: how long (store clock) a new file stays PROCESSING before ACTIVE
        (x-emulator-file-processing-seconds overrides it per upload).
    """

    api_keys: frozenset[str] | None = None
    fail: str | None = None
    delay: float = 0.0
    break_after: int | str | None = None
    chunk_delay: float = 0.0
    chunks: int | None = None
    reply_words: int | None = None
    count_contents: bool = False
    max_recorded_calls: int = DEFAULT_MAX_RECORDED_CALLS
    live_chunk_delay: float = _live_knobs.DEFAULT_CHUNK_DELAY
    live_goaway_after: float | str | None = None
    live_unknown: bool = False
    upload_granularity: int = 256 * 1024
    file_processing_seconds: float = 0.0
    knobs: _knobs.Knobs = field(init=False, repr=False, compare=False)
    live_knobs: _live_knobs.LiveKnobs = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.api_keys is not None and not isinstance(self.api_keys, frozenset):
            object.__setattr__(self, "api_keys", frozenset(self.api_keys))
        if self.max_recorded_calls < 0:
            raise ValueError("max_recorded_calls must be >= 0")
        knobs = _knobs.from_options(
            fail=self.fail,
            delay=self.delay,
            break_after=self.break_after,
            chunk_delay=self.chunk_delay,
            chunks=self.chunks,
            reply_words=self.reply_words,
            count_contents=self.count_contents,
        )
        object.__setattr__(self, "knobs", knobs)
        live = _live_knobs.from_options(
            chunk_delay=self.live_chunk_delay, goaway_after=self.live_goaway_after, unknown=self.live_unknown
        )
        object.__setattr__(self, "live_knobs", live)

    @classmethod
    def create(cls, api_keys: Iterable[str] | None = None, **options: Any) -> EmulatorOptions:
        """Build options from keyword arguments, accepting any iterable of API keys."""
        return cls(api_keys=frozenset(api_keys) if api_keys is not None else None, **options)


@dataclass(frozen=True)
class CallRecord:
    """One received call: service and method short names, metadata, and the request message."""

    service: str
    method: str
    metadata: Mapping[str, str | bytes]
    request: Message


@dataclass(frozen=True)
class HttpRecord:
    """One request the plain HTTP endpoints (uploads, downloads) received.

    `target` is the request line's path and query exactly as sent; `headers` have lower-case names
    (the last one wins when a name repeats); `body_length` is the body's declared Content-Length;
    `status` is the answer's, or None when a fault knob cut the connection instead of answering;
    `connection` numbers the connection that carried it (1, 2, ... per server, never reused).
    """

    method: str
    target: str
    headers: Mapping[str, str]
    status: int | None
    body_length: int
    connection: int


MAX_SESSION_MESSAGES = 1000  # client messages kept per recorded live session...
MAX_SESSION_BYTES = 1024 * 1024  # ... and their bytes (audio and video add up)
MAX_RECORDED_SESSIONS = 100


@dataclass
class LiveRecord:
    """One live session: its transport ("grpc" or "websocket"), metadata, setup, and the client
    messages it received in order (the setup first; the first MAX_SESSION_MESSAGES, as long as they
    total at most MAX_SESSION_BYTES, are kept; all are counted in `received`)."""

    transport: str
    metadata: Mapping[str, str | bytes]
    setup: Message
    messages: list[Message] = field(default_factory=list)
    received: int = 0
    ended: bool = False
    kept_bytes: int = 0

    def add(self, message: Message) -> None:
        """Keep a received client message (while the bounds allow)."""
        self.received += 1
        if len(self.messages) < MAX_SESSION_MESSAGES and self.kept_bytes < MAX_SESSION_BYTES:
            size = message.ByteSize()
            if self.kept_bytes + size <= MAX_SESSION_BYTES:
                self.messages.append(message)
                self.kept_bytes += size


class ServerState:
    """Thread-safe records and counters for one emulator server."""

    def __init__(self, max_recorded_calls: int = DEFAULT_MAX_RECORDED_CALLS) -> None:
        self._lock = threading.Lock()
        self._calls: deque[CallRecord] = deque(maxlen=max_recorded_calls)
        self._http: deque[HttpRecord] = deque(maxlen=max_recorded_calls)
        self._http_connections = 0  # accepted since start or the last reset
        self._http_serial = 0  # numbers connections; never reset, so a number is never reused
        self._sessions: deque[LiveRecord] = deque(maxlen=min(max_recorded_calls, MAX_RECORDED_SESSIONS))
        self._active = 0
        self._live = 0
        self._cancelled = 0
        self._completed = 0
        self.attempts = AttemptCounter()

    def record(self, call: CallRecord) -> None:
        """Remember a received call (the oldest is dropped beyond the bound)."""
        with self._lock:
            self._calls.append(call)

    def record_http(self, request: HttpRecord) -> None:
        """Remember an HTTP request (the oldest is dropped beyond the bound)."""
        with self._lock:
            self._http.append(request)

    def http_connection_opened(self) -> int:
        """Count a connection of the plain HTTP endpoints; returns its number."""
        with self._lock:
            self._http_connections += 1
            self._http_serial += 1
            return self._http_serial

    @property
    def http_requests(self) -> list[HttpRecord]:
        """A copy of the recorded HTTP requests, oldest first."""
        with self._lock:
            return list(self._http)

    @property
    def http_connections(self) -> int:
        """Connections the plain HTTP endpoints accepted since start or the last reset."""
        with self._lock:
            return self._http_connections

    def record_session(self, session: LiveRecord) -> None:
        """Remember a live session (the oldest is dropped beyond the bound) and count it as active."""
        with self._lock:
            self._sessions.append(session)
            self._live += 1

    def session_ended(self, session: LiveRecord) -> None:
        """Count a recorded live session as ended."""
        with self._lock:
            session.ended = True
            self._live -= 1

    @property
    def live_sessions(self) -> list[LiveRecord]:
        """A copy of the recorded live sessions, oldest first."""
        with self._lock:
            return list(self._sessions)

    @property
    def active_sessions(self) -> int:
        """Live sessions still connected."""
        with self._lock:
            return self._live

    def stream_started(self) -> None:
        """Count a StreamGenerateContent call as active."""
        with self._lock:
            self._active += 1

    def stream_ended(self, *, completed: bool, cancelled: bool) -> None:
        """Move an active stream to completed, cancelled, or neither (it failed)."""
        with self._lock:
            self._active -= 1
            self._completed += completed
            self._cancelled += cancelled

    @property
    def calls(self) -> list[CallRecord]:
        """A copy of the recorded calls, oldest first."""
        with self._lock:
            return list(self._calls)

    @property
    def active_streams(self) -> int:
        with self._lock:
            return self._active

    @property
    def cancelled_streams(self) -> int:
        with self._lock:
            return self._cancelled

    @property
    def completed_streams(self) -> int:
        with self._lock:
            return self._completed

    def reset(self) -> None:
        """Forget recorded calls and HTTP requests, finished-stream and HTTP connection counters and
        attempt counts (not active streams)."""
        with self._lock:
            self._calls.clear()
            self._http.clear()
            self._http_connections = 0
            self._sessions = deque((s for s in self._sessions if not s.ended), maxlen=self._sessions.maxlen)
            self._cancelled = 0
            self._completed = 0
        self.attempts.clear()
