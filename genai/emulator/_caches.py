"""Cached contents, transport-neutral: what a create is checked for, and what a cache does to a
generate request that names it (pure but for the store look-ups).

    checked = checked_cache(request.cached_content)          # INVALID_ARGUMENT / NOT_FOUND, or usage set
    merged, cached_tokens = with_cache(request, caches)      # the request the engine answers

A cache holds a prompt prefix (contents, system instruction, tools, tool config) for one model;
reads show only its metadata (`metadata`: name, model, display name, times, usage), as the API
does, never the prompt. A
generate request that names it is answered as if the cache's contents came before its own, with
the cache's system instruction and tools; its usage then counts the cache's tokens in
`cached_content_token_count` (and, as the real API does, in `prompt_token_count` too).
"""

from __future__ import annotations

from typing import Literal

import grpc
from genai_protos import cached_content_pb2, generative_service_pb2

from . import _catalog
from ._status import RpcFailure, invalid_argument
from ._store import NotFound, ResourceCollection
from ._tokens import count_prompt
from ._validate import Violations, contents_violations, generate_violations, raise_if, resolve_model

gs = generative_service_pb2
CachedContent = cached_content_pb2.CachedContent

CREATE_REQUEST = "CreateCachedContentRequest"
PREFIX = "cached_content."

# The real API's words for a generate request that sets what only the cache may hold.
CLASH = (
    "CachedContent can not be used with GenerateContent request setting system_instruction, tools or "
    "tool_config.\n\nProposed fix: move those values to CachedContent from GenerateContent request."
)


def _as_request(cache: CachedContent) -> gs.GenerateContentRequest:
    """The cache's prompt as a GenerateContentRequest (what a generate call naming it starts from)."""
    request = gs.GenerateContentRequest(model=cache.model, contents=cache.contents, tools=cache.tools)
    if cache.HasField("system_instruction"):
        request.system_instruction.CopyFrom(cache.system_instruction)
    if cache.HasField("tool_config"):
        request.tool_config.CopyFrom(cache.tool_config)
    return request


def _violations(cache: CachedContent, entry: _catalog.CatalogEntry) -> Violations:
    """The cache's contents, system instruction and tools, checked as a generate request's are.

    Contents may be left out when a system instruction or tools are cached instead.
    """
    found = generate_violations(_as_request(cache), entry, PREFIX)
    if not cache.contents:
        if cache.HasField("system_instruction") or cache.tools:
            found = [v for v in found if v[0] != PREFIX + "contents"]
        else:
            found = [
                (
                    PREFIX + "contents",
                    "a cached content needs contents, a system_instruction or tools",
                )
            ]
    if cache.HasField("system_instruction"):
        system = contents_violations([cache.system_instruction], PREFIX + "system_instruction.")
        found += [(path.replace("contents[0].", ""), why) for path, why in system]
    return found


def checked_cache(cache: CachedContent) -> CachedContent:
    """A copy of a create request's cache, checked (RpcFailure if refused) with its usage counted.

    The model must exist and support createCachedContent; the name and times are the store's.
    """
    entry = resolve_model(CREATE_REQUEST, cache.model, "createCachedContent", field=PREFIX + "model")
    raise_if(CREATE_REQUEST, _violations(cache, entry))
    checked = CachedContent()
    checked.CopyFrom(cache)
    checked.model = entry.name
    for name in ("name", "create_time", "update_time", "usage_metadata"):
        checked.ClearField(name)
    system = cache.system_instruction if cache.HasField("system_instruction") else None
    checked.usage_metadata.total_token_count = sum(count_prompt(cache.contents, system, cache.tools).values())
    return checked


PROMPT_FIELDS: tuple[Literal["contents", "system_instruction", "tools", "tool_config"], ...] = (
    "contents",
    "system_instruction",
    "tools",
    "tool_config",
)


def metadata(cache: CachedContent) -> CachedContent:
    """The cache as the API shows it: its metadata, never the cached prompt itself."""
    for name in PROMPT_FIELDS:
        cache.ClearField(name)
    return cache


def cache_name_violations(name: str, caches: ResourceCollection, field: str = "name") -> Violations:
    """A malformed cache name, as (field, description) pairs (empty when it is well formed)."""
    if not name:
        return [(field, "must not be empty")]
    parts = name.split("/")
    if len(parts) != 2 or parts[0] != caches.spec.segment or not parts[1]:
        return [(field, f'expected a name like "cachedContents/abc123", got {name!r}')]
    return []


def find_cache(request: gs.GenerateContentRequest, caches: ResourceCollection) -> CachedContent:
    """The unexpired cache a generate request names, or the error the API answers with."""
    problems = cache_name_violations(request.cached_content, caches, "cached_content")
    raise_if("GenerateContentRequest", problems)
    try:
        cache = caches.get(request.cached_content)
    except NotFound:
        raise RpcFailure(
            grpc.StatusCode.NOT_FOUND,
            f"CachedContent not found (or permission denied): {request.cached_content} does not exist "
            "or has expired.",
        ) from None
    assert isinstance(cache, CachedContent)
    if cache.model != request.model:
        raise invalid_argument(
            "GenerateContentRequest",
            [
                (
                    "cached_content",
                    f"Model used by GenerateContent request ({request.model}) and CachedContent "
                    f"({cache.model}) has to be the same.",
                )
            ],
        )
    if request.HasField("system_instruction") or request.tools or request.HasField("tool_config"):
        raise RpcFailure(grpc.StatusCode.INVALID_ARGUMENT, CLASH)
    return cache


def with_cache(
    request: gs.GenerateContentRequest, caches: ResourceCollection
) -> tuple[gs.GenerateContentRequest, int]:
    """The request as the engine answers it (the cache's prompt first) and the cache's token count.

    A request without `cached_content` comes back as it is, with 0.
    """
    if not request.cached_content:
        return request, 0
    cache = find_cache(request, caches)
    raise_if("GenerateContentRequest", contents_violations(request.contents))
    merged = _as_request(cache)
    merged.contents.extend(request.contents)
    merged.safety_settings.extend(request.safety_settings)
    if request.HasField("generation_config"):
        merged.generation_config.CopyFrom(request.generation_config)
    merged.model = request.model
    return merged, cache.usage_metadata.total_token_count
