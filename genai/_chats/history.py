"""Chat history bookkeeping, free of I/O: one turn at a time, committed once, merged, when it completes.

    >>> core = ChatCore()
    >>> turn, _ = core.try_begin(to_contents("Hi"), owner="me")
    >>> answer = pb.Content(role="model", parts=[pb.Part(text="Hello")])
    >>> core.commit(turn, pb.GenerateContentResponse(candidates=[pb.Candidate(content=answer)]))
    True
    >>> [content.role for content in core.history]
    ['user', 'model']

Two histories: the comprehensive one (every finished turn, valid or not) and the curated one (the
valid turns: what the next message is sent with); genai._chats.validity says which turns are valid.
Nothing is recorded when a turn starts; a failed, cancelled or abandoned turn never commits, so
errors cannot corrupt or half-fill either history. Reading a history returns copies.

The curated turns are also kept as request bytes (``contents`` fields, one piece per turn), so that
a message is sent as those bytes plus its own: the client's cost of a turn does not grow with the
history (but for one copy of those bytes into the request). A turn is recorded as the bytes it was
sent with plus its reply's; its contents are decoded from them only when someone reads them.

Turns never overlap: while one is open (a call in flight, or a streamed reply not yet read to its
end) ``try_begin`` hands back that turn instead of a new one, and the caller waits for it (another
thread or task runs it) or abandons it (its own stream, left unread). So concurrent sends are
serialised, each seeing the turns committed before it, and none is lost.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence

from genai._chats.records import (
    ChatHistory,
    ChatTurn,
    add_counts,
    add_usage,
    copy_contents,
    leading_user_count,
    split_turns,
    usage_of,
)
from genai._chats.validity import encode_reply, reply_content
from genai._coercion.content import ContentLike, to_contents
from genai._requests.encode import decode_contents, encode_contents
from genai._wire import messages as pb
from genai.errors import UsageError

__all__ = ["ChatCore", "ChatHistory", "ChatTurn", "Turn"]

_OPEN, _COMMITTED, _ABORTED = range(3)
# How long a finalizer waits for the chat's lock before leaving the wake-up to the waiters' polling.
_FINALIZER_LOCK_WAIT = 0.01


class Turn:
    """One exchange in flight: the user's contents, who runs it (a thread or a task), how it ended.

    With automatic function calling, each function call the model made and the responses sent back
    are added (``add_hop``) as the turn goes; they are recorded with it, or dropped with it. It is
    also the stream hooks object (``completed``/``aborted``) of a streamed turn.
    """

    __slots__ = (
        "_core",
        "_state",
        "_user",
        "_user_bytes",
        "_user_count",
        "_user_size",
        "_wakeups",
        "hops",
        "owner",
        "usage",
    )

    def __init__(self, core: ChatCore, user: Sequence[pb.Content] | bytes, owner: object) -> None:
        """``user`` is the message's contents (copied), or their request bytes (one user content)."""
        self._core = core
        if isinstance(user, bytes):
            self._user: list[pb.Content] | None = None  # decoded if someone asks (function calling)
            self._user_bytes: bytes | None = user
            self._user_size = self._user_count = 1
        else:
            self._user = list(user)
            self._user_bytes = None
            self._user_size = len(self._user)
            self._user_count = leading_user_count(self._user)
        self.owner = owner
        self.hops: list[pb.Content] = []
        # Token counts of the function-calling rounds; None until the first round.
        self.usage: pb.GenerateContentResponseUsageMetadata | None = None
        self._state = _OPEN
        self._wakeups: list[Callable[[], None]] = []

    @property
    def user(self) -> list[pb.Content]:
        """The message's contents (the chat's own: not copies)."""
        user = self._user
        if user is None:
            assert self._user_bytes is not None
            user = self._user = decode_contents(self._user_bytes)
        return user

    @property
    def open(self) -> bool:
        """True until the turn is committed or abandoned."""
        return self._state == _OPEN

    def add_hop(self, reply: pb.GenerateContentResponse, responses: pb.Content) -> None:
        """Record one round of automatic function calling: the model's calls and the responses sent."""
        self.hops.append(reply_content(reply))
        self.hops.append(responses)
        if self.usage is None:
            self.usage = pb.GenerateContentResponseUsageMetadata()
        add_usage(self.usage, reply.usage_metadata)

    def contents(self) -> list[pb.Content]:
        """What this turn adds to the request: the user's contents, then the function-call rounds."""
        return [*self.user, *self.hops]

    def user_bytes(self) -> bytes:
        """The user's contents as request bytes, encoded once: what was sent is what is recorded."""
        encoded = self._user_bytes
        if encoded is None:
            encoded = self._user_bytes = encode_contents(self.user)
        return encoded

    def completed(self, reply: pb.GenerateContentResponse) -> None:
        self._core.commit(self, reply)

    def aborted(self) -> None:
        self._core.abandon(self)

    def __repr__(self) -> str:
        state = ("open", "committed", "abandoned")[self._state]
        return f"Turn({state}, {len(self.user)} user contents, {len(self.hops) // 2} function rounds)"


class ChatCore:
    """Both histories, their request bytes, the token totals, and the one turn that may be open."""

    def __init__(self, history: Iterable[ContentLike] | None = None) -> None:
        # One lock; the condition over it is used only to wait for a turn (and to wake the waiters),
        # so the per-turn bookkeeping takes the plain lock, with no Python-level __enter__/__exit__.
        self._mutex = threading.Lock()
        self._lock = threading.Condition(self._mutex)
        self._waiting = 0  # threads blocked in wait(): the only ones notify_all() has to wake
        self._pending: Turn | None = None
        self._usage = [0] * 6  # token counts, in records.USAGE_COUNTS order (summed as ints)
        self._turns: list[ChatTurn] = []
        self._curated: list[ChatTurn] = []
        self._encoded = bytearray()  # the curated turns' request bytes, one after the other
        self._offsets: list[int] = []  # where each curated turn's bytes start
        self._curated_count = 0
        self._set(self._coerce(history))

    @staticmethod
    def _coerce(history: Iterable[ContentLike] | None) -> list[pb.Content]:
        if history is None:
            return []
        if isinstance(history, ChatHistory):
            return list(history)
        items = list(history)
        return to_contents(items, path="history") if items else []

    def _set(self, contents: list[pb.Content]) -> None:
        """With the lock held (or before any other thread sees the core): start over from ``contents``."""
        turns = split_turns(copy_contents(contents))
        self._turns = list(turns)
        self._curated = []
        self._encoded = bytearray()
        self._offsets = []
        self._curated_count = 0
        for turn in turns:
            self._append_curated(turn)

    def _append_curated(self, turn: ChatTurn) -> None:
        encoded = turn._encoded
        self._curated.append(turn)
        self._offsets.append(len(self._encoded))
        self._encoded += encoded if encoded is not None else turn.encoded()
        self._curated_count += turn._size

    # -- histories ------------------------------------------------------------------------------

    @property
    def history(self) -> ChatHistory:
        """The curated history (what the next message is sent with): copies, oldest first."""
        with self._mutex:
            turns = list(self._curated)
        return ChatHistory([content for turn in turns for content in turn.contents])

    def get_history(self, curated: bool = False) -> list[pb.Content]:
        """Copies of the comprehensive history (every finished turn), or of the curated one."""
        with self._mutex:
            turns = list(self._curated if curated else self._turns)
        return [content for turn in turns for content in turn.contents]

    def turns(self, curated: bool = False) -> list[ChatTurn]:
        """The finished turns (comprehensive, or curated), oldest first."""
        with self._mutex:
            return list(self._curated if curated else self._turns)

    @property
    def usage(self) -> pb.GenerateContentResponseUsageMetadata:
        """Token totals over every reply this chat received (a copy)."""
        with self._mutex:
            counts = list(self._usage)
        return usage_of(counts)

    def __len__(self) -> int:
        """How many contents the curated history holds (counting needs no copies)."""
        return self._curated_count

    def replace(self, history: Iterable[ContentLike] | None) -> None:
        """Set the history (``chat.history = [...]``): both histories start over from it.

        Refused while a turn is open.
        """
        contents = self._coerce(history)
        with self._mutex:
            self._refuse_if_open("replace the history")
            self._set(contents)

    def rewind(self) -> ChatTurn:
        """Remove and return the last finished turn (from the curated history too, if it is there).

        Refused while a turn is open, and when there is no turn. Token totals keep what was spent.
        """
        with self._mutex:
            if self._pending is not None:
                self._refuse_if_open("rewind")
            if not self._turns:
                raise UsageError("rewind(): the history holds no turn to remove")
            turn = self._turns.pop()
            if self._curated and self._curated[-1] is turn:
                self._curated.pop()
                del self._encoded[self._offsets.pop() :]
                self._curated_count -= turn._size
        return turn

    def _refuse_if_open(self, what: str) -> None:
        if self._open_turn() is not None:
            raise UsageError(f"cannot {what} while a message is being sent on this chat; wait for its reply")

    # -- turns ----------------------------------------------------------------------------------

    def _open_turn(self) -> Turn | None:
        pending = self._pending
        if pending is not None and pending._state != _OPEN:  # abandoned by a finalizer
            self._pending = pending = None
        return pending

    def try_begin(self, user: Sequence[pb.Content] | bytes, owner: object) -> tuple[Turn | None, Turn | None]:
        """``(new turn, None)`` when no turn is open, else ``(None, the open turn)``.

        ``user`` is the message's contents, or their request bytes (``encode_user_text``).
        """
        with self._mutex:
            if self._pending is not None:
                pending = self._open_turn()
                if pending is not None:
                    return None, pending
            turn = self._pending = Turn(self, user, owner)
            return turn, None

    def wait(self, turn: Turn, timeout: float) -> None:
        """Block until ``turn`` ends or ``timeout`` passes (callers loop: finalizers may not wake them)."""
        with self._mutex:
            if turn._state == _OPEN:
                self._waiting += 1
                try:
                    self._lock.wait(timeout)
                finally:
                    self._waiting -= 1

    def on_end(self, turn: Turn, callback: Callable[[], None]) -> None:
        """Call ``callback()`` once ``turn`` ends (at once if it has); it must be thread-safe."""
        with self._mutex:
            if turn._state == _OPEN:
                turn._wakeups.append(callback)
                return
        callback()

    def request_contents(self, turn: Turn) -> list[pb.Content]:
        """What to send for this turn: the curated history, the user's contents, the function rounds."""
        with self._mutex:
            history = [content for record in self._curated for content in record._all()]
        return [*history, *turn.contents()]

    def sent_with(self, turn: Turn) -> Callable[[], list[pb.Content]]:
        """What this turn's first request carries (history, then the message), read when called.

        The history is pinned now, so later turns do not change the answer.
        """
        with self._mutex:
            records = tuple(self._curated)
        user = list(turn.user)
        return lambda: [*(content for record in records for content in record.contents), *copy_contents(user)]

    def request_bytes(self, turn: Turn, head: bytes) -> bytes:
        """The request for this turn: ``head`` (the request without contents), then the contents.

        The history is copied once, as bytes; nothing is re-serialised. The user's contents are
        encoded here, once: ``commit`` records these bytes.
        """
        tail = turn._user_bytes or turn.user_bytes()
        if turn.hops:
            tail += encode_contents(turn.hops)
        with self._mutex:
            return b"".join((head, self._encoded, tail))

    def commit(self, turn: Turn, reply: pb.GenerateContentResponse) -> bool:
        """Close the turn and record it: in both histories if the reply is valid, else comprehensive only.

        Returns whether the turn was valid (and so sent as context from now on).

        The turn is kept as its request bytes: the message's (encoded when the request was made),
        the function-call rounds', the reply's content (the only one serialised now); ``ChatTurn``
        decodes them if they are read. This runs right after the reply comes, with cold caches,
        where every further function called costs microseconds: hence the few calls.
        """
        model, valid = encode_reply(reply)  # outside the lock
        hops = turn.hops
        user = turn._user_bytes or turn.user_bytes()
        encoded = user + encode_contents(hops) + model if hops else user + model
        size = turn._user_size + len(hops) + 1
        record = ChatTurn.of_bytes(encoded, size=size, user_count=turn._user_count, valid=valid)
        with self._mutex:
            if turn._state != _OPEN or self._pending is not turn:
                return False
            turn._state = _COMMITTED
            self._pending = None
            if turn.usage is not None:
                add_counts(self._usage, turn.usage)
            add_counts(self._usage, reply.usage_metadata)
            self._turns.append(record)
            if valid:  # _append_curated(record), inline
                self._curated.append(record)
                self._offsets.append(len(self._encoded))
                self._encoded += encoded
                self._curated_count += size
            wakeups: Sequence[Callable[[], None]] = ()
            if self._waiting or turn._wakeups:
                wakeups = self._ended(turn)
        for wakeup in wakeups:
            wakeup()
        return valid

    def abandon(self, turn: Turn) -> None:
        """Close the turn without recording it. Safe from a finalizer: it never blocks for long.

        A garbage-collector finalizer may run while this very thread holds the lock: then the turn is
        only marked, and waiters notice it at their next poll. The tokens of its finished function
        rounds still count in ``usage``.
        """
        if turn._state != _OPEN:
            return
        turn._state = _ABORTED
        if not self._lock.acquire(timeout=_FINALIZER_LOCK_WAIT):
            return
        try:
            if self._pending is turn:
                self._pending = None
            if turn.usage is not None:
                add_counts(self._usage, turn.usage)
            wakeups = self._ended(turn)
        finally:
            self._lock.release()
        for wakeup in wakeups:
            wakeup()

    def _ended(self, turn: Turn) -> Sequence[Callable[[], None]]:
        """With the lock held: wake the threads waiting, hand back the async wake-ups to call."""
        if self._waiting:
            self._lock.notify_all()
        wakeups = turn._wakeups
        if wakeups:
            turn._wakeups = []
        return wakeups
