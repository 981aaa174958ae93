"""The rules of each collection (`CollectionSpec`), and the API's collections as it documents them.

The store (`_store`) enforces these rules; the services that serve each collection arrive with
their own issues, and register the spec below when they do. The catalog of models is served from
the store already.
"""

from __future__ import annotations

from dataclasses import dataclass

from ._masks import EmptyMask


@dataclass(frozen=True)
class Expiry:
    """How a collection's resources expire: `Expiry("expire_time", ttl_field="ttl", default_ttl=3600)`.

    expire_field: the Timestamp the resource reports its expiry in.
    ttl_field: a Duration a client may give instead (in a oneof with expire_field), or None.
    default_ttl: seconds, when the client gives neither; None: such resources never expire.
    settable: whether a client may set expire_field itself (False: it is output only).
    """

    expire_field: str
    ttl_field: str | None = None
    default_ttl: float | None = None
    settable: bool = True


@dataclass(frozen=True)
class CollectionSpec:
    """The rules of one collection, as the API documents them for that resource.

    segment: the collection's name segment ("files", "documents").
    parents: patterns its parent must match: "" top level, "corpora/*"; None: any parent or none.
    default_page_size / max_page_size: a List with page_size 0 / above the maximum gets these.
    empty_mask: what an update without paths does.
    updatable: top-level fields an update may change (None: every field but `name`).
    id_from: a field whose slug starts generated ids (e.g. "display_name"), or None.
    expiry: how resources expire, or None.
    """

    segment: str
    parents: tuple[str, ...] | None = ("",)
    default_page_size: int = 10
    max_page_size: int = 100
    empty_mask: EmptyMask = EmptyMask.POPULATED
    updatable: frozenset[str] | None = None
    id_from: str | None = None
    expiry: Expiry | None = None


def _only(*fields: str) -> frozenset[str]:
    return frozenset(fields)


# Page sizes, id rules and updatable fields below are the API reference's (v1beta).
MODELS = CollectionSpec("models", default_page_size=50, max_page_size=1000, updatable=_only())
TUNED_MODELS = CollectionSpec("tunedModels", max_page_size=1000, id_from="display_name")
CACHED_CONTENTS = CollectionSpec(
    "cachedContents",
    max_page_size=1000,
    empty_mask=EmptyMask.REQUIRED,  # the API refuses an update that names no field
    updatable=_only("ttl", "expire_time"),
    expiry=Expiry("expire_time", ttl_field="ttl", default_ttl=3600.0),  # the documented 1 h default
)
FILES = CollectionSpec(
    "files",
    updatable=_only(),
    expiry=Expiry("expiration_time", default_ttl=48 * 3600.0, settable=False),  # kept 48 hours
)
CORPORA = CollectionSpec(
    "corpora",
    max_page_size=20,
    empty_mask=EmptyMask.REQUIRED,
    updatable=_only("display_name"),
    id_from="display_name",
)
DOCUMENTS = CollectionSpec(
    "documents",
    parents=("corpora/*",),
    max_page_size=20,
    empty_mask=EmptyMask.REQUIRED,
    updatable=_only("display_name", "custom_metadata"),
    id_from="display_name",
)
CHUNKS = CollectionSpec(
    "chunks",
    parents=("corpora/*/documents/*",),
    empty_mask=EmptyMask.REQUIRED,
    updatable=_only("custom_metadata", "data"),
)
PERMISSIONS = CollectionSpec(
    "permissions",
    parents=("tunedModels/*", "corpora/*"),
    max_page_size=1000,
    empty_mask=EmptyMask.REQUIRED,
    updatable=_only("role"),
)
# Operations live at the top level or under any resource (`tunedModels/t/operations/o`).
OPERATIONS = CollectionSpec("operations", parents=None, max_page_size=1000, updatable=_only())

API_COLLECTIONS = (MODELS, TUNED_MODELS, CACHED_CONTENTS, FILES, CORPORA, DOCUMENTS, CHUNKS, PERMISSIONS)
