"""Protobuf timestamps of the resource views as aware UTC datetimes.

>>> raw = pb.CachedContent()
>>> raw.expire_time.FromSeconds(1_900_000_000)
>>> aware_time(raw, "expire_time").year, aware_time(raw, "create_time")
(2030, None)
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from genai._wire import messages as pb  # noqa: F401  (the example above)

__all__ = ["aware_time"]


def aware_time(raw: Any, field: str) -> dt.datetime | None:
    """``raw.<field>`` (a Timestamp) as an aware UTC datetime; None when it is unset."""
    if not raw.HasField(field):
        return None
    moment: dt.datetime = getattr(raw, field).ToDatetime(tzinfo=dt.timezone.utc)
    return moment
