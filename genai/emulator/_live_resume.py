"""Session resumption handles: each names a snapshot of a live session's context (thread-safe).

A handle is `resume-` and 32 hex digits; it stays valid for HANDLE_TTL seconds on the server's
clock, and a server keeps at most MAX_HANDLES of them (the oldest are forgotten first). A snapshot
holds the model, the contents so far and the number of completed turns; resuming copies it, so the
resumed session and the old one never share state.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from genai_protos import content_pb2, generative_service_pb2

from ._clock import Clock, SystemClock, seconds_ns
from ._faults import AttemptCounter, fails
from ._live_knobs import REFUSE_RESUME
from ._live_messages import not_found_handle
from ._random import digest
from ._status import invalid_argument

HANDLE_TTL = 2 * 60 * 60.0  # the real API keeps handles for two hours
MAX_HANDLES = 1000
PREFIX = "resume-"


@dataclass(frozen=True)
class Snapshot:
    """What a handle restores."""

    model: str
    contents: tuple[bytes, ...]  # each content serialized: cheap to copy, immune to later changes
    turns: int

    def restore(self) -> list[content_pb2.Content]:
        """Fresh copies of the contents."""
        return [content_pb2.Content.FromString(data) for data in self.contents]


def snapshot(model: str, contents: Sequence[content_pb2.Content], turns: int) -> Snapshot:
    """A snapshot of a session's context: `snapshot("models/m", [], 0).turns == 0`."""
    return Snapshot(model, tuple(c.SerializeToString() for c in contents), turns)


class Resumptions:
    """The handles one server issued."""

    def __init__(self, clock: Clock | None = None, limit: int = MAX_HANDLES) -> None:
        self._clock = clock or SystemClock()
        self._limit = limit
        self._lock = threading.Lock()
        self._handles: OrderedDict[str, tuple[int, Snapshot]] = OrderedDict()
        self._salt = os.urandom(16)
        self._issued = 0

    def issue(self, state: Snapshot) -> str:
        """Store `state` under a new handle and return it."""
        with self._lock:
            self._issued += 1
            handle = PREFIX + digest(self._salt, str(self._issued).encode())[:16].hex()
            self._handles[handle] = (self._clock.now_ns() + seconds_ns(HANDLE_TTL), state)
            while len(self._handles) > self._limit:
                self._handles.popitem(last=False)
            return handle

    def find(self, handle: str) -> Snapshot | None:
        """The snapshot of a handle still valid, else None."""
        with self._lock:
            found = self._handles.get(handle)
            if found is None:
                return None
            expires, state = found
            if self._clock.now_ns() >= expires:
                del self._handles[handle]
                return None
            return state

    def resume(
        self,
        setup: generative_service_pb2.BidiGenerateContentSetup,
        refuse: int | None,
        key: bytes,
        attempts: AttemptCounter,
    ) -> Snapshot | None:
        """What a session's setup resumes: None without a handle; RpcFailure NOT_FOUND for a
        handle unknown, expired or refused by x-emulator-live-refuse-resume (`refuse`: how many
        resumptions of session `key` to refuse, None for all), INVALID_ARGUMENT for another model's."""
        handle = setup.session_resumption.handle if setup.HasField("session_resumption") else ""
        if not handle:
            return None
        if refuse != 0:
            attempt = attempts.next(digest(key, REFUSE_RESUME.encode(), str(refuse).encode()))
            if fails(refuse, attempt):
                raise not_found_handle()
        state = self.find(handle)
        if state is None:
            raise not_found_handle()
        if state.model != setup.model:
            raise invalid_argument(
                "BidiGenerateContentSetup",
                [("setup.session_resumption.handle", f"the handle belongs to a session of {state.model}")],
            )
        return state

    def __len__(self) -> int:
        with self._lock:
            return len(self._handles)
