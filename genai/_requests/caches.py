"""What each ``caches`` method sends, as pure functions: the typed configs, their coercers, the
requests (with the exact update mask) and the call options.

    >>> from genai._transport.options import CallOptions
    >>> core = CachesCore(CallOptions(timeout=60))
    >>> request, options = core._update("abc", {"ttl": 600})
    >>> list(request.update_mask.paths), request.cached_content.name, options.timeout
    (['ttl'], 'cachedContents/abc', 60.0)

The configs are shaped like google-genai's (CreateCachedContentConfig, UpdateCachedContentConfig,
ListCachedContentsConfig), whose objects are taken as well; the dict forms take snake_case or
camelCase keys. Contents, system instruction and tools coerce exactly as in generate_content.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias, TypedDict, TypeVar

from genai._coercion.base import SupportsModelDump, describe, is_genai_instance
from genai._coercion.caches import ExpireTimeLike, TtlLike, to_cache_name, to_expire_time, to_ttl
from genai._coercion.content import to_content, to_contents
from genai._coercion.models import to_model_name
from genai._coercion.nesting import levels
from genai._coercion.tools import to_tool_config, to_tools
from genai._requests.config import Metadata, _config_keys, _from_dict, google_genai_timeout
from genai._requests.options import call_options
from genai._transport.options import CallOptions, RetryOptions
from genai._wire import messages as pb
from genai._wire import rpcs

if TYPE_CHECKING:
    from genai._coercion.content import ContentLike, ContentsLike
    from genai._coercion.tools import ToolConfigLike, ToolsLike

__all__ = [
    "CREATE_CACHED_CONTENT",
    "DELETE_CACHED_CONTENT",
    "GET_CACHED_CONTENT",
    "LIST_CACHED_CONTENTS",
    "UPDATE_CACHED_CONTENT",
    "CachesCore",
    "CreateCachedContentConfig",
    "CreateCachedContentConfigDict",
    "CreateCacheConfig",
    "ListCachedContentsConfig",
    "ListCachedContentsConfigDict",
    "ListCachesConfig",
    "UpdateCachedContentConfig",
    "UpdateCachedContentConfigDict",
    "UpdateCacheConfig",
]

CREATE_CACHED_CONTENT = rpcs.CacheService.CreateCachedContent
GET_CACHED_CONTENT = rpcs.CacheService.GetCachedContent
LIST_CACHED_CONTENTS = rpcs.CacheService.ListCachedContents
UPDATE_CACHED_CONTENT = rpcs.CacheService.UpdateCachedContent
DELETE_CACHED_CONTENT = rpcs.CacheService.DeleteCachedContent

_TOOLS_LEVEL = levels(pb.CreateCachedContentRequest.DESCRIPTOR, "cached_content.tools")


@dataclass(frozen=True, kw_only=True)
class CreateCachedContentConfig:
    """What a new cache holds and how long it lives (google-genai's CreateCachedContentConfig).

    >>> CreateCachedContentConfig(contents="A long document.", ttl=300).ttl
    300

    `ttl` (a timedelta, seconds, or "300s") and `expire_time` (an aware datetime) are exclusive;
    with neither the API keeps the cache one hour.
    """

    contents: ContentsLike | None = None
    system_instruction: ContentLike | None = None
    tools: ToolsLike | None = None
    tool_config: ToolConfigLike | None = None
    display_name: str | None = None
    ttl: TtlLike | None = None
    expire_time: ExpireTimeLike | None = None
    timeout: float | None = None
    retry: RetryOptions | None = None
    metadata: Metadata | None = None


@dataclass(frozen=True, kw_only=True)
class UpdateCachedContentConfig:
    """A cache's new lifetime: `ttl` or `expire_time` (the only fields the API lets change).

    >>> UpdateCachedContentConfig(ttl=600).ttl
    600
    """

    ttl: TtlLike | None = None
    expire_time: ExpireTimeLike | None = None
    timeout: float | None = None
    retry: RetryOptions | None = None
    metadata: Metadata | None = None


@dataclass(frozen=True, kw_only=True)
class ListCachedContentsConfig:
    """Paging of ``caches.list``: caches per page (the API's default 10, at most 1000) and where to start.

    >>> ListCachedContentsConfig(page_size=50).page_size
    50
    """

    page_size: int | None = None
    page_token: str | None = None
    timeout: float | None = None
    retry: RetryOptions | None = None
    metadata: Metadata | None = None


class _CallDict(TypedDict, total=False):
    timeout: float | None
    retry: RetryOptions | None
    metadata: Metadata | None


class CreateCachedContentConfigDict(_CallDict, total=False):
    """``config=`` of caches.create as a dict: the fields of CreateCachedContentConfig."""

    contents: ContentsLike | None
    system_instruction: ContentLike | None
    tools: ToolsLike | None
    tool_config: ToolConfigLike | None
    display_name: str | None
    ttl: TtlLike | None
    expire_time: ExpireTimeLike | None


class UpdateCachedContentConfigDict(_CallDict, total=False):
    """``config=`` of caches.update as a dict."""

    ttl: TtlLike | None
    expire_time: ExpireTimeLike | None


class ListCachedContentsConfigDict(_CallDict, total=False):
    """``config=`` of caches.list as a dict."""

    page_size: int | None
    page_token: str | None


CreateCacheConfig: TypeAlias = "CreateCachedContentConfig | CreateCachedContentConfigDict | SupportsModelDump"
"""``config=`` of caches.create: the typed config, its dict, or google-genai's."""
UpdateCacheConfig: TypeAlias = "UpdateCachedContentConfig | UpdateCachedContentConfigDict | SupportsModelDump"
"""``config=`` of caches.update: the typed config, its dict, or google-genai's."""
ListCachesConfig: TypeAlias = "ListCachedContentsConfig | ListCachedContentsConfigDict | SupportsModelDump"
"""``config=`` of caches.list: the typed config, its dict, or google-genai's."""

C = TypeVar("C", CreateCachedContentConfig, UpdateCachedContentConfig, ListCachedContentsConfig)


def _coerce(config: Any, cls: type[C], path: str) -> C:
    """`config=` as `cls`: the dataclass as it is, a dict of its fields, or google-genai's config."""
    if isinstance(config, cls):
        return config
    names = tuple(f.name for f in dataclasses.fields(cls))
    if isinstance(config, Mapping):
        return cls(**_from_dict(config, _config_keys(cls), names, cls.__name__, path))
    if is_genai_instance(config, cls.__name__):
        kwargs: dict[str, Any] = {}
        for name in config.model_dump(exclude_none=True):
            if name == "http_options":
                kwargs["timeout"] = google_genai_timeout(config, path)
            elif name in names:
                kwargs[name] = getattr(config, name)
            else:
                raise ValueError(
                    f"{path}.{name}: the google-genai setting {name!r} is not supported by the Gemini API "
                    "v1beta over gRPC; remove it"
                )
        return cls(**kwargs)
    raise TypeError(
        f"{path}: expected None, a genai.{cls.__name__}, a dict of its fields or a "
        f"google.genai.types.{cls.__name__}; got {describe(config)}"
    )


def _lifetime(
    cache: pb.CachedContent, cfg: CreateCachedContentConfig | UpdateCachedContentConfig, path: str
) -> str:
    """Set the cache's ttl or expire_time from the config; returns the field set ("" for neither)."""
    if cfg.ttl is not None and cfg.expire_time is not None:
        raise ValueError(f"{path}: ttl and expire_time are exclusive (the cache expires one way); give one")
    if cfg.ttl is not None:
        cache.ttl.CopyFrom(to_ttl(cfg.ttl, path=f"{path}.ttl"))
        return "ttl"
    if cfg.expire_time is not None:
        cache.expire_time.CopyFrom(to_expire_time(cfg.expire_time, path=f"{path}.expire_time"))
        return "expire_time"
    return ""


def _page_size(value: Any, path: str) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{path}: expected a positive int or None; got {describe(value)}")
    return value


class CachesCore:
    """Request building and option merging shared by the sync and async faces (no I/O)."""

    def __init__(self, defaults: CallOptions) -> None:
        self._defaults = defaults

    def _options(
        self, cfg: CreateCachedContentConfig | UpdateCachedContentConfig | ListCachedContentsConfig
    ) -> CallOptions:
        return self._call({"timeout": cfg.timeout, "retry": cfg.retry, "metadata": cfg.metadata})

    def _create(
        self, model: str, config: CreateCacheConfig | None
    ) -> tuple[pb.CreateCachedContentRequest, CallOptions]:
        path = "config"
        cfg = (
            CreateCachedContentConfig()
            if config is None
            else _coerce(config, CreateCachedContentConfig, path)
        )
        cache = pb.CachedContent(model=to_model_name(model))
        if cfg.contents is not None:
            cache.contents.extend(to_contents(cfg.contents, path=f"{path}.contents"))
        if cfg.system_instruction is not None:
            cache.system_instruction.CopyFrom(
                to_content(cfg.system_instruction, path=f"{path}.system_instruction", default_role="")
            )
        if cfg.tools is not None:
            cache.tools.extend(to_tools(cfg.tools, path=f"{path}.tools", level=_TOOLS_LEVEL))
        if cfg.tool_config is not None:
            cache.tool_config.CopyFrom(to_tool_config(cfg.tool_config, path=f"{path}.tool_config"))
        if cfg.display_name is not None:
            if not isinstance(cfg.display_name, str):
                raise TypeError(f"{path}.display_name: expected a str; got {describe(cfg.display_name)}")
            cache.display_name = cfg.display_name
        _lifetime(cache, cfg, path)
        return pb.CreateCachedContentRequest(cached_content=cache), self._options(cfg)

    def _call(self, config: Any) -> CallOptions:
        """The options of a call whose config carries only timeout / retry / metadata."""
        override = call_options(config)
        return self._defaults if override is None else self._defaults.merged(override)

    def _get(self, name: str, config: Any) -> tuple[pb.GetCachedContentRequest, CallOptions]:
        return pb.GetCachedContentRequest(name=to_cache_name(name)), self._call(config)

    def _delete(self, name: str, config: Any) -> tuple[pb.DeleteCachedContentRequest, CallOptions]:
        return pb.DeleteCachedContentRequest(name=to_cache_name(name)), self._call(config)

    def _update(
        self, name: str, config: UpdateCacheConfig
    ) -> tuple[pb.UpdateCachedContentRequest, CallOptions]:
        """The update request; its mask names exactly the field given (ttl or expire_time)."""
        path = "config"
        cfg = _coerce(config, UpdateCachedContentConfig, path)
        cache = pb.CachedContent(name=to_cache_name(name))
        field = _lifetime(cache, cfg, path)
        if not field:
            raise ValueError(
                f"{path}: give ttl or expire_time, the only fields of a cache that can be updated"
            )
        request = pb.UpdateCachedContentRequest(cached_content=cache)
        request.update_mask.paths.append(field)
        return request, self._options(cfg)

    def _list(self, config: ListCachesConfig | None) -> tuple[int, str, CallOptions]:
        """(page size, first page token, call options) of a list."""
        path = "config"
        cfg = (
            ListCachedContentsConfig() if config is None else _coerce(config, ListCachedContentsConfig, path)
        )
        token = cfg.page_token or ""
        if not isinstance(token, str):
            raise TypeError(f"{path}.page_token: expected a str; got {describe(token)}")
        return _page_size(cfg.page_size, f"{path}.page_size"), token, self._options(cfg)
