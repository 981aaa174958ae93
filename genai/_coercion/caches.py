"""Cached contents' own values: the cache name, its time to live and its expire time.

    >>> to_cache_name("abc123")
    'cachedContents/abc123'
    >>> to_ttl("300s").seconds, to_ttl(1.5).nanos
    (300, 500000000)

A ttl is a ``datetime.timedelta``, a number of seconds (int or float), or google-genai's string
form ``"300s"``; an expire time is an aware ``datetime`` (a naive one is refused: which zone would
it be in?). Both also take the Duration / Timestamp message itself.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import TYPE_CHECKING, Any, TypeAlias, TypeGuard

from genai._coercion.errors import describe, type_error
from genai._wire import messages as pb

__all__ = ["Duration", "ExpireTimeLike", "Timestamp", "TtlLike", "to_cache_name", "to_expire_time", "to_ttl"]

# The well-known types of genai's private descriptor pool (genai_protos is not the default pool);
# the type stubs know them by their usual names.
if TYPE_CHECKING:
    from google.protobuf.duration_pb2 import Duration
    from google.protobuf.timestamp_pb2 import Timestamp
else:
    Duration = type(pb.CachedContent().ttl)
    Timestamp = type(pb.CachedContent().expire_time)

TtlLike: TypeAlias = "dt.timedelta | int | float | str | Duration"
"""A cache's time to live: ``timedelta(hours=1)``, ``3600``, ``90.5``, ``"3600s"``, or a Duration."""
ExpireTimeLike: TypeAlias = "dt.datetime | Timestamp"
"""When a cache expires: an aware ``datetime`` (or a Timestamp)."""

PREFIX = "cachedContents/"
_TTL_SHAPES = "a datetime.timedelta, a number of seconds (int or float) or a string such as '300s'"
_TTL_TEXT = re.compile(r"(\d+)(?:\.(\d{1,9}))?s")
_NANOS = 1_000_000_000
_MAX_SECONDS = 315_576_000_000  # the largest Duration protobuf allows (10,000 years)


def _is_message(value: object, full_name: str) -> TypeGuard[Any]:
    return getattr(getattr(value, "DESCRIPTOR", None), "full_name", None) == full_name


def to_cache_name(name: str, *, path: str = "name") -> str:
    """A cache's resource name from its full name or its bare id.

    >>> to_cache_name("cachedContents/abc123")
    'cachedContents/abc123'
    """
    if not isinstance(name, str):
        raise type_error(path, "a cache name str such as 'cachedContents/abc123' or 'abc123'", name)
    cache_id = name.removeprefix(PREFIX)
    if not cache_id or "/" in cache_id or any(c.isspace() for c in cache_id):
        raise ValueError(
            f"{path}: expected a cache name such as 'cachedContents/abc123' or 'abc123'; got {name!r}"
        )
    return PREFIX + cache_id


def _positive(seconds: float, path: str, given: object) -> None:
    if not math.isfinite(seconds) or seconds <= 0:
        raise ValueError(f"{path}: a time to live must be a positive, finite duration; got {describe(given)}")
    if seconds > _MAX_SECONDS:
        raise ValueError(f"{path}: at most {_MAX_SECONDS} seconds; got {describe(given)}")


def to_ttl(value: TtlLike, *, path: str = "ttl") -> Duration:
    """A Duration from a timedelta, seconds or a ``"<seconds>s"`` string; the Duration as it is.

    >>> to_ttl(dt.timedelta(minutes=5)).seconds
    300
    """
    if isinstance(value, Duration):
        return value
    if _is_message(value, "google.protobuf.Duration"):  # another pool's (google.protobuf's own)
        return Duration(seconds=value.seconds, nanos=value.nanos)
    if isinstance(value, bool):
        raise type_error(path, _TTL_SHAPES, value)
    duration = Duration()
    if isinstance(value, dt.timedelta):
        _positive(value.total_seconds(), path, value)
        duration.FromTimedelta(value)
        return duration
    if isinstance(value, int):
        _positive(value, path, value)
        duration.seconds = value
        return duration
    if isinstance(value, float):
        _positive(value, path, value)
        whole = math.floor(value)
        duration.seconds, duration.nanos = whole, min(round((value - whole) * _NANOS), _NANOS - 1)
        return duration
    if isinstance(value, str):
        match = _TTL_TEXT.fullmatch(value.strip())
        if match is None:
            raise ValueError(f"{path}: expected {_TTL_SHAPES}; got the string {value!r}")
        seconds, fraction = int(match[1]), match[2] or ""
        nanos = int(fraction.ljust(9, "0")) if fraction else 0
        _positive(seconds + nanos / _NANOS, path, value)
        duration.seconds, duration.nanos = seconds, nanos
        return duration
    raise type_error(path, _TTL_SHAPES, value)


def to_expire_time(value: ExpireTimeLike, *, path: str = "expire_time") -> Timestamp:
    """A Timestamp from an aware datetime; the Timestamp as it is. A naive datetime is a ValueError.

    >>> to_expire_time(dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc)).seconds
    1893456000
    """
    if isinstance(value, Timestamp):
        return value
    if _is_message(value, "google.protobuf.Timestamp"):
        return Timestamp(seconds=value.seconds, nanos=value.nanos)
    if not isinstance(value, dt.datetime):
        raise type_error(
            path, "an aware datetime.datetime such as datetime.now(timezone.utc) + timedelta(hours=1)", value
        )
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise ValueError(
            f"{path}: got a naive datetime ({value.isoformat()}); pass an aware one, "
            "such as datetime.now(timezone.utc) + timedelta(hours=1)"
        )
    timestamp = Timestamp()
    timestamp.FromDatetime(value)
    return timestamp
