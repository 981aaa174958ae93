"""Per-call options: deadlines and retries. Frozen; a per-call value overrides the client default.

>>> CallOptions(timeout=10).merged(CallOptions(retry=RetryOptions(attempts=1))).timeout
10
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import grpc

DEFAULT_TIMEOUT = 60.0

RETRYABLE_CODES = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.RESOURCE_EXHAUSTED})


@dataclass(frozen=True, kw_only=True)
class RetryOptions:
    """Exponential backoff with jitter, bounded by attempts and by a total time budget.

    >>> RetryOptions(attempts=3, initial=0.1).attempts
    3
    """

    attempts: int = 5  # total attempts, the first included; 1 disables retries
    initial: float = 0.5  # first backoff, seconds
    maximum: float = 16.0  # cap on one backoff, seconds
    multiplier: float = 2.0
    jitter: float = 0.2  # each delay is scaled by a random factor in [1 - jitter, 1 + jitter]
    budget: float = 120.0  # no new attempt starts once this many seconds have passed since the first
    codes: frozenset[grpc.StatusCode] = field(default=RETRYABLE_CODES)

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError(f"RetryOptions.attempts must be >= 1, got {self.attempts!r}")
        for name in ("initial", "maximum", "budget"):
            if getattr(self, name) < 0:
                raise ValueError(f"RetryOptions.{name} must be >= 0, got {getattr(self, name)!r}")
        if not 0 <= self.jitter <= 1:
            raise ValueError(f"RetryOptions.jitter must be within [0, 1], got {self.jitter!r}")


NO_RETRY = RetryOptions(attempts=1)


@dataclass(frozen=True, kw_only=True)
class CallOptions:
    """Deadline (seconds per attempt), retry policy and extra metadata for one call or a client.

    None fields fall back to the other layer; metadata of both layers is sent.

    >>> CallOptions(timeout=5.0).timeout
    5.0
    """

    timeout: float | None = None
    retry: RetryOptions | None = None
    metadata: tuple[tuple[str, str], ...] = ()  # extra gRPC metadata, sent after the client's own

    def merged(self, override: CallOptions | None) -> CallOptions:
        """Values set in `override` win; the receiver fills the rest."""
        if override is None:
            return self
        return dataclasses.replace(
            self,
            timeout=override.timeout if override.timeout is not None else self.timeout,
            retry=override.retry if override.retry is not None else self.retry,
            metadata=self.metadata + override.metadata,
        )


DEFAULT_CALL_OPTIONS = CallOptions(timeout=DEFAULT_TIMEOUT, retry=RetryOptions())
