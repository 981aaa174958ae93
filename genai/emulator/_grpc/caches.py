"""CacheService over gRPC: cached contents on the store's `cachedContents` collection.

Create checks the cache like a generate request (`_caches.checked_cache`) and counts its tokens;
the store names it (`cachedContents/<id>`), stamps its times and turns a ttl into an expire time on
its clock (1 hour when neither is given). Every answer carries the cache's metadata only, as the
API's do: the cached prompt is never sent back. Only `ttl` and `expire_time` can be updated, with an
update mask that names them; a cache past its expire time is gone (NOT_FOUND).
"""

from __future__ import annotations

from typing import cast

from genai_protos import cache_service_pb2, cache_service_pb2_grpc, cached_content_pb2
from google.protobuf import empty_pb2

from .._backend import Backend
from .._caches import cache_name_violations, checked_cache, metadata
from .._store import answering
from .._validate import raise_if
from .registry import Context, call_of

cs = cache_service_pb2
CachedContent = cached_content_pb2.CachedContent
SERVICE = "CacheService"


class CacheServicer(cache_service_pb2_grpc.CacheServiceServicer):
    """Create, get, list, update (ttl / expire_time) and delete cached contents."""

    def __init__(self, backend: Backend) -> None:
        self._prelude = backend.prelude
        self._caches = backend.caches

    async def CreateCachedContent(
        self, request: cs.CreateCachedContentRequest, context: Context
    ) -> CachedContent:
        await self._prelude.begin(call_of(SERVICE, "CreateCachedContent", request, context))
        checked = checked_cache(request.cached_content)
        with answering("CreateCachedContentRequest"):
            return metadata(self._caches.create(checked, field="cached_content"))

    async def GetCachedContent(self, request: cs.GetCachedContentRequest, context: Context) -> CachedContent:
        await self._prelude.begin(call_of(SERVICE, "GetCachedContent", request, context))
        raise_if("GetCachedContentRequest", cache_name_violations(request.name, self._caches))
        with answering("GetCachedContentRequest"):
            return metadata(cast(CachedContent, self._caches.get(request.name)))

    async def ListCachedContents(
        self, request: cs.ListCachedContentsRequest, context: Context
    ) -> cs.ListCachedContentsResponse:
        await self._prelude.begin(call_of(SERVICE, "ListCachedContents", request, context))
        with answering("ListCachedContentsRequest"):
            page = self._caches.list(page_size=request.page_size, page_token=request.page_token)
        caches = [metadata(cast(CachedContent, item)) for item in page.items]
        return cs.ListCachedContentsResponse(cached_contents=caches, next_page_token=page.next_page_token)

    async def UpdateCachedContent(
        self, request: cs.UpdateCachedContentRequest, context: Context
    ) -> CachedContent:
        await self._prelude.begin(call_of(SERVICE, "UpdateCachedContent", request, context))
        name = request.cached_content.name
        raise_if(
            "UpdateCachedContentRequest", cache_name_violations(name, self._caches, "cached_content.name")
        )
        with answering("UpdateCachedContentRequest"):
            updated = self._caches.update(
                request.cached_content, request.update_mask.paths, field="cached_content"
            )
        return metadata(updated)

    async def DeleteCachedContent(
        self, request: cs.DeleteCachedContentRequest, context: Context
    ) -> empty_pb2.Empty:
        await self._prelude.begin(call_of(SERVICE, "DeleteCachedContent", request, context))
        raise_if("DeleteCachedContentRequest", cache_name_violations(request.name, self._caches))
        with answering("DeleteCachedContentRequest"):
            self._caches.delete(request.name)
        return empty_pb2.Empty()
