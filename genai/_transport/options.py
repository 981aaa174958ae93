"""Per-call options: deadlines and retries. Frozen; a per-call value overrides the client default.

>>> CallOptions(timeout=10).merged(CallOptions(retry=RetryOptions(attempts=1))).timeout
10.0

Both classes check their fields when built (a wrong kind of value is a TypeError, a bad value a
ValueError, each naming the field) and store them normalised: numbers as float, status codes as a
frozenset of grpc.StatusCode, metadata as a tuple of pairs.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass, field

import grpc

from genai._coercion.errors import describe, is_list, suggest
from genai._transport.checks import check_metadata, check_retry, check_timeout

__all__ = [
    "DEFAULT_CALL_OPTIONS",
    "DEFAULT_TIMEOUT",
    "NO_RETRY",
    "RETRYABLE_CODES",
    "CallOptions",
    "RetryOptions",
    "checked_call_options",
]

DEFAULT_TIMEOUT = 60.0

RETRYABLE_CODES = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.RESOURCE_EXHAUSTED})

_STATUS_BY_NAME = {code.name: code for code in grpc.StatusCode}


@dataclass(frozen=True, kw_only=True)
class RetryOptions:
    """Exponential backoff with jitter, bounded by attempts and by a total time budget.

    >>> RetryOptions(attempts=3, initial=0.1, codes=["unavailable"]).codes
    frozenset({<StatusCode.UNAVAILABLE: (14, 'unavailable')>})

    `codes` takes grpc.StatusCode members or their names (any case); it is stored as a frozenset
    of grpc.StatusCode.
    """

    attempts: int = 5  # total attempts, the first included; 1 disables retries
    initial: float = 0.5  # first backoff, seconds
    maximum: float = 16.0  # cap on one backoff, seconds
    multiplier: float = 2.0  # >= 1: each backoff is this many times the previous one (up to maximum)
    jitter: float = 0.2  # each delay is scaled by a random factor in [1 - jitter, 1 + jitter]
    budget: float = 120.0  # no new attempt starts once this many seconds have passed since the first
    codes: Collection[grpc.StatusCode | str] = field(default=RETRYABLE_CODES)

    def __post_init__(self) -> None:
        attempts = self.attempts
        if isinstance(attempts, bool) or not isinstance(attempts, int):
            raise TypeError(f"RetryOptions.attempts: expected an int >= 1; got {describe(attempts)}")
        if attempts < 1:
            raise ValueError(
                f"RetryOptions.attempts: expected an int >= 1 (1 disables retries); got {attempts!r}"
            )
        _set(self, "initial", _seconds(self.initial, "initial", low=0.0))
        _set(self, "maximum", _seconds(self.maximum, "maximum", low=0.0))
        _set(self, "multiplier", _seconds(self.multiplier, "multiplier", low=1.0))
        _set(self, "jitter", _seconds(self.jitter, "jitter", low=0.0, high=1.0))
        _set(self, "budget", _seconds(self.budget, "budget", low=0.0, infinite=True))
        _set(self, "codes", _status_codes(self.codes))


def _set(options: object, name: str, value: object) -> None:
    object.__setattr__(options, name, value)  # normalising a frozen dataclass's own fields


def _seconds(
    value: object, name: str, *, low: float, high: float | None = None, infinite: bool = False
) -> float:
    path = f"RetryOptions.{name}"
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{path}: expected a number (int or float); got {describe(value)}")
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    allowed = f">= {low:g}" if high is None else f"within [{low:g}, {high:g}]"
    if math.isnan(number) or (math.isinf(number) and not infinite):
        raise ValueError(f"{path}: expected a finite number {allowed}; got {describe(value)}")
    if number < low or (high is not None and number > high):
        raise ValueError(f"{path}: expected a number {allowed}; got {describe(value)}")
    return number


def _status_codes(value: object) -> frozenset[grpc.StatusCode]:
    path = "RetryOptions.codes"
    if type(value) is frozenset and all(isinstance(code, grpc.StatusCode) for code in value):
        return value
    if isinstance(value, str | bytes) or not (is_list(value) or isinstance(value, set | frozenset)):
        raise TypeError(
            f"{path}: expected a collection of grpc.StatusCode members or their names, such as "
            f"{{'UNAVAILABLE'}}; got {describe(value)}"
        )
    items = list(value)
    codes = set()
    for i, code in enumerate(items):
        where = f"{path}[{i}]" if is_list(value) else path
        if isinstance(code, grpc.StatusCode):
            codes.add(code)
        elif isinstance(code, str):
            found = _STATUS_BY_NAME.get(code.strip().upper().removeprefix("STATUSCODE."))
            if found is None:
                raise ValueError(
                    f"{where}: unknown status code name {code!r}{suggest(code.upper(), _STATUS_BY_NAME)}; "
                    f"accepted: {', '.join(_STATUS_BY_NAME)} (any case) or grpc.StatusCode members"
                )
            codes.add(found)
        else:
            raise TypeError(f"{where}: expected a grpc.StatusCode or its name; got {describe(code)}")
    return frozenset(codes)


NO_RETRY = RetryOptions(attempts=1)


@dataclass(frozen=True, kw_only=True)
class CallOptions:
    """Deadline (seconds per attempt), retry policy and extra metadata for one call or a client.

    None fields fall back to the other layer; metadata of both layers is sent.

    >>> CallOptions(timeout=5, metadata={"x-request-id": "42"}).metadata
    (('x-request-id', '42'),)
    """

    timeout: float | None = None
    retry: RetryOptions | None = None
    # Extra gRPC metadata, sent after the client's own: pairs or a dict, stored as a tuple of pairs
    # (see genai._transport.checks.check_metadata); the values of keys ending in "-bin" are bytes.
    metadata: tuple[tuple[str, str | bytes], ...] = ()

    def __post_init__(self) -> None:
        _set(self, "timeout", check_timeout(self.timeout, "CallOptions.timeout"))
        _set(self, "retry", check_retry(self.retry, "CallOptions.retry"))
        _set(self, "metadata", check_metadata(self.metadata, "CallOptions.metadata"))

    def merged(self, override: CallOptions | None) -> CallOptions:
        """Values set in `override` win; the receiver fills the rest."""
        if override is None:
            return self
        return checked_call_options(
            override.timeout if override.timeout is not None else self.timeout,
            override.retry if override.retry is not None else self.retry,
            self.metadata + override.metadata,
        )


def checked_call_options(
    timeout: float | None, retry: RetryOptions | None, metadata: tuple[tuple[str, str | bytes], ...]
) -> CallOptions:
    """A CallOptions from values already checked (genai._transport.checks), without checking them again.

    >>> checked_call_options(5.0, None, ()).timeout
    5.0
    """
    options = object.__new__(CallOptions)
    _set(options, "timeout", timeout)
    _set(options, "retry", retry)
    _set(options, "metadata", metadata)
    return options


DEFAULT_CALL_OPTIONS = CallOptions(timeout=DEFAULT_TIMEOUT, retry=RetryOptions())
