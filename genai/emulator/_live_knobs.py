"""The live-session knobs: emulator options overridden per session by `x-emulator-live-*` metadata
(gRPC metadata, or the WebSocket handshake's headers).

Header                              value
x-emulator-live-chunk-delay         SECONDS between the messages of a model turn (default 0.02)
x-emulator-live-goaway-after        SECONDS[:TIME_LEFT]: send GoAway that long after setup_complete,
                                    with time_left TIME_LEFT (default 1 s), then close; `off` = never
x-emulator-live-unknown             on/off: also send server messages of a kind clients do not know
x-emulator-live-refuse-resume       N or `always`: refuse the first N resumptions of the session
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from ._knobs import parse_seconds, parse_switch

CHUNK_DELAY = "x-emulator-live-chunk-delay"
GOAWAY_AFTER = "x-emulator-live-goaway-after"
UNKNOWN = "x-emulator-live-unknown"
REFUSE_RESUME = "x-emulator-live-refuse-resume"
HEADERS = (CHUNK_DELAY, GOAWAY_AFTER, UNKNOWN, REFUSE_RESUME)

DEFAULT_CHUNK_DELAY = 0.02
DEFAULT_TIME_LEFT = 1.0
_OFF = ("none", "off")


@dataclass(frozen=True)
class GoAwaySpec:
    """Send GoAway `after` seconds into the connection; close `time_left` seconds later."""

    after: float
    time_left: float


@dataclass(frozen=True)
class LiveKnobs:
    """The resolved live behaviour of one session."""

    chunk_delay: float = DEFAULT_CHUNK_DELAY
    goaway: GoAwaySpec | None = None
    unknown: bool = False
    refuse_resume: int | None = 0  # None: every resumption


def parse_goaway(text: str) -> GoAwaySpec | None:
    """`SECONDS[:TIME_LEFT]` (or off/none): `parse_goaway("2:0.5") == GoAwaySpec(2.0, 0.5)`."""
    text = text.strip()
    if text.lower() in _OFF:
        return None
    after, sep, left = text.partition(":")
    return GoAwaySpec(parse_seconds(after), parse_seconds(left) if sep else DEFAULT_TIME_LEFT)


def parse_times(text: str) -> int | None:
    """A count of attempts: N >= 0, or `always` / -1 (None)."""
    text = text.strip().lower()
    if text in ("always", "-1"):
        return None
    value = int(text)
    if value < 0:
        raise ValueError(f"expected a count >= 0, 'always' or -1, got {text!r}")
    return value


def from_options(
    *,
    chunk_delay: float = DEFAULT_CHUNK_DELAY,
    goaway_after: float | str | None = None,
    unknown: bool = False,
) -> LiveKnobs:
    """The server-wide defaults; ValueError for invalid values."""
    goaway = None if goaway_after is None else parse_goaway(str(goaway_after))
    return LiveKnobs(parse_seconds(str(chunk_delay)), goaway, bool(unknown))


def with_metadata(defaults: LiveKnobs, metadata: Mapping[str, str | bytes]) -> LiveKnobs:
    """`defaults` overridden by the session's x-emulator-live-* headers; ValueError names the header."""
    values: dict[str, str] = {}
    for name in HEADERS:
        value = metadata.get(name)
        if value is not None:
            values[name] = (value.decode("utf-8", "replace") if isinstance(value, bytes) else value).strip()
    if not values:
        return defaults
    knobs = defaults
    try:
        for name, text in values.items():
            if name == CHUNK_DELAY:
                knobs = replace(knobs, chunk_delay=parse_seconds(text))
            elif name == GOAWAY_AFTER:
                knobs = replace(knobs, goaway=parse_goaway(text))
            elif name == UNKNOWN:
                knobs = replace(knobs, unknown=parse_switch(text))
            else:
                knobs = replace(knobs, refuse_resume=parse_times(text))
    except ValueError as exc:
        raise ValueError(f"invalid {name} metadata {text!r}: {exc}") from None
    return knobs
