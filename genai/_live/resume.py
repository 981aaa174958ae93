"""Reconnect planning for a live session: which handle to resume from and what to send again. Pure.

    >>> ledger = ResumeLedger()
    >>> ledger.sent(client_content("Hi"))
    >>> ledger.received(turn_complete())
    >>> ledger.received(handle_update("h1"))
    >>> ledger.handle, ledger.replay()
    ('h1', [])

The rule (the session's docstring repeats it for users):

* **A handle covers the turns whose reply completed before it arrived.** A client turn
  (``client_content`` with ``turn_complete=True``) counts as answered when a ``turn_complete``
  arrives for it: the ``turn_complete``\\ s answer the turns in the order they were sent. Content sent
  with ``turn_complete=False`` before such a turn belongs to it.
* **Realtime input** (audio, video, text, activity markers) is a stream the server cuts into turns
  itself: a chunk counts as answered once a ``turn_complete`` arrives after it was sent (and no
  client turn sent before the chunk is still unanswered). So the chunks of an utterance whose reply
  had not completed are sent again after resuming, the ones of answered utterances are not. At most
  ``replay_limit`` bytes of realtime input are kept for that; beyond it the oldest chunks are
  dropped from the replay (``dropped`` counts them).
* **An interrupted reply** (new input cut it short: ``interrupted``, then its ``turn_complete``)
  answers nothing sent after it began: that input (a barge-in) is still to be answered, and is
  sent again if the connection is lost before its own reply completes.
* Whatever was answered but arrived after the latest handle is sent again too (the handle does not
  hold it). **Tool responses are never sent again**: they answer calls of a reply that the resumed
  session does not have; the model calls again while replying to the re-sent turn.
* Nothing covered by the handle is re-sent: a session is never re-seeded with its history.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from genai._wire import messages as pb

__all__ = ["REPLAY_LIMIT", "ReconnectPolicy", "ResumeLedger"]

REPLAY_LIMIT = 8 * 1024 * 1024
"""Bytes of unanswered realtime input kept for re-sending after a reconnect (minutes of 16 kHz audio)."""


@dataclass(slots=True, eq=False)
class _Entry:
    message: pb.BidiGenerateContentClientMessage
    turn: bool  # a client turn that asks for a reply
    size: int
    seq: int  # the order it was sent in
    answered: bool = False


@dataclass(frozen=True, kw_only=True)
class ReconnectPolicy:
    """How often and how patiently a dropped session tries to resume.

    >>> [ReconnectPolicy().delay(n) for n in (1, 2, 3)]
    [0.1, 0.2, 0.4]

    ``attempts``: connection attempts per drop (then the session fails); ``initial_delay`` seconds
    before the second one, times ``multiplier`` each time, at most ``max_delay``;
    ``setup_timeout``: seconds to wait for the server's ``setup_complete`` on each attempt.
    ``go_away_margin``: after a GoAway, the session reconnects once the turn in flight completes, or
    this many seconds before ``time_left`` runs out, whichever is first.
    """

    attempts: int = 5
    initial_delay: float = 0.1
    multiplier: float = 2.0
    max_delay: float = 5.0
    setup_timeout: float = 30.0
    go_away_margin: float = 1.0

    def __post_init__(self) -> None:
        if isinstance(self.attempts, bool) or not isinstance(self.attempts, int) or self.attempts < 1:
            raise ValueError(f"reconnect.attempts: expected an int >= 1; got {self.attempts!r}")
        for name in ("initial_delay", "multiplier", "max_delay", "setup_timeout", "go_away_margin"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ValueError(f"reconnect.{name}: expected a number >= 0; got {value!r}")

    def delay(self, attempt: int) -> float:
        """Seconds to wait before connection attempt ``attempt + 1`` (attempt 1 is immediate)."""
        return float(min(self.max_delay, self.initial_delay * self.multiplier ** (attempt - 1)))


@dataclass(eq=False)
class ResumeLedger:
    """The latest resumable handle and the client messages a resume would have to send again."""

    replay_limit: int = REPLAY_LIMIT
    handle: str | None = None
    updates: int = 0  # session resumption updates received
    not_resumable: int = 0  # ... of which said resumable=false
    dropped: int = 0  # realtime input chunks dropped from the replay (over replay_limit)
    _entries: deque[_Entry] = field(default_factory=deque)
    _realtime_bytes: int = 0
    _sent: int = 0  # messages recorded so far (their seq)
    _reply_began: int | None = None  # _sent when the model's reply in flight began

    def model_turn_began(self) -> None:
        """The model began a reply (its first model content or tool call): what is sent from now on
        came during it, and is not answered by it if the reply is interrupted."""
        self._reply_began = self._sent

    def sent(self, message: pb.BidiGenerateContentClientMessage) -> None:
        """Record a message written to the connection (tool responses are not kept: never re-sent)."""
        kind = message.WhichOneof("message_type")
        if kind == "client_content":
            self._entries.append(_Entry(message, message.client_content.turn_complete, 0, self._sent))
            self._sent += 1
        elif kind == "realtime_input":
            size = message.ByteSize()
            self._entries.append(_Entry(message, False, size, self._sent))
            self._sent += 1
            self._realtime_bytes += size
            if self._realtime_bytes > self.replay_limit:
                self._trim()

    def received(
        self,
        message: pb.BidiGenerateContentServerMessage,
        kind: str | None = None,
        *,
        interrupted: bool = False,
    ) -> None:
        """Take a server message into account: turn completions and resumption updates.

        ``kind``: the message's ``message_type`` when the caller has read it already;
        ``interrupted``: a ``turn_complete`` that ends a reply cut short by new input.
        """
        if kind is None:
            kind = message.WhichOneof("message_type")
        if kind == "server_content" and message.server_content.turn_complete:
            began, self._reply_began = self._reply_began, None
            self._answer(began if interrupted or message.server_content.interrupted else None)
        elif kind == "session_resumption_update":
            self.updates += 1
            update = message.session_resumption_update
            if update.resumable and update.new_handle:
                self.handle = update.new_handle
                self._cover()
            else:
                self.not_resumable += 1

    def _answer(self, before: int | None) -> None:
        """A reply completed: it answers the first unanswered client turn (and what came before it),
        or else the realtime input. An interrupted reply answers nothing sent after it began
        (``before``): that input interrupted it, and its own reply is still to come."""
        for i, entry in enumerate(self._entries):
            if before is not None and entry.seq >= before:
                break
            if entry.turn and not entry.answered:
                for earlier in list(self._entries)[: i + 1]:
                    earlier.answered = True
                return
        for entry in self._entries:
            if before is not None and entry.seq >= before:
                return
            entry.answered = True

    def _cover(self) -> None:
        while self._entries and self._entries[0].answered:
            self._forget(self._entries.popleft())

    def _forget(self, entry: _Entry) -> None:
        self._realtime_bytes -= entry.size

    def _trim(self) -> None:
        while self._realtime_bytes > self.replay_limit:
            oldest = next((e for e in self._entries if e.size), None)
            if oldest is None:
                return
            self._entries.remove(oldest)
            self._forget(oldest)
            self.dropped += 1

    def replay(self) -> list[pb.BidiGenerateContentClientMessage]:
        """The messages to send again, in order, after resuming from ``handle`` (unanswered again)."""
        for entry in self._entries:
            entry.answered = False
        return [entry.message for entry in self._entries]

    @property
    def uncovered(self) -> bool:
        """Whether a reply completed that no handle covers yet (resuming now would send its turn again)."""
        return any(entry.answered for entry in self._entries)

    @property
    def pending(self) -> int:
        """How many sent messages the latest handle does not cover."""
        return len(self._entries)

    def cannot_resume(self, *, enabled: bool) -> str | None:
        """Why the session cannot be resumed now, or None when it can."""
        if not enabled:
            return "session resumption is off (config session_resumption=False)"
        if self.handle is not None:
            return None
        if self.not_resumable:
            return (
                f"the server sent no resumable handle yet (its {self.not_resumable} session resumption "
                "update(s) all said resumable=false)"
            )
        return "the server had not sent a session resumption handle yet"


def client_content(text: str) -> pb.BidiGenerateContentClientMessage:
    """A one-text client turn (for examples and tests)."""
    message = pb.BidiGenerateContentClientMessage()
    message.client_content.turns.add(role="user").parts.add(text=text)
    message.client_content.turn_complete = True
    return message


def turn_complete() -> pb.BidiGenerateContentServerMessage:
    """A server message that completes a turn (for examples and tests)."""
    message = pb.BidiGenerateContentServerMessage()
    message.server_content.turn_complete = True
    return message


def handle_update(handle: str, resumable: bool = True) -> pb.BidiGenerateContentServerMessage:
    """A session resumption update (for examples and tests)."""
    message = pb.BidiGenerateContentServerMessage()
    message.session_resumption_update.new_handle = handle
    message.session_resumption_update.resumable = resumable
    return message
