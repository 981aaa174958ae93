"""google-generativeai's ``caching`` module, as a thin facade over ``client.caches``.

Code written for ``google.generativeai.caching`` runs with only the import and configure lines
changed::

    import genai
    from genai import caching
    cache = caching.CachedContent.create(model="gemini-2.5-flash", contents=[doc], ttl=3600)
    model = genai.GenerativeModel.from_cached_content(cache)
    model.generate_content("Summarise it").text

>>> cache = genai.caching.CachedContent.create(model="gemini-2.5-flash", contents=["A long text."], ttl=300)
>>> model = genai.GenerativeModel.from_cached_content(cache)
>>> model.generate_content("Hi").usage_metadata.cached_content_token_count
4
>>> cache.delete()

Calls go through the facade's default client (``genai.configure``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from genai._coercion.caches import ExpireTimeLike, TtlLike
from genai._coercion.content import ContentLike, ContentsLike
from genai._coercion.tools import ToolConfigLike, ToolsLike
from genai._requests.caches import CreateCachedContentConfig, UpdateCachedContentConfig
from genai._sync.caches import CachedContent as _Cache
from genai._wire import messages as pb
from genai.legacy import default_client

__all__ = ["CachedContent"]


class CachedContent:
    """A cached content, google-generativeai style: ``create``, ``get``, ``list``, ``update``, ``delete``.

    >>> cache = genai.caching.CachedContent.create(model="gemini-2.5-flash", contents=["A long text."])
    >>> genai.caching.CachedContent(cache.name).model
    'models/gemini-2.5-flash'

    ``CachedContent(name)`` fetches the cache's metadata (as ``get``). Attributes: name, model,
    display_name, usage_metadata, create_time, update_time, expire_time.
    """

    def __init__(self, name: str) -> None:
        self._cache: _Cache = default_client().caches.get(name=name)

    @classmethod
    def _of(cls, cache: _Cache) -> CachedContent:
        made = cls.__new__(cls)
        made._cache = cache
        return made

    @classmethod
    def create(
        cls,
        model: str,
        *,
        display_name: str | None = None,
        system_instruction: ContentLike | None = None,
        contents: ContentsLike | None = None,
        tools: ToolsLike | None = None,
        tool_config: ToolConfigLike | None = None,
        ttl: TtlLike | None = None,
        expire_time: ExpireTimeLike | None = None,
    ) -> CachedContent:
        """A new cache for `model` (ttl: a timedelta or seconds; expire_time: an aware datetime).

        >>> genai.caching.CachedContent.create(model="gemini-2.5-flash", contents=["Text."]).display_name
        ''
        """
        config = CreateCachedContentConfig(
            contents=contents,
            system_instruction=system_instruction,
            tools=tools,
            tool_config=tool_config,
            display_name=display_name,
            ttl=ttl,
            expire_time=expire_time,
        )
        return cls._of(default_client().caches.create(model=model, config=config))

    @classmethod
    def get(cls, name: str) -> CachedContent:
        """The cache named `name` (``cachedContents/x`` or ``x``).

        >>> cache = genai.caching.CachedContent.create(model="gemini-2.5-flash", contents=["Text."])
        >>> genai.caching.CachedContent.get(cache.name).name == cache.name
        True
        """
        return cls._of(default_client().caches.get(name=name))

    @classmethod
    def list(cls, page_size: int | None = 1) -> Iterator[CachedContent]:
        """Every cache, fetched page by page as the iteration advances.

        >>> all(c.name.startswith("cachedContents/") for c in genai.caching.CachedContent.list())
        True
        """
        for cache in default_client().caches.list(config={"page_size": page_size}):
            yield cls._of(cache)

    def update(self, *, ttl: TtlLike | None = None, expire_time: ExpireTimeLike | None = None) -> None:
        """Give the cache a new lifetime (this object then shows the new expire time).

        >>> cache = genai.caching.CachedContent.create(model="gemini-2.5-flash", contents=["Text."])
        >>> cache.update(ttl=7200)
        """
        config = UpdateCachedContentConfig(ttl=ttl, expire_time=expire_time)
        self._cache = default_client().caches.update(name=self.name, config=config)

    def delete(self) -> None:
        """Delete the cache.

        >>> genai.caching.CachedContent.create(model="gemini-2.5-flash", contents=["Text."]).delete()
        """
        default_client().caches.delete(name=self.name)

    @property
    def name(self) -> str:
        return self._cache.name

    @property
    def model(self) -> str:
        return self._cache.model

    @property
    def display_name(self) -> str:
        return self._cache.display_name

    @property
    def usage_metadata(self) -> pb.CachedContentUsageMetadata:
        return self._cache.usage_metadata

    @property
    def create_time(self) -> dt.datetime | None:
        return self._cache.create_time

    @property
    def update_time(self) -> dt.datetime | None:
        return self._cache.update_time

    @property
    def expire_time(self) -> dt.datetime | None:
        return self._cache.expire_time

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, CachedContent) and self._cache == other._cache

    __hash__ = None  # type: ignore[assignment]  # mutable, as google-generativeai's is

    def __repr__(self) -> str:
        return repr(self._cache).replace(type(self._cache).__name__, "CachedContent", 1)
