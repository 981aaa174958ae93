"""Validators for the call options a client or a call is given: timeout, retry, gRPC metadata.

    >>> check_metadata({"x-request-id": "42"}, "metadata")
    (('x-request-id', '42'),)

Shared by `genai.Client`, `CallOptions`/`RetryOptions` and the per-call `config=`; each raises a
TypeError (wrong kind of value) or ValueError (right kind, bad value) whose message starts with the
path it was given. The metadata rules are gRPC core's (what it refuses at call time with a bare
"INTERNAL: Invalid metadata" and a log line), plus two the protocol adds: "grpc-" keys are reserved,
and an HTTP/2 field value may not begin or end with whitespace (RFC 9113, 8.2.1). Values of
credential-like keys (x-goog-api-key, authorization, ...) never appear in a message.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from genai._coercion.errors import describe, is_list

if TYPE_CHECKING:
    from genai._transport.options import RetryOptions

__all__ = ["check_metadata", "check_retry", "check_timeout"]

MetadataPairs = tuple[tuple[str, str | bytes], ...]

# gRPC core (src/core/lib/surface/validate_metadata.cc): a key is 1+ of [a-z0-9-_.]; a value of a
# key ending in "-bin" is any bytes (gRPC base64-encodes it); any other value is bytes 0x20-0x7E.
_KEY = re.compile(r"[a-z0-9_.\-]+")
_TEXT_VALUE = re.compile(r"[\x20-\x7e]*")
_SECRET_KEYS = frozenset({"x-goog-api-key", "authorization", "proxy-authorization", "cookie"})
_SECRET_WORDS = ("key", "token", "secret", "password", "auth", "cookie", "session")
_PAIRS = "a list of (key, value) pairs or a dict {key: value}"


MAX_TIMEOUT = 1e9  # about 31 years


def check_timeout(value: object, path: str) -> float | None:
    """A deadline in seconds: None (no deadline) or a positive, finite int/float.

    >>> check_timeout(30, "timeout")
    30.0
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{path}: expected a number of seconds (int or float) or None; got {describe(value)}")
    try:
        seconds = float(value)
    except OverflowError:
        seconds = math.inf
    if not (seconds > 0 and math.isfinite(seconds)):
        raise ValueError(
            f"{path}: expected a positive, finite number of seconds (use None for no deadline); "
            f"got {describe(value)}"
        )
    if seconds > MAX_TIMEOUT:
        # gRPC's deadline arithmetic overflows past ~4e9 s and the call fails at once as expired.
        raise ValueError(f"{path}: at most 1e9 seconds (use None for no deadline); got {value!r}")
    return seconds


def check_retry(value: object, path: str) -> RetryOptions | None:
    """None (the default policy applies) or a genai.RetryOptions.

    >>> check_retry(None, "retry") is None
    True
    """
    if value is None:
        return None
    from genai._transport.options import RetryOptions  # _options imports this module

    if isinstance(value, RetryOptions):
        return value
    hint = ""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        hint = f" (for {value} attempts in all: genai.RetryOptions(attempts={value}))"
    elif isinstance(value, bool | int) and not value:
        hint = " (genai.RetryOptions(attempts=1) disables retries)"
    raise TypeError(f"{path}: expected None or a genai.RetryOptions; got {describe(value)}{hint}")


def check_metadata(value: object, path: str) -> MetadataPairs:
    """gRPC metadata as a tuple of (key, value) pairs, from pairs or a Mapping (None: no metadata).

    >>> check_metadata([("x-trace-bin", b"\\x01"), ("x-user", "ann")], "metadata")
    (('x-trace-bin', b'\\x01'), ('x-user', 'ann'))

    Keys: lower-case ASCII letters, digits, '-', '_', '.'; not starting with 'grpc-'. Keys ending
    in '-bin' take bytes-like values; other keys take str of printable ASCII (space to '~'), with no
    whitespace at either end.
    """
    if value is None:
        return ()
    if isinstance(value, Mapping):
        pairs: Any = value.items()
    elif is_list(value):
        pairs = value
    else:
        raise TypeError(f"{path}: expected {_PAIRS}; got {_shape(value)}")
    out: list[tuple[str, str | bytes]] = []
    for i, pair in enumerate(pairs):
        if not (isinstance(pair, tuple | list) and len(pair) == 2):
            _bad_pair(pair, f"{path}[{i}]")
        key, item = pair
        if (
            type(key) is str
            and type(item) is str
            and _KEY.fullmatch(key)
            and _TEXT_VALUE.fullmatch(item)
            and not key.endswith("-bin")
            and not key.startswith("grpc-")
            and (not item or (item[0] != " " and item[-1] != " "))
        ):
            out.append((key, item))  # the common case, a valid text pair, checked in one go
            continue
        where = f"{path}[{key!r}]" if isinstance(value, Mapping) else f"{path}[{i}]"
        checked = _key(key, where)
        out.append((checked, _value(checked, item, where)))
    return tuple(out)


def _bad_pair(item: Any, where: str) -> None:
    hint = ""
    if isinstance(item, str):
        hint = "; a single pair goes in a list too: [('x-key', 'value')]"
    raise TypeError(f"{where}: expected a (key, value) pair; got {_shape(item)}{hint}")


def _shape(value: Any) -> str:
    """What `value` is, without showing any content (metadata can carry credentials)."""
    if isinstance(value, str | bytes | bytearray | memoryview | Mapping) or is_list(value):
        return f"{type(value).__name__} of length {len(value)}"
    return type(value).__name__


def _is_secret(key: str) -> bool:
    lowered = key.strip().lower()
    return lowered in _SECRET_KEYS or any(word in lowered for word in _SECRET_WORDS)


def _key(key: Any, where: str) -> str:
    if not isinstance(key, str):
        raise TypeError(f"{where}: a metadata key is a str; got {describe(key)}")
    if _KEY.fullmatch(key) is None:
        raise ValueError(f"{where}: invalid metadata key {key!r}: {_key_problem(key)}")
    if key.startswith("grpc-"):
        raise ValueError(
            f"{where}: metadata keys starting with 'grpc-' are reserved for gRPC itself; got {key!r}"
        )
    return key if type(key) is str else str.__str__(key)


def _key_problem(key: str) -> str:
    allowed = "keys are lower-case ASCII letters, digits, '-', '_' and '.'"
    if not key:
        return "keys cannot be empty"
    bad = next(ch for ch in key if _KEY.fullmatch(ch) is None)
    if bad.isascii() and bad.isupper():
        return f"upper-case letter {bad!r} ({allowed}; gRPC does not lower-case them for you)"
    return f"character {bad!r} at position {key.index(bad)} ({allowed})"


def _value(key: str, value: Any, where: str) -> str | bytes:
    secret = _is_secret(key)
    if key.endswith("-bin"):
        if isinstance(value, bytes):
            return value
        if isinstance(value, bytearray | memoryview):
            return bytes(value)
        shown = _shape(value) if secret else describe(value)
        raise TypeError(f"{where}: the value of {key!r} (a key ending in '-bin') must be bytes; got {shown}")
    if not isinstance(value, str):
        shown = _shape(value) if secret else describe(value)
        hint = "; bytes values need a key ending in '-bin'" if isinstance(value, bytes | bytearray) else ""
        raise TypeError(f"{where}: the value of {key!r} must be a str; got {shown}{hint}")
    problem = _value_problem(value)
    if problem:
        shown = " (not shown: it may be a credential)" if secret else f": {describe(value)}"
        raise ValueError(f"{where}: invalid value for {key!r}: {problem}{shown}")
    return value if type(value) is str else str.__str__(value)


_NAMED = {"\n": "a newline", "\r": "a carriage return", "\t": "a tab", "\x00": "a NUL character"}


def _value_problem(value: str) -> str:
    if _TEXT_VALUE.fullmatch(value) is None:
        i, ch = next((i, ch) for i, ch in enumerate(value) if _TEXT_VALUE.fullmatch(ch) is None)
        what = _NAMED.get(ch) or f"character {ch!r}"
        return (
            f"{what} at position {i}; text values are printable ASCII (space to '~'); "
            "send other data as bytes under a key ending in '-bin'"
        )
    if value != value.strip(" "):
        return "leading or trailing space; HTTP/2 refuses such field values (RFC 9113, 8.2.1)"
    return ""
