"""Chat history bookkeeping, free of I/O: one turn at a time, committed once, merged, when it completes.

    >>> from genai._wire import messages as pb
    >>> core = ChatCore()
    >>> turn, _ = core.try_begin(to_contents("Hi"), owner="me")
    >>> answer = pb.Content(role="model", parts=[pb.Part(text="Hello")])
    >>> core.commit(turn, pb.GenerateContentResponse(candidates=[pb.Candidate(content=answer)]))
    True
    >>> [content.role for content in core.history]
    ['user', 'model']

Nothing is appended when a turn starts; a failed, cancelled or abandoned turn simply never commits,
so errors cannot corrupt or half-fill the history. Reading `history` returns copies.

Turns never overlap: while one is open (a call in flight, or a streamed reply not yet read to its
end) ``try_begin`` hands back that turn instead of a new one, and the caller waits for it (another
thread or task runs it) or abandons it (its own stream, left unread). So concurrent sends are
serialised, each seeing the turns committed before it, and none is lost.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, NoReturn, overload

from genai._coercion.content import ContentLike, to_contents
from genai._wire import messages as pb
from genai.errors import UsageError

_MODEL_ROLE = "model"
_OPEN, _COMMITTED, _ABORTED = range(3)
# How long a finalizer waits for the chat's lock before leaving the wake-up to the waiters' polling.
_FINALIZER_LOCK_WAIT = 0.01


class Turn:
    """One exchange in flight: the user's contents, who runs it (a thread or a task), how it ended.

    It is also the stream hooks object (``completed``/``aborted``) of a streamed turn.
    """

    __slots__ = ("_core", "_state", "_wakeups", "owner", "user")

    def __init__(self, core: ChatCore, user: list[pb.Content], owner: object) -> None:
        self._core = core
        self.user = user
        self.owner = owner
        self._state = _OPEN
        self._wakeups: list[Callable[[], None]] = []

    @property
    def open(self) -> bool:
        """True until the turn is committed or abandoned."""
        return self._state == _OPEN

    def completed(self, reply: pb.GenerateContentResponse) -> None:
        self._core.commit(self, reply)

    def aborted(self) -> None:
        self._core.abandon(self)

    def __repr__(self) -> str:
        state = ("open", "committed", "abandoned")[self._state]
        return f"Turn({state}, {len(self.user)} user contents)"


class ChatHistory(Sequence[pb.Content]):
    """A read-only list of a chat's contents (copies: changing them does not touch the chat).

    >>> history = ChatHistory([])
    >>> len(history), history == []
    (0, True)

    To change a chat's history assign a new one (``chat.history = [...]``) or ``rewind()``; the
    mutating list methods raise UsageError instead of silently changing a copy.
    """

    __slots__ = ("_items",)

    def __init__(self, items: list[pb.Content]) -> None:
        self._items = items

    @overload
    def __getitem__(self, index: int) -> pb.Content: ...

    @overload
    def __getitem__(self, index: slice) -> list[pb.Content]: ...

    def __getitem__(self, index: int | slice) -> pb.Content | list[pb.Content]:
        return self._items[index]

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[pb.Content]:
        return iter(self._items)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ChatHistory):
            return self._items == other._items
        if isinstance(other, list | tuple):
            return self._items == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __add__(self, other: Iterable[pb.Content]) -> list[pb.Content]:
        return [*self._items, *other]

    def __repr__(self) -> str:
        return repr(self._items)

    def _read_only(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise UsageError(
            "chat.history is a read-only copy: assign a new history (chat.history = [...]) "
            "or call chat.rewind() to remove the last exchange"
        )

    append = extend = insert = pop = remove = clear = sort = reverse = _read_only
    __setitem__ = __delitem__ = __iadd__ = _read_only


class ChatCore:
    """The committed contents, and the one turn that may be open."""

    def __init__(self, history: Iterable[ContentLike] | None = None) -> None:
        self._history: list[pb.Content] = self._coerce(history)
        self._pending: Turn | None = None
        self._lock = threading.Condition(threading.Lock())

    @staticmethod
    def _coerce(history: Iterable[ContentLike] | None) -> list[pb.Content]:
        if history is None:
            return []
        items = list(history)
        return to_contents(items, path="history") if items else []

    # -- history --------------------------------------------------------------------------------

    @property
    def history(self) -> ChatHistory:
        """Copies of the committed contents, oldest first; changing them does not touch the chat."""
        with self._lock:
            committed = list(self._history)
        out = []
        for content in committed:
            copy = pb.Content()
            copy.CopyFrom(content)
            out.append(copy)
        return ChatHistory(out)

    def __len__(self) -> int:
        """How many contents are committed (counting needs no copies)."""
        return len(self._history)

    def replace(self, history: Iterable[ContentLike] | None) -> None:
        """Set the history (``chat.history = [...]``); refused while a turn is open."""
        contents = self._coerce(history)
        with self._lock:
            self._refuse_if_open("replace the history")
            self._history = contents

    def rewind(self) -> tuple[pb.Content, pb.Content]:
        """Remove and return the last (user, model) pair; refused while a turn is open."""
        with self._lock:
            self._refuse_if_open("rewind")
            if len(self._history) < 2:
                raise UsageError("rewind(): the history holds no complete exchange to remove")
            model = self._history.pop()
            user = self._history.pop()
        return user, model

    def _refuse_if_open(self, what: str) -> None:
        if self._open_turn() is not None:
            raise UsageError(f"cannot {what} while a message is being sent on this chat; wait for its reply")

    # -- turns ----------------------------------------------------------------------------------

    def _open_turn(self) -> Turn | None:
        pending = self._pending
        if pending is not None and pending._state != _OPEN:  # abandoned by a finalizer
            self._pending = pending = None
        return pending

    def try_begin(self, user: Sequence[pb.Content], owner: object) -> tuple[Turn | None, Turn | None]:
        """``(new turn, None)`` when no turn is open, else ``(None, the open turn)``."""
        with self._lock:
            pending = self._open_turn()
            if pending is not None:
                return None, pending
            turn = self._pending = Turn(self, list(user), owner)
            return turn, None

    def wait(self, turn: Turn, timeout: float) -> None:
        """Block until ``turn`` ends or ``timeout`` passes (callers loop: finalizers may not wake them)."""
        with self._lock:
            if turn._state == _OPEN:
                self._lock.wait(timeout)

    def on_end(self, turn: Turn, callback: Callable[[], None]) -> None:
        """Call ``callback()`` once ``turn`` ends (at once if it has); it must be thread-safe."""
        with self._lock:
            if turn._state == _OPEN:
                turn._wakeups.append(callback)
                return
        callback()

    def request_contents(self, turn: Turn) -> list[pb.Content]:
        """What to send for this turn: the committed history followed by the user's contents."""
        with self._lock:
            return [*self._history, *turn.user]

    def commit(self, turn: Turn, reply: pb.GenerateContentResponse) -> bool:
        """Close the turn; append it if the reply has a usable first candidate.

        Returns whether anything was appended. A blocked prompt or a candidate without content
        leaves the history unchanged (the caller's response view raises when its text is read).
        """
        with self._lock:
            if turn._state != _OPEN or self._pending is not turn:
                return False
            turn._state = _COMMITTED
            self._pending = None
            appended = bool(reply.candidates) and bool(reply.candidates[0].content.parts)
            if appended:
                answer = pb.Content()
                answer.CopyFrom(reply.candidates[0].content)
                answer.role = _MODEL_ROLE
                self._history.extend(turn.user)
                self._history.append(answer)
            wakeups = self._ended(turn)
        for wakeup in wakeups:
            wakeup()
        return appended

    def abandon(self, turn: Turn) -> None:
        """Close the turn without committing it. Safe from a finalizer: it never blocks for long.

        A garbage-collector finalizer may run while this very thread holds the lock: then the turn is
        only marked, and waiters notice it at their next poll.
        """
        if turn._state != _OPEN:
            return
        turn._state = _ABORTED
        if not self._lock.acquire(timeout=_FINALIZER_LOCK_WAIT):
            return
        try:
            if self._pending is turn:
                self._pending = None
            wakeups = self._ended(turn)
        finally:
            self._lock.release()
        for wakeup in wakeups:
            wakeup()

    def _ended(self, turn: Turn) -> list[Callable[[], None]]:
        """With the lock held: wake the threads waiting, hand back the async wake-ups to call."""
        self._lock.notify_all()
        wakeups, turn._wakeups = turn._wakeups, []
        return wakeups
