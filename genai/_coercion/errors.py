"""Error-message helpers of the coercion ladder; plain Python, no protobuf (genai/_checks.py uses them).

    >>> type_error("contents[1]", "a str", 5)
    TypeError('contents[1]: expected a str; got int 5')

Every coercion error has one shape: ``"<path>: expected <accepted shapes>; got <type> <bounded
repr>"``. `describe` keeps the repr short whatever the value (never a whole payload) and escapes what
a terminal cannot print (a lone surrogate comes out as ``\\ud800``).
"""

from __future__ import annotations

import difflib
import reprlib
from collections.abc import Iterable, Sequence
from typing import Any, TypeGuard

__all__ = ["describe", "is_list", "suggest", "text_error", "text_problem", "type_error"]


class _ShortRepr(reprlib.Repr):
    def __init__(self) -> None:
        super().__init__()
        self.maxstring = self.maxother = 60
        self.maxlist = self.maxtuple = self.maxset = self.maxfrozenset = self.maxdeque = 4
        self.maxdict = 3
        self.maxlevel = 2

    def repr_bytes(self, x: bytes, level: int) -> str:  # never render a large payload in full
        return repr(x[:24]) + ("..." if len(x) > 24 else "")

    def repr_bytearray(self, x: bytearray, level: int) -> str:
        return f"bytearray({self.repr_bytes(bytes(x[:24]), level)})"


_SHORT = _ShortRepr()


def describe(value: Any) -> str:
    """The type and a bounded repr of `value`, for error messages.

    >>> describe(b"x" * 10_000)
    "bytes of length 10000 (b'xxxxxxxxxxxxxxxxxxxxxxxx'...)"
    """
    if value is None:
        return "None"
    if isinstance(value, bytes | bytearray | memoryview):
        head = bytes(value[:24])
        more = "..." if len(value) > 24 else ""
        return f"{type(value).__name__} of length {len(value)} ({head!r}{more})"
    try:
        text = _SHORT.repr(value)
    except Exception:  # a broken __repr__ must not hide the real error
        text = f"<{type(value).__name__} object>"
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{type(value).__name__} {text}"


def type_error(path: str, expected: str, value: Any) -> TypeError:
    """The TypeError for a value of the wrong kind at `path`.

    >>> str(type_error("contents[1]", "a str", 5))
    'contents[1]: expected a str; got int 5'
    """
    return TypeError(f"{path}: expected {expected}; got {describe(value)}")


def suggest(key: str, names: Iterable[str]) -> str:
    """A "; did you mean ...?" clause for a close match of `key` among `names`, or "".

    >>> suggest("temprature", ["temperature", "top_p"])
    "; did you mean 'temperature'?"
    """
    close = difflib.get_close_matches(key, list(names), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def is_list(value: Any) -> TypeGuard[Sequence[Any]]:
    """Whether `value` is a list-like sequence (list, tuple, repeated field), not str/bytes.

    >>> is_list((1, 2)), is_list("ab")
    (True, False)
    """
    if isinstance(value, list | tuple):
        return True
    return isinstance(value, Sequence) and not isinstance(value, str | bytes | bytearray | memoryview)


def text_error(path: str, err: UnicodeEncodeError, what: str = "the text") -> ValueError:
    """The ValueError for a str protobuf cannot store (it raised `err` encoding it as UTF-8).

    >>> try:
    ...     "a\\ud800".encode()
    ... except UnicodeEncodeError as err:
    ...     message = str(text_error("contents[0]", err))
    >>> message.startswith("contents[0]: the text is not valid Unicode: '\\\\ud800' at position 1")
    True

    Protobuf encodes str fields as UTF-8 when they are assigned, so lone surrogates (what
    ``bytes.decode(errors="surrogateescape")`` leaves behind for undecodable bytes) are refused there.
    """
    return ValueError(f"{path}: {text_problem(err, what)}")


def text_problem(err: UnicodeEncodeError, what: str = "the text") -> str:
    """`text_error`'s message without the path.

    >>> text_problem(UnicodeEncodeError("utf-8", "\\udc80", 0, 1, "surrogates not allowed"), "the key")
    "the key is not valid Unicode: '\\\\udc80' at position 0 cannot be encoded as UTF-8 (...)..."
    """
    bad = err.object[err.start : err.end]
    return (
        f"{what} is not valid Unicode: {bad!r} at position {err.start} cannot be encoded as UTF-8 "
        f"({err.reason}); pass valid Unicode text"
    )
