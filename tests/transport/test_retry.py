"""next_delay: pure and deterministic with a fixed rand."""

from __future__ import annotations

import grpc
import pytest

from genai._transport.options import RetryOptions
from genai._transport.retry import next_delay
from genai.errors import (
    InvalidArgumentError,
    QuotaViolation,
    ResourceExhaustedError,
    UnavailableError,
)

OPTIONS = RetryOptions(attempts=5, initial=0.5, maximum=4.0, multiplier=2.0, jitter=0.2, budget=60.0)


def mid() -> float:
    return 0.5  # the jitter factor's midpoint: exactly 1.0


def unavailable() -> UnavailableError:
    return UnavailableError("down")


def exhausted(retry_delay: float | None = None, *violations: QuotaViolation) -> ResourceExhaustedError:
    error = ResourceExhaustedError("slow down")
    error.retry_delay = retry_delay
    error.quota_violations = violations
    return error


def test_backoff_grows_by_multiplier_and_is_capped() -> None:
    options = RetryOptions(attempts=10, initial=0.5, maximum=4.0, multiplier=2.0, jitter=0.2, budget=600)
    delays = [next_delay(unavailable(), n, 0.0, options, mid) for n in range(1, 8)]
    assert delays == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0, 4.0]


@pytest.mark.parametrize(("rand", "factor"), [(0.0, 0.8), (0.25, 0.9), (0.75, 1.1)])
def test_jitter_scales_uniformly_within_bounds(rand: float, factor: float) -> None:
    assert next_delay(unavailable(), 2, 0.0, OPTIONS, lambda: rand) == pytest.approx(1.0 * factor)


def test_zero_jitter_is_exact() -> None:
    options = RetryOptions(initial=0.3, jitter=0.0)
    assert next_delay(unavailable(), 1, 0.0, options, lambda: 0.99) == 0.3


def test_code_outside_the_retryable_set_is_not_retried() -> None:
    assert next_delay(InvalidArgumentError("bad"), 1, 0.0, OPTIONS, mid) is None
    only_unavailable = RetryOptions(codes=frozenset({grpc.StatusCode.UNAVAILABLE}))
    assert next_delay(exhausted(), 1, 0.0, only_unavailable, mid) is None
    assert next_delay(unavailable(), 1, 0.0, only_unavailable, mid) == pytest.approx(0.5)


def test_attempts_exhausted() -> None:
    assert next_delay(unavailable(), 4, 0.0, OPTIONS, mid) == 4.0  # 0.5 * 2**3, the last one allowed
    assert next_delay(unavailable(), 5, 0.0, OPTIONS, mid) is None
    assert next_delay(unavailable(), 1, 0.0, RetryOptions(attempts=1), mid) is None


def test_budget_bounds_the_wait() -> None:
    options = RetryOptions(initial=1.0, jitter=0.0, budget=10.0)
    assert next_delay(unavailable(), 1, 9.0, options, mid) == 1.0  # ends exactly at the budget
    assert next_delay(unavailable(), 1, 9.5, options, mid) is None


def test_server_retry_delay_is_honoured_never_shortened() -> None:
    assert next_delay(exhausted(7.5), 1, 0.0, OPTIONS, lambda: 0.0) == 7.5
    upper = next_delay(exhausted(7.5), 1, 0.0, OPTIONS, lambda: 0.999999)
    assert upper is not None
    assert 7.5 <= upper <= 7.5 * 1.1
    # The server's delay replaces the backoff, even beyond `maximum`, and ignores the attempt number.
    assert next_delay(exhausted(30.0), 3, 0.0, OPTIONS, lambda: 0.0) == 30.0


def test_server_retry_delay_without_jitter_is_exact() -> None:
    options = RetryOptions(jitter=0.0)
    assert next_delay(exhausted(2.0), 1, 0.0, options, lambda: 0.99) == 2.0


def test_server_retry_delay_past_the_budget_is_not_retried() -> None:
    assert next_delay(exhausted(50.0), 1, 20.0, OPTIONS, lambda: 0.0) is None


def test_zero_quota_is_never_retried() -> None:
    zero = QuotaViolation("project", "free tier", "metric", "PerDay", 0)
    some = QuotaViolation("project", "free tier", "metric", "PerMinute", 15)
    assert next_delay(exhausted(1.0, zero), 1, 0.0, OPTIONS, mid) is None
    assert next_delay(exhausted(1.0, some, zero), 1, 0.0, OPTIONS, mid) is None
    assert next_delay(exhausted(1.0, some), 1, 0.0, OPTIONS, lambda: 0.0) == 1.0


def test_huge_attempt_counts_do_not_overflow() -> None:
    options = RetryOptions(attempts=100_000, initial=1.0, maximum=16.0, jitter=0.0, budget=1e9)
    assert next_delay(unavailable(), 50_000, 0.0, options, mid) == 16.0


def test_default_rand_stays_within_jitter_bounds() -> None:
    for _ in range(200):
        delay = next_delay(unavailable(), 1, 0.0, OPTIONS)
        assert delay is not None
        assert 0.4 <= delay <= 0.6
