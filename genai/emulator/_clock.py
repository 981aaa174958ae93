"""The clock the resource store runs on: the system's by default, a manual one in tests.

Expiry (ttl / expire_time) and long-running operations are judged against `Clock.now_ns()` when
the store is touched; nothing runs in the background. A test that wants an operation to finish or
a cache entry to expire advances a `ManualClock` instead of sleeping.

Times are integer nanoseconds since the Unix epoch, so a Timestamp given by a client round-trips
exactly (a float would round its nanoseconds).
"""

from __future__ import annotations

import math
import threading
import time
from typing import Protocol

NANOS = 1_000_000_000


class Clock(Protocol):
    """Anything that tells the time in nanoseconds since the epoch."""

    def now_ns(self) -> int:
        """The current time, in nanoseconds since the Unix epoch."""
        ...


class SystemClock:
    """The wall clock: `SystemClock().now_ns() > 0`."""

    def now_ns(self) -> int:
        """time.time_ns()."""
        return time.time_ns()


def seconds_ns(seconds: float) -> int:
    """Seconds as integer nanoseconds: `seconds_ns(1.5) == 1_500_000_000`."""
    if not math.isfinite(seconds):
        raise ValueError(f"seconds must be finite, got {seconds!r}")
    return round(seconds * NANOS)


class ManualClock:
    """A clock that moves only when told to (thread-safe).

    `ManualClock(start=1_700_000_000.0).advance(30)` moves it 30 seconds on.
    """

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self._lock = threading.Lock()
        self._now = seconds_ns(start)

    def now_ns(self) -> int:
        """The time it was last set to."""
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> int:
        """Move the clock `seconds` forward (never back) and return the new time in nanoseconds."""
        step = seconds_ns(seconds)
        if step < 0:
            raise ValueError(f"a clock only moves forward, got {seconds!r} seconds")
        with self._lock:
            self._now += step
            return self._now
