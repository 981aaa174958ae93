"""TEMPORARY stand-in: replaced by the coercion branch's genai/_checks.py at merge."""

from __future__ import annotations

import math

from genai._options import RetryOptions


def check_timeout(value: object, path: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{path}: expected a positive number of seconds or None; got {type(value).__name__}")
    if not (value > 0 and math.isfinite(value)):
        raise ValueError(
            f"{path}: expected a positive finite number of seconds (None: no deadline); got {value!r}"
        )
    return float(value)


def check_retry(value: object, path: str) -> RetryOptions | None:
    if value is None or isinstance(value, RetryOptions):
        return value
    raise TypeError(f"{path}: expected a genai.RetryOptions or None; got {type(value).__name__}")
