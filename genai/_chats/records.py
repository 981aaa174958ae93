"""What a chat keeps of a finished turn, and the read-only views it hands out. Pure, no I/O.

    >>> hi = pb.Content(role="user", parts=[pb.Part(text="Hi")])
    >>> hello = pb.Content(role="model", parts=[pb.Part(text="Hello")])
    >>> turn = ChatTurn([hi, hello], valid=True)
    >>> turn.user[0].parts[0].text, turn.model.parts[0].text, turn.valid
    ('Hi', 'Hello', True)

A turn is the user's message and everything the model and the client said until the model's final
reply: with automatic function calling, each function call (a model content) and its responses (a
user content) in between. It is recorded whole or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, NoReturn, overload

from genai._requests.encode import decode_contents, encode_contents
from genai._wire import messages as pb
from genai.errors import UsageError

__all__ = [
    "USAGE_COUNTS",
    "ChatHistory",
    "ChatTurn",
    "add_counts",
    "add_usage",
    "copy_contents",
    "leading_user_count",
    "split_turns",
    "usage_of",
]

_MODEL_ROLE = "model"
USAGE_COUNTS = (
    "prompt_token_count",
    "cached_content_token_count",
    "candidates_token_count",
    "tool_use_prompt_token_count",
    "thoughts_token_count",
    "total_token_count",
)


def copy_contents(contents: Iterable[pb.Content]) -> list[pb.Content]:
    """Copies, so that what a caller changes never reaches the chat (and the other way round).

    >>> copy_contents([pb.Content(role="user")])[0].role
    'user'
    """
    out = []
    for content in contents:
        copy = pb.Content()
        copy.CopyFrom(content)
        out.append(copy)
    return out


def leading_user_count(contents: Iterable[pb.Content]) -> int:
    """How many contents come before the first model content (a turn's message).

    >>> leading_user_count([pb.Content(role="user"), pb.Content(role="model")])
    1
    """
    count = 0
    for content in contents:
        if content.role == _MODEL_ROLE:
            break
        count += 1
    return count


class ChatTurn:
    """One finished turn: its contents in order, whether it was valid, its request bytes.

    ``user`` is the message as sent; ``model`` the final reply; ``contents`` everything, with the
    function calls and responses of automatic function calling in between. Reading any of them gives
    copies.

    A turn a chat records as it completes is kept as its request bytes alone (``of_bytes``): its
    contents are decoded from them the first time they are read, so a turn costs no message copies
    when nobody reads it.
    """

    __slots__ = ("_contents", "_encoded", "_size", "_user_count", "valid")

    def __init__(self, contents: Sequence[pb.Content], *, valid: bool) -> None:
        items = tuple(contents)
        self._contents: tuple[pb.Content, ...] | None = items
        self.valid = valid
        self._encoded: bytes | None = None
        self._size = len(items)
        self._user_count = leading_user_count(items)

    @classmethod
    def of_bytes(cls, encoded: bytes, *, size: int, user_count: int, valid: bool) -> ChatTurn:
        """A turn known by its request bytes (``size`` contents, the first ``user_count`` the message).

        >>> turn = ChatTurn([pb.Content(role="user"), pb.Content(role="model")], valid=True)
        >>> ChatTurn.of_bytes(turn.encoded(), size=2, user_count=1, valid=True) == turn
        True
        """
        turn = cls.__new__(cls)
        turn._contents = None
        turn._encoded = encoded
        turn._size = size
        turn._user_count = user_count
        turn.valid = valid
        return turn

    def _all(self) -> tuple[pb.Content, ...]:
        """The contents themselves (not copies), decoded from the bytes on first use."""
        contents = self._contents
        if contents is None:
            assert self._encoded is not None
            contents = self._contents = tuple(decode_contents(self._encoded))
        return contents

    @property
    def contents(self) -> list[pb.Content]:
        """Every content of the turn, oldest first (copies)."""
        return copy_contents(self._all())

    @property
    def user(self) -> list[pb.Content]:
        """The message that started the turn (copies; usually one user content)."""
        return copy_contents(self._all()[: self._user_count])

    @property
    def model(self) -> pb.Content:
        """The model's final reply in this turn (a copy; an empty model content if there was none)."""
        for content in reversed(self._all()):
            if content.role == _MODEL_ROLE:
                return copy_contents([content])[0]
        return pb.Content(role=_MODEL_ROLE)

    def encoded(self) -> bytes:
        """The turn as ``contents`` fields of a request (computed once)."""
        encoded = self._encoded
        if encoded is None:
            encoded = self._encoded = encode_contents(self._all())
        return encoded

    def __len__(self) -> int:
        return self._size

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ChatTurn):
            return NotImplemented
        return self.valid == other.valid and self._all() == other._all()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        kinds = ", ".join(content.role or "?" for content in self._all())
        return f"ChatTurn([{kinds}], valid={self.valid})"


def _starts_turn(content: pb.Content) -> bool:
    """A user content that is not only function responses begins a new turn."""
    if content.role == _MODEL_ROLE:
        return False
    return not content.parts or any(not part.HasField("function_response") for part in content.parts)


def split_turns(contents: Sequence[pb.Content]) -> list[ChatTurn]:
    """A flat history cut into turns: one starts at each user content that is not function responses.

    >>> user, model = pb.Content(role="user"), pb.Content(role="model")
    >>> [len(turn) for turn in split_turns([user, model, user, model])]
    [2, 2]

    Every turn of a given history counts as valid: the history was given as is.
    """
    turns: list[list[pb.Content]] = []
    for content in contents:
        if not turns or _starts_turn(content):
            turns.append([])
        turns[-1].append(content)
    return [ChatTurn(turn, valid=True) for turn in turns]


def add_usage(
    total: pb.GenerateContentResponseUsageMetadata, usage: pb.GenerateContentResponseUsageMetadata
) -> None:
    """Add one reply's token counts to a running total (the per-modality details are not summed).

    >>> total = pb.GenerateContentResponseUsageMetadata(total_token_count=3)
    >>> add_usage(total, pb.GenerateContentResponseUsageMetadata(total_token_count=4))
    >>> total.total_token_count
    7
    """
    for name in USAGE_COUNTS:
        value = getattr(usage, name)
        if value:
            setattr(total, name, getattr(total, name) + value)


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


def add_counts(counts: list[int], usage: pb.GenerateContentResponseUsageMetadata) -> None:
    """Add one reply's token counts to running totals kept as ints, in ``USAGE_COUNTS`` order.

    >>> counts = [0] * 6
    >>> add_counts(counts, pb.GenerateContentResponseUsageMetadata(total_token_count=4))
    >>> counts[5]
    4

    A chat adds every reply's counts; kept as ints, that is a few attribute reads, not a message
    updated field by field. ``usage_of`` makes the message when it is asked for.
    """
    counts[0] += usage.prompt_token_count
    counts[1] += usage.cached_content_token_count
    counts[2] += usage.candidates_token_count
    counts[3] += usage.tool_use_prompt_token_count
    counts[4] += usage.thoughts_token_count
    counts[5] += usage.total_token_count


def usage_of(counts: Sequence[int]) -> pb.GenerateContentResponseUsageMetadata:
    """The usage message of totals kept by ``add_counts``.

    >>> usage_of([1, 0, 2, 0, 0, 3]).total_token_count
    3
    """
    usage = pb.GenerateContentResponseUsageMetadata()
    for name, value in zip(USAGE_COUNTS, counts, strict=True):
        if value:
            setattr(usage, name, value)
    return usage
