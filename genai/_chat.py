"""Chat history bookkeeping, free of I/O: a turn is committed once, merged, when it completes.

    >>> core = ChatCore()
    >>> turn = core.begin(to_contents("Hi"))
    >>> core.commit(turn, reply)        # appends the user content and the model's merged reply

Nothing is appended when a turn starts; a failed, cancelled or abandoned turn simply never commits,
so errors cannot corrupt or half-fill the history. Reading `history` returns copies.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from genai import types
from genai._coerce_content import ContentLike, to_contents
from genai.errors import UsageError

_MODEL_ROLE = "model"


@dataclass(eq=False)
class Turn:
    """One exchange in flight: the user's contents and whether it is still the current one."""

    user: list[types.Content]
    _open: bool = field(default=True, repr=False)


class ChatCore:
    """The list of committed contents, and the one turn that may be in flight."""

    def __init__(self, history: Iterable[ContentLike] | None = None) -> None:
        self._history: list[types.Content] = self._coerce(history)
        self._pending: Turn | None = None

    @staticmethod
    def _coerce(history: Iterable[ContentLike] | None) -> list[types.Content]:
        if history is None:
            return []
        items = list(history)
        return to_contents(items, path="history") if items else []

    @property
    def history(self) -> list[types.Content]:
        """Copies of the committed contents, oldest first; mutating them does not touch the chat."""
        out = []
        for content in self._history:
            copy = types.Content()
            copy.CopyFrom(content)
            out.append(copy)
        return out

    def __len__(self) -> int:
        """How many contents are committed (counting needs no copies)."""
        return len(self._history)

    def replace(self, history: Iterable[ContentLike] | None) -> None:
        """Set the history (e.g. ``chat.history = [...]``); any turn in flight will not commit."""
        self._history = self._coerce(history)
        self.abandon()

    def begin(self, user: Sequence[types.Content]) -> Turn:
        """Start a turn; a previous unfinished turn is abandoned (it will never commit)."""
        self.abandon()
        turn = Turn(list(user))
        self._pending = turn
        return turn

    def request_contents(self, turn: Turn) -> list[types.Content]:
        """What to send for this turn: the committed history followed by the user's contents."""
        return [*self._history, *turn.user]

    def commit(self, turn: Turn, reply: types.GenerateContentResponse) -> bool:
        """Append the turn if it is still current and the reply has a usable first candidate.

        Returns whether anything was appended. A blocked prompt or a candidate without content
        leaves the history unchanged (the caller's response view raises when its text is read).
        """
        if not turn._open or turn is not self._pending:
            return False
        turn._open = False
        self._pending = None
        if not reply.candidates or not reply.candidates[0].content.parts:
            return False
        answer = types.Content()
        answer.CopyFrom(reply.candidates[0].content)
        answer.role = _MODEL_ROLE
        self._history.extend(turn.user)
        self._history.append(answer)
        return True

    def abandon(self, turn: Turn | None = None) -> None:
        """Close the pending turn (or `turn`, if it is the pending one) without committing it."""
        pending = self._pending
        if pending is not None and (turn is None or turn is pending):
            pending._open = False
            self._pending = None

    def rewind(self) -> tuple[types.Content, types.Content]:
        """Remove and return the last (user, model) pair."""
        if len(self._history) < 2:
            raise UsageError("rewind(): the history holds no complete exchange to remove")
        self.abandon()
        model = self._history.pop()
        user = self._history.pop()
        return user, model
