"""Retry decisions: given a failure and what has happened so far, how long to wait (or stop).

No gRPC calls and no sleeping here (the transports own the loop and the clock): ``next_delay`` is
pure; ``consider_retry`` translates a gRPC failure, asks it, and logs a retry before its wait.

>>> from genai._transport.options import RetryOptions
>>> from genai.errors import UnavailableError
>>> options = RetryOptions(attempts=3, initial=1.0, jitter=0.0)
>>> next_delay(UnavailableError("down"), 1, 0.0, options)
1.0
>>> next_delay(UnavailableError("down"), 3, 0.0, options) is None
True
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable

import grpc

from genai._transport.options import RetryOptions
from genai.errors import APIError, from_grpc_error

__all__ = ["consider_retry", "log_retry", "next_delay"]

_log = logging.getLogger("genai.transport")

# The most jitter ever added on top of a server-requested delay (RetryInfo): waiting a little longer
# than asked spreads out clients that were all told the same delay, and is still honouring it.
_SERVER_DELAY_JITTER = 0.1


def next_delay(
    error: APIError,
    attempts_done: int,
    elapsed: float,
    options: RetryOptions,
    rand: Callable[[], float] = random.random,
) -> float | None:
    """Seconds to wait before the next attempt, or None when the call must not be retried.

    ``attempts_done`` counts the attempts made so far (the one that just failed included, so >= 1);
    ``elapsed`` is the time since the first attempt started. The call is not retried when the status
    is not in ``options.codes`` or the error is one no retry can mend (``error.retryable`` is False: a
    message over a size limit), the attempts are used up, a quota violation says the limit is zero
    (no amount of waiting helps), or the wait would end past ``options.budget``.

    The delay is the server's ``RetryInfo`` when it sent one (never shortened; up to
    ``min(options.jitter, 10%)`` longer), else exponential backoff
    ``min(maximum, initial * multiplier ** (attempts_done - 1))`` scaled by a factor drawn uniformly
    from ``[1 - jitter, 1 + jitter]`` via ``rand()`` (which returns a value in [0, 1)).
    """
    if not error.retryable or error.code not in options.codes or attempts_done >= options.attempts:
        return None
    if any(v.limit_is_zero for v in error.quota_violations):
        return None
    if error.retry_delay is not None:
        # Upward-only jitter, and none at all when the caller asked for determinism (jitter=0).
        delay = error.retry_delay * (1.0 + min(options.jitter, _SERVER_DELAY_JITTER) * rand())
    else:
        try:
            base = min(options.maximum, options.initial * options.multiplier ** (attempts_done - 1))
        except OverflowError:  # a huge attempts count: the cap applies long before
            base = options.maximum
        delay = base * (1.0 - options.jitter + 2.0 * options.jitter * rand())
    if elapsed + delay > options.budget:
        return None
    return delay


def log_retry(method: str, attempt: int, error: APIError, delay: float) -> None:
    """A structured DEBUG record (method, attempt, status, delay) before a retry's wait."""
    # Never the metadata (it carries the key) and never the server's message: just the facts.
    if _log.isEnabledFor(logging.DEBUG):
        _log.debug(
            "retrying %s: attempt %d failed with %s, next attempt in %.3fs",
            method,
            attempt,
            error.status,
            delay,
            extra={"method": method, "attempt": attempt, "status": error.status, "delay": delay},
        )


def consider_retry(
    err: grpc.RpcError,
    method: str,
    attempts_done: int,
    elapsed: float,
    retry: RetryOptions | None,
    rand: Callable[[], float],
) -> tuple[APIError, float | None]:
    """Translate a failed attempt and decide: the error, and the delay before the next attempt.

    The delay is None when there is to be no retry (no policy, or `next_delay` says no); the
    caller then raises the error ``from err``. A retry is logged here, before its wait.
    """
    error = from_grpc_error(err)
    delay = None if retry is None else next_delay(error, attempts_done, elapsed, retry, rand)
    if delay is not None:
        log_retry(method, attempts_done, error, delay)
    return error, delay
