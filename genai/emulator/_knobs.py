"""Per-call behaviour knobs: emulator options overridden by `x-emulator-*` request metadata.

Header            value
x-emulator-fail   CODE[:N][;retry_delay=SECONDS][;quota_limit=V]   (N: count, "always" or -1)
x-emulator-delay  SECONDS before answering
x-emulator-break-after  K[:N]   stream sends K chunks then fails with UNAVAILABLE (first N attempts)
x-emulator-chunk-delay  SECONDS between stream chunks
x-emulator-chunks       N chunks exactly
x-emulator-reply-words  W words of reply text
x-emulator-count-contents  1/true/on or 0/false/off: start a plain-text reply with [N contents: ...]
"none" (or "off") as the value of fail / break-after switches an option-level setting off.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

import grpc

FAIL = "x-emulator-fail"
DELAY = "x-emulator-delay"
BREAK_AFTER = "x-emulator-break-after"
CHUNK_DELAY = "x-emulator-chunk-delay"
CHUNKS = "x-emulator-chunks"
REPLY_WORDS = "x-emulator-reply-words"
COUNT_CONTENTS = "x-emulator-count-contents"
HEADERS = (FAIL, DELAY, BREAK_AFTER, CHUNK_DELAY, CHUNKS, REPLY_WORDS, COUNT_CONTENTS)

T = TypeVar("T")

DEFAULT_RETRY_DELAY = 0.05
DEFAULT_QUOTA_LIMIT = 15
MAX_WORDS = 1_000_000
MAX_SECONDS = 3600.0
_OFF = ("none", "off")
_SWITCH = {"1": True, "true": True, "on": True, "yes": True, "0": False, "false": False, "no": False}
_SWITCH.update(dict.fromkeys(_OFF, False))


@dataclass(frozen=True)
class FailSpec:
    """Fail the first `times` attempts (None: every attempt) with `code`."""

    code: grpc.StatusCode
    times: int | None
    retry_delay: float | None
    quota_limit: int
    raw: str


@dataclass(frozen=True)
class BreakSpec:
    """Abort a stream with UNAVAILABLE after `after` chunks, for the first `times` attempts."""

    after: int
    times: int | None
    raw: str


@dataclass(frozen=True)
class Knobs:
    """The resolved behaviour of one call."""

    fail: FailSpec | None = None
    delay: float = 0.0
    break_after: BreakSpec | None = None
    chunk_delay: float = 0.0
    chunks: int | None = None
    reply_words: int | None = None
    count_contents: bool = False


def parse_switch(text: str) -> bool:
    """On (1, true, on, yes) or off (0, false, off, no, none), in any case."""
    value = _SWITCH.get(text.strip().lower())
    if value is None:
        raise ValueError(f"expected 1, true, on, yes or 0, false, off, no, none, got {text!r}")
    return value


def parse_seconds(text: str) -> float:
    """A finite, non-negative number of seconds (at most an hour)."""
    value = float(text)
    if not math.isfinite(value) or not 0 <= value <= MAX_SECONDS:
        raise ValueError(f"seconds must be between 0 and {MAX_SECONDS:g}, got {text!r}")
    return value


def parse_positive(text: str, limit: int = MAX_WORDS) -> int:
    """An integer in 1..limit."""
    value = int(text)
    if not 1 <= value <= limit:
        raise ValueError(f"expected an integer between 1 and {limit}, got {text!r}")
    return value


def _times(text: str) -> int | None:
    if text.strip().lower() in ("always", "-1"):
        return None
    value = int(text)
    if value < 0:
        raise ValueError(f"attempt count must be >= 0, 'always' or -1, got {text!r}")
    return value


def parse_fail(text: str) -> FailSpec:
    """Parse CODE[:N][;retry_delay=SECONDS][;quota_limit=V]."""
    head, *options = [piece.strip() for piece in text.split(";")]
    code_name, _, count = head.partition(":")
    code = grpc.StatusCode.__members__.get(code_name.strip().upper())
    if code is None or code is grpc.StatusCode.OK:
        raise ValueError(f"unknown or non-error status code {code_name!r}")
    retry_delay: float | None = None
    quota_limit = DEFAULT_QUOTA_LIMIT
    for option in options:
        key, sep, value = option.partition("=")
        key = key.strip().lower()
        if not sep:
            raise ValueError(f"expected key=value, got {option!r}")
        if key == "retry_delay":
            retry_delay = parse_seconds(value)
        elif key == "quota_limit":
            quota_limit = int(value)
            if quota_limit < 0:
                raise ValueError("quota_limit must be >= 0")
        else:
            raise ValueError(f"unknown option {key!r}")
    return FailSpec(code, _times(count) if count else 1, retry_delay, quota_limit, text)


def parse_break(text: str) -> BreakSpec:
    """Parse K[:N]."""
    after, _, count = text.partition(":")
    k = int(after)
    if k < 0:
        raise ValueError(f"chunk count must be >= 0, got {after!r}")
    return BreakSpec(k, _times(count) if count else 1, text)


def _field(values: Mapping[str, str], name: str, parse: Callable[[str], T], default: T) -> T:
    text = values.get(name)
    if text is None:
        return default
    try:
        return parse(text)
    except ValueError as exc:
        raise ValueError(f"invalid {name} metadata {text!r}: {exc}") from None


def _switchable(parse: Callable[[str], T]) -> Callable[[str], T | None]:
    return lambda text: None if text.lower() in _OFF else parse(text)


def _flag(name: str, value: bool | str) -> bool:
    if isinstance(value, bool):
        return value
    try:
        if isinstance(value, str):
            return parse_switch(value)
        raise ValueError(f"expected a bool, got {value!r}")
    except ValueError as exc:
        raise ValueError(f"invalid {name}: {exc}") from None


def from_options(
    *,
    fail: str | None = None,
    delay: float = 0.0,
    break_after: int | str | None = None,
    chunk_delay: float = 0.0,
    chunks: int | None = None,
    reply_words: int | None = None,
    count_contents: bool | str = False,
) -> Knobs:
    """Knobs from emulator options; raises ValueError for invalid values."""
    return Knobs(
        fail=parse_fail(fail) if fail else None,
        delay=parse_seconds(str(delay)),
        break_after=parse_break(str(break_after)) if break_after is not None else None,
        chunk_delay=parse_seconds(str(chunk_delay)),
        chunks=parse_positive(str(chunks)) if chunks is not None else None,
        reply_words=parse_positive(str(reply_words)) if reply_words is not None else None,
        count_contents=_flag("count_contents", count_contents),
    )


def with_metadata(defaults: Knobs, metadata: Mapping[str, str | bytes]) -> Knobs:
    """`defaults` overridden by any x-emulator-* headers; ValueError names the bad header."""
    values: dict[str, str] = {}
    for name in HEADERS:
        value = metadata.get(name)
        if value is not None:
            values[name] = (value.decode("utf-8", "replace") if isinstance(value, bytes) else value).strip()
    if not values:
        return defaults
    return Knobs(
        fail=_field(values, FAIL, _switchable(parse_fail), defaults.fail),
        delay=_field(values, DELAY, parse_seconds, defaults.delay),
        break_after=_field(values, BREAK_AFTER, _switchable(parse_break), defaults.break_after),
        chunk_delay=_field(values, CHUNK_DELAY, parse_seconds, defaults.chunk_delay),
        chunks=_field(values, CHUNKS, parse_positive, defaults.chunks),
        reply_words=_field(values, REPLY_WORDS, parse_positive, defaults.reply_words),
        count_contents=_field(values, COUNT_CONTENTS, parse_switch, defaults.count_contents),
    )
