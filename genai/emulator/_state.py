"""Per-server options and observable state (call records, stream counters, attempt counts).

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

from . import _knobs
from ._faults import AttemptCounter

DEFAULT_MAX_RECORDED_CALLS = 1000


@dataclass(frozen=True)
class EmulatorOptions:
    """Server-wide settings. The fault/shape options are defaults that x-emulator-* metadata overrides.

    api_keys: when set, x-goog-api-key must be one of them (missing -> UNAUTHENTICATED,
        unknown -> PERMISSION_DENIED).
    fail, delay, break_after, chunk_delay, chunks, reply_words, count_contents: as the x-emulator-*
        headers.
    max_recorded_calls: how many recent calls `calls` keeps.
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
    knobs: _knobs.Knobs = field(init=False, repr=False, compare=False)

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


class ServerState:
    """Thread-safe records and counters for one emulator server."""

    def __init__(self, max_recorded_calls: int = DEFAULT_MAX_RECORDED_CALLS) -> None:
        self._lock = threading.Lock()
        self._calls: deque[CallRecord] = deque(maxlen=max_recorded_calls)
        self._active = 0
        self._cancelled = 0
        self._completed = 0
        self.attempts = AttemptCounter()

    def record(self, call: CallRecord) -> None:
        """Remember a received call (the oldest is dropped beyond the bound)."""
        with self._lock:
            self._calls.append(call)

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
        """Forget recorded calls, finished-stream counters and attempt counts (not active streams)."""
        with self._lock:
            self._calls.clear()
            self._cancelled = 0
            self._completed = 0
        self.attempts.clear()
