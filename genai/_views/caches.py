"""The view of a cached content's metadata, as the API returns it (it never returns the cached prompt).

    >>> raw = pb.CachedContent(name="cachedContents/abc", model="models/gemini-2.5-flash")
    >>> raw.expire_time.FromSeconds(1_900_000_000)
    >>> raw.usage_metadata.total_token_count = 4096
    >>> view = CachedContentView(raw)
    >>> view.name, view.usage_metadata.total_token_count, view.expire_time.year
    ('cachedContents/abc', 4096, 2030)

Attribute names are google-genai's ``types.CachedContent``'s; times are aware UTC datetimes (None
when unset). The I/O that belongs to a cache (delete, the context manager) is the service layer's:
``genai._aio.caches.AsyncCachedContent`` and its generated sync twin subclass this view.
"""

from __future__ import annotations

import datetime as dt

from genai._views.times import aware_time
from genai._wire import messages as pb

__all__ = ["CachedContentView"]


class CachedContentView:
    """A cache's name, model, display name, times and token usage; ``raw`` is the message."""

    __slots__ = ("raw",)

    def __init__(self, raw: pb.CachedContent) -> None:
        self.raw = raw

    @property
    def name(self) -> str:
        """``cachedContents/<id>``: pass it as ``cached_content`` in a generate config."""
        return self.raw.name

    @property
    def model(self) -> str:
        """The model the cache is for (``models/...``); generate calls that use it must name it."""
        return self.raw.model

    @property
    def display_name(self) -> str:
        """The label given at creation ("" when none)."""
        return self.raw.display_name

    @property
    def create_time(self) -> dt.datetime | None:
        return aware_time(self.raw, "create_time")

    @property
    def update_time(self) -> dt.datetime | None:
        return aware_time(self.raw, "update_time")

    @property
    def expire_time(self) -> dt.datetime | None:
        """When the server drops the cache (a ttl given at creation or update is turned into this)."""
        return aware_time(self.raw, "expire_time")

    @property
    def usage_metadata(self) -> pb.CachedContentUsageMetadata:
        """``total_token_count``: the tokens the cache holds, reported as ``cached_content_token_count``
        in the usage of each generate call that uses it."""
        return self.raw.usage_metadata

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CachedContentView) and self.raw == other.raw

    __hash__ = None  # type: ignore[assignment]  # mutable underneath, as messages are

    def __repr__(self) -> str:
        expires = self.expire_time
        when = expires.isoformat() if expires is not None else None
        tokens = self.raw.usage_metadata.total_token_count
        return (
            f"{type(self).__name__}(name={self.name!r}, model={self.model!r}, "
            f"display_name={self.display_name!r}, expire_time={when!r}, total_token_count={tokens})"
        )
