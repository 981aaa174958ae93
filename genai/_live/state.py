"""The bookkeeping of one live session, shared by its reader, writer and senders. No I/O.

    >>> from genai._live.config import to_live_settings
    >>> state = LiveState(to_live_settings("m", None))
    >>> view = state.received(resume.turn_complete())
    >>> view.turn_complete, state.last_turn.complete
    (True, True)

What was sent and received (genai._live.resume's ledger: the handle and the replay), the turn
being received and the last complete one (``LiveTurn``), token usage per turn and for the whole
session (summed over every message, across reconnects), and the reconnections so far. Guarded by
a lock: the sync face's threads and the asyncio face's tasks both call in.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from genai._live import resume
from genai._live.config import LiveSettings
from genai._live.messages import LiveServerMessage, LiveTurn, add_usage
from genai._wire import messages as pb

__all__ = ["LiveState", "ReconnectEvent"]


@dataclass(frozen=True)
class ReconnectEvent:
    """A live session that moved to a new connection by itself.

    ``reason``: ``"go_away"`` (the server announced the end of the connection) or ``"dropped"``
    (the connection was lost: ``error`` says how); ``attempts``: connections tried; ``handle``: the
    resumption handle used; ``resent``: client messages sent again (genai._live.resume has the rule);
    ``at``: ``time.time()`` when the new connection was ready.
    """

    reason: str
    attempts: int
    handle: str
    resent: int
    error: str | None
    at: float


class LiveState:
    """A session's counters and ledger; every method takes the lock for as long as it runs."""

    def __init__(self, settings: LiveSettings) -> None:
        self.settings = settings
        self.ledger = resume.ResumeLedger()
        self.usage = pb.UsageMetadata()
        self.turn = LiveTurn()
        self.last_turn: LiveTurn | None = None
        self.reconnects: list[ReconnectEvent] = []
        self._reply_began = False  # the model's reply in flight has begun (the ledger knows where)
        self._lock = threading.Lock()

    def sent(self, message: pb.BidiGenerateContentClientMessage) -> None:
        """A message went out on the current connection (kept for a replay only when the session
        can resume: without resumption nothing is ever sent again, so nothing is kept)."""
        if not self.settings.resumption:
            return
        with self._lock:
            self.ledger.sent(message)

    def received(self, raw: pb.BidiGenerateContentServerMessage) -> LiveServerMessage:
        """A message came in; its view (the turn and usage are updated)."""
        view = LiveServerMessage(raw)
        kind = view.kind
        with self._lock:
            if not self._reply_began and (
                kind == "tool_call"
                or (kind == "server_content" and raw.server_content.HasField("model_turn"))
            ):
                self._reply_began = True  # (an input transcription before it is not the reply)
                self.ledger.model_turn_began()
            if kind != "server_content" or view.turn_complete:  # an audio chunk needs none of this
                interrupted = view.turn_complete and (view.interrupted or self.turn.interrupted)
                self.ledger.received(raw, kind, interrupted=interrupted)
                if view.turn_complete:
                    self._reply_began = False
            usage = view._usage
            if usage is not None:
                add_usage(self.usage, usage)
            if kind == "server_content" or kind == "tool_call" or usage is not None:
                turn = self.turn
                turn.add(view)
                if turn.complete:  # only this message can have completed it (a turn ends at its first)
                    self.last_turn, self.turn = turn, LiveTurn()
        return view

    @property
    def in_turn(self) -> bool:
        """Whether a model turn has begun and not completed (a reconnect now would lose it)."""
        return self.turn.messages > 0 and not self.turn.complete

    @property
    def settled(self) -> bool:
        """Whether moving to a new connection now loses nothing: no turn in flight, every answer covered."""
        with self._lock:
            return not self.in_turn and not self.ledger.uncovered

    def cannot_resume(self) -> str | None:
        """Why the session cannot resume now (None: it can)."""
        with self._lock:
            return self.ledger.cannot_resume(enabled=self.settings.resumption)

    def resume_plan(self) -> tuple[str, list[pb.BidiGenerateContentClientMessage]]:
        """The handle to resume from and the messages to send again, in order."""
        with self._lock:
            handle = self.ledger.handle
            if handle is None:
                raise RuntimeError("no handle to resume from")
            # The turn in flight is lost with its connection: it starts again after the replay.
            self.turn = LiveTurn()
            self._reply_began = False
            return handle, self.ledger.replay()

    def reconnected(
        self, reason: str, attempts: int, handle: str, resent: int, error: str | None
    ) -> ReconnectEvent:
        event = ReconnectEvent(reason, attempts, handle, resent, error, time.time())
        with self._lock:
            self.reconnects.append(event)
        return event
