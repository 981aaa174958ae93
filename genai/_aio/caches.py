"""``client.aio.caches``: create, get, list, update and delete cached contents.

What each method sends comes from the pure core (genai._requests.caches); here it is only sent.
Every method that returns a cache returns the cache object (`AsyncCachedContent`): the metadata
view, plus ``delete()`` and a context manager (``async with``) that deletes the cache when its
block ends (also when the block raises), so ``create()`` still returns the cache itself:

    async with await client.aio.caches.create(model="gemini-2.5-flash", config={"contents": doc}) as cache:
        ...  # generate with config={"cached_content": cache.name}
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from types import TracebackType

from genai._requests.caches import (
    CREATE_CACHED_CONTENT,
    DELETE_CACHED_CONTENT,
    GET_CACHED_CONTENT,
    LIST_CACHED_CONTENTS,
    UPDATE_CACHED_CONTENT,
    CachesCore,
    CreateCacheConfig,
    ListCachesConfig,
    UpdateCacheConfig,
)
from genai._requests.calls import CallConfig
from genai._transport import AsyncTransport
from genai._transport.options import CallOptions
from genai._views.caches import CachedContentView
from genai._wire import messages as pb
from genai.errors import NotFoundError

__all__ = ["AsyncCachedContent", "AsyncCaches"]


class AsyncCachedContent(CachedContentView):
    """A cache's metadata (name, model, display_name, times, usage_metadata) and its deletion.

    As a context manager (``async with cache:``) it deletes the cache when the block ends, however
    it ends; a cache that is already gone (deleted, or expired) by then is fine. Another error of
    that delete is raised, chained to the block's own exception if there is one.
    """

    __slots__ = ("_caches",)

    def __init__(self, raw: pb.CachedContent, caches: AsyncCaches) -> None:
        super().__init__(raw)
        self._caches = caches

    async def delete(self) -> None:
        """Delete this cache now (NotFoundError if it is already gone).

        >>> cache = await client.aio.caches.create(model="gemini-2.5-flash", config={"contents": "Text."})
        >>> await cache.delete()
        """
        await self._caches.delete(name=self.name)

    async def __aenter__(self) -> AsyncCachedContent:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        with contextlib.suppress(NotFoundError):  # already deleted, or expired: the promise holds
            await self._caches.delete(name=self.name)


class AsyncCaches(CachesCore):
    """Cached contents; reached as ``client.aio.caches``."""

    def __init__(self, transport: AsyncTransport, defaults: CallOptions) -> None:
        super().__init__(defaults)
        self._transport = transport

    def _cache(self, raw: pb.CachedContent) -> AsyncCachedContent:
        return AsyncCachedContent(raw, self)

    async def create(self, *, model: str, config: CreateCacheConfig | None = None) -> AsyncCachedContent:
        """A new cache of `config`'s contents, system instruction and tools for `model`.

        >>> config = {"contents": "A long text.", "ttl": 300}
        >>> cache = await client.aio.caches.create(model="gemini-2.5-flash", config=config)
        >>> cache.name.startswith("cachedContents/"), cache.usage_metadata.total_token_count
        (True, 4)

        `ttl` (a timedelta, seconds or "300s") or `expire_time` (an aware datetime) sets its
        lifetime (default: one hour). ``async with await client.aio.caches.create(...) as cache:``
        deletes it when the block ends.
        """
        request, options = self._create(model, config)
        raw = await self._transport.unary(
            CREATE_CACHED_CONTENT, request, options=options, metadata=options.metadata
        )
        return self._cache(raw)

    async def get(self, name: str, *, config: CallConfig | None = None) -> AsyncCachedContent:
        """A cache's metadata by its name (``cachedContents/x`` or ``x``); NotFoundError once it is gone.

        >>> cache = await client.aio.caches.create(model="gemini-2.5-flash", config={"contents": "Text."})
        >>> (await client.aio.caches.get(name=cache.name)).model
        'models/gemini-2.5-flash'
        """
        request, options = self._get(name, config)
        raw = await self._transport.unary(
            GET_CACHED_CONTENT, request, options=options, metadata=options.metadata
        )
        return self._cache(raw)

    def list(self, *, config: ListCachesConfig | None = None) -> AsyncIterator[AsyncCachedContent]:
        """Every cache, fetched page by page as the iteration advances (``page_size`` per page).

        >>> names = [cache.name async for cache in client.aio.caches.list(config={"page_size": 2})]
        >>> all(name.startswith("cachedContents/") for name in names)
        True
        """
        size, first, options = self._list(config)

        async def pages() -> AsyncIterator[AsyncCachedContent]:
            token = first
            while True:
                request = pb.ListCachedContentsRequest(page_size=size, page_token=token)
                page = await self._transport.unary(
                    LIST_CACHED_CONTENTS, request, options=options, metadata=options.metadata
                )
                for raw in page.cached_contents:
                    yield self._cache(raw)
                token = page.next_page_token
                if not token:
                    return

        return pages()

    async def update(self, name: str, *, config: UpdateCacheConfig) -> AsyncCachedContent:
        """A new lifetime for a cache: `ttl` or `expire_time` (the update mask names the one given).

        >>> cache = await client.aio.caches.create(model="gemini-2.5-flash", config={"contents": "Text."})
        >>> later = await client.aio.caches.update(name=cache.name, config={"ttl": 7200})
        >>> later.expire_time > cache.expire_time
        True
        """
        request, options = self._update(name, config)
        raw = await self._transport.unary(
            UPDATE_CACHED_CONTENT, request, options=options, metadata=options.metadata
        )
        return self._cache(raw)

    async def delete(self, name: str, *, config: CallConfig | None = None) -> None:
        """Delete a cache (``cachedContents/x`` or ``x``); NotFoundError when there is none.

        >>> cache = await client.aio.caches.create(model="gemini-2.5-flash", config={"contents": "Text."})
        >>> await client.aio.caches.delete(name=cache.name)
        """
        request, options = self._delete(name, config)
        await self._transport.unary(
            DELETE_CACHED_CONTENT, request, options=options, metadata=options.metadata
        )
