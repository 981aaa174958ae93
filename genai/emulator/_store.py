"""The resource store every front end shares: named collections of messages.

    store = Store(ManualClock())
    corpora = store.register(CollectionSpec("corpora"))
    corpus = corpora.create(Corpus(display_name="Docs"), field="corpus")   # corpora/docs-1a2b3c4d5e6f
    page = corpora.list(page_size=10)

* Names and ids follow the API's rules (`_names`); ids a client gives are checked against the
  same rule, generated ids are deterministic per store.
* Lists page with opaque tokens bound to the query (`_paging`); page sizes are per collection.
* Updates apply a FieldMask (`_masks`); what an empty mask means is per collection.
* A collection with an `Expiry` turns `ttl` into an expire time on the store's clock; a resource
  disappears once the clock reaches it. Nothing runs in the background: due expiries (and due
  long-running operations, `_operations`) are settled whenever the store is touched.
* Thread-safe: one lock for the whole store (front ends run on the server's loop and its worker
  threads, tests read from others). Messages go in and come out as copies, so no caller shares a
  stored message.
* Failures are `StoreError`s; a service turns them into its RpcFailure with `failure(request_type)`.
"""

from __future__ import annotations

import builtins
import heapq
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar, cast

import grpc
from google.protobuf.message import Message

from . import _masks, _names, _paging
from ._clock import Clock, SystemClock, seconds_ns
from ._collections import CollectionSpec
from ._random import digest
from ._status import RpcFailure, invalid_argument

if TYPE_CHECKING:
    from ._operations import Operations

M = TypeVar("M", bound=Message)


class StoreError(Exception):
    """A refused store operation; `failure(request_type)` is the RpcFailure to answer with."""

    code = grpc.StatusCode.INTERNAL

    def failure(self, request_type: str) -> RpcFailure:
        """The answer for a call whose request message is `request_type` (for field violations)."""
        return RpcFailure(self.code, str(self))


class NotFound(StoreError):
    code = grpc.StatusCode.NOT_FOUND

    def __init__(self, name: str) -> None:
        super().__init__(f"{name} was not found.")
        self.name = name


class AlreadyExists(StoreError):
    code = grpc.StatusCode.ALREADY_EXISTS

    def __init__(self, name: str) -> None:
        super().__init__(f"{name} already exists.")
        self.name = name


class FailedPrecondition(StoreError):
    code = grpc.StatusCode.FAILED_PRECONDITION


class InvalidField(StoreError):
    """A bad value in one field of the request: INVALID_ARGUMENT with a BadRequest violation."""

    code = grpc.StatusCode.INVALID_ARGUMENT

    def __init__(self, field: str, description: str) -> None:
        super().__init__(f"{field}: {description}")
        self.field = field
        self.description = description

    def failure(self, request_type: str) -> RpcFailure:
        return invalid_argument(request_type, [(self.field, self.description)])


@contextmanager
def answering(request_type: str) -> Iterator[None]:
    """Turn StoreErrors raised inside into RpcFailures: `with answering("GetFileRequest"): ...`."""
    try:
        yield
    except StoreError as error:
        raise error.failure(request_type) from None


@dataclass(frozen=True)
class Page:
    """One page of a List: the items (copies) and the token for the next page ("" on the last)."""

    items: list[Message]
    next_page_token: str = ""


@dataclass
class _Entry:
    seq: int
    message: Message
    expire_ns: int | None = None


def _copy(message: M) -> M:
    duplicate = type(message)()
    duplicate.CopyFrom(message)
    return duplicate


def _has(message: Message, name: str) -> bool:
    return name in message.DESCRIPTOR.fields_by_name


def _name_of(message: Message) -> str:
    return str(getattr(message, "name", ""))


def _stamp(message: Message, now: int, *fields: str) -> None:
    for name in fields:
        if _has(message, name):
            getattr(message, name).FromNanoseconds(now)


class Store:
    """Named collections on one clock, and the table of long-running operations (`operations`)."""

    def __init__(self, clock: Clock | None = None, *, seed: bytes = b"genai-emulator") -> None:
        from ._operations import Operations  # the table is a client of this module

        self.clock: Clock = clock if clock is not None else SystemClock()
        self._lock = threading.RLock()
        self._seed = seed
        self._ids = 0
        self._collections: dict[str, ResourceCollection] = {}
        self._expiring: list[tuple[int, str, int]] = []  # (expire_ns, name, seq): a min-heap
        self._settling = False
        self.operations: Operations = Operations(self)

    def register(self, spec: CollectionSpec) -> ResourceCollection:
        """Add a collection (one per segment) and return it: `files = store.register(FILES)`."""
        with self._lock:
            if spec.segment in self._collections:
                raise ValueError(f"a collection {spec.segment!r} is already registered")
            collection = ResourceCollection(self, spec)
            self._collections[spec.segment] = collection
            return collection

    def collection(self, segment: str) -> ResourceCollection:
        """The registered collection for `segment` (KeyError if none): `store.collection("files")`."""
        return self._collections[segment]

    def exists(self, name: str) -> bool:
        """Whether `name` is a live resource of any registered collection: `store.exists("files/a")`."""
        parts = _names.split(name)
        if parts is None or parts[1] not in self._collections:
            return False
        with self.locked():
            return self._collections[parts[1]]._entry(name) is not None

    @contextmanager
    def locked(self) -> Iterator[int]:
        """Hold the store's lock with due expiries and operations settled; yields the time (ns)."""
        with self._lock:
            yield self._settle()

    def _settle(self) -> int:
        now = self.clock.now_ns()
        if self._settling:  # an operation's completion is touching the store
            return now
        self._settling = True
        try:
            while self._expiring and self._expiring[0][0] <= now:
                expire_ns, name, seq = heapq.heappop(self._expiring)
                parts = _names.split(name)
                collection = self._collections.get(parts[1]) if parts else None
                entry = collection._entry(name) if collection is not None else None
                # An entry whose expiry an update moved has a newer heap item of its own.
                if (
                    collection is not None
                    and entry is not None
                    and (entry.seq, entry.expire_ns) == (seq, expire_ns)
                ):
                    self._drop_children(name)
                    collection._remove(name)
            self.operations._settle(now)
        finally:
            self._settling = False
        return now

    def _new_id(self, segment: str, parent: str, hint: str) -> str:
        self._ids += 1
        return _names.generated_id(
            digest(self._seed, segment.encode(), parent.encode(), b"%d" % self._ids), hint
        )

    def _expire_at(self, name: str, seq: int, expire_ns: int) -> None:
        heapq.heappush(self._expiring, (expire_ns, name, seq))

    def _drop_children(self, name: str) -> None:
        for collection, parent in self._children(name):
            collection._buckets.pop(parent, None)

    def _children(self, name: str) -> list[tuple[ResourceCollection, str]]:
        inside = name + "/"
        return [
            (collection, parent)
            for collection in self._collections.values()
            for parent, bucket in collection._buckets.items()
            if bucket and (parent == name or parent.startswith(inside))
        ]


class ResourceCollection:
    """One collection of a Store: create, get, list, update and delete, by the collection's rules."""

    def __init__(self, store: Store, spec: CollectionSpec) -> None:
        self.spec = spec
        self._store = store
        self._buckets: dict[str, dict[str, _Entry]] = {}  # parent -> name -> entry, in creation order
        self._seq = 0

    # -- names ---------------------------------------------------------------------------------

    def id_of(self, name: str, field: str) -> str:
        """The id in a full name a client gave (`files/abc` -> `abc`); InvalidField names `field`."""
        parts = _names.split(name)
        if parts is None or parts[1] != self.spec.segment or not self._parent_fits(parts[0]):
            raise InvalidField(field, f"{name!r} is not a name in {self.spec.segment}")
        problem = _names.id_problem(parts[2])
        if problem is not None:
            raise InvalidField(field, problem)
        return parts[2]

    def _parent_fits(self, parent: str) -> bool:
        patterns = self.spec.parents
        return patterns is None or any(_names.matches(parent, pattern) for pattern in patterns)

    def _entry(self, name: str) -> _Entry | None:
        parts = _names.split(name)
        bucket = self._buckets.get(parts[0]) if parts is not None and parts[1] == self.spec.segment else None
        return bucket.get(name) if bucket is not None else None

    def _remove(self, name: str) -> None:
        parts = _names.split(name)
        if parts is not None:
            self._buckets.get(parts[0], {}).pop(name, None)

    def _add(self, name: str, parent: str, message: Message, expire_ns: int | None) -> _Entry:
        entry = _Entry(self._seq, message, expire_ns)
        self._seq += 1
        self._buckets.setdefault(parent, {})[name] = entry
        if expire_ns is not None:
            self._store._expire_at(name, entry.seq, expire_ns)
        return entry

    # -- expiry --------------------------------------------------------------------------------

    def _expiry(self, message: Message, now: int, field: str, keep: int | None) -> int | None:
        """Normalise the expiry fields of `message`; returns the expire time in ns.

        A ttl becomes an expire time; an expire time must lie ahead; with neither, `keep`
        (an update) or the default ttl (a create) applies.
        """
        rules = self.spec.expiry
        if rules is None:
            return None
        prefix = f"{field}." if field else ""
        expire = getattr(message, rules.expire_field)
        if rules.ttl_field is not None and message.HasField(rules.ttl_field):
            ttl_ns = int(getattr(message, rules.ttl_field).ToNanoseconds())
            if ttl_ns < 0:
                raise InvalidField(prefix + rules.ttl_field, "must not be negative")
            at = now + ttl_ns
        elif rules.settable and message.HasField(rules.expire_field):
            at = int(expire.ToNanoseconds())
            if at <= now:
                raise InvalidField(prefix + rules.expire_field, "must be in the future")
        elif keep is not None:
            at = keep
        elif rules.default_ttl is not None:
            at = now + seconds_ns(rules.default_ttl)
        else:
            message.ClearField(rules.expire_field)
            return None
        expire.FromNanoseconds(at)  # in a oneof with the ttl, this clears it
        if rules.ttl_field is not None and message.HasField(rules.ttl_field):
            message.ClearField(rules.ttl_field)
        return at

    # -- the operations ------------------------------------------------------------------------

    def insert(self, message: Message) -> None:
        """Add `message` under its own `name`, unchecked (seeding fixed resources such as the catalog)."""
        name = _name_of(message)
        parts = _names.split(name)
        if parts is None or parts[1] != self.spec.segment:
            raise ValueError(f"{name!r} is not a name in {self.spec.segment}")
        with self._store.locked():
            self._add(name, parts[0], _copy(message), None)

    def create(
        self, message: M, *, parent: str = "", resource_id: str = "", field: str = "", id_field: str = ""
    ) -> M:
        """Store a copy of `message` as a new resource and return it with its name and times.

        `resource_id` is the client's id (checked; InvalidField names `id_field`), "" to generate
        one. `field` is the resource's field in the request, for violations (`corpus.ttl`).
        """
        with self._store.locked() as now:
            if not self._parent_fits(parent):
                raise InvalidField("parent", f"{parent!r} cannot hold {self.spec.segment}")
            if parent and not self._store.exists(parent) and self._owned(parent):
                raise NotFound(parent)
            if resource_id:
                problem = _names.id_problem(resource_id)
                if problem is not None:
                    raise InvalidField(id_field or (f"{field}.name" if field else "name"), problem)
            else:
                hint = str(getattr(message, self.spec.id_from, "")) if self.spec.id_from else ""
                resource_id = self._store._new_id(self.spec.segment, parent, hint)
                while self._entry(_names.join(parent, self.spec.segment, resource_id)) is not None:
                    resource_id = self._store._new_id(self.spec.segment, parent, hint)
            name = _names.join(parent, self.spec.segment, resource_id)
            if self._entry(name) is not None:
                raise AlreadyExists(name)
            stored = _copy(message)
            if _has(stored, "name"):
                setattr(stored, "name", name)  # noqa: B010  (Message has no typed `name`)
            _stamp(stored, now, "create_time", "update_time")
            expire_ns = self._expiry(stored, now, field, None)
            self._add(name, parent, stored, expire_ns)
            return _copy(stored)

    def _owned(self, parent: str) -> bool:
        """Whether a registered collection holds names like `parent` (else it cannot be checked)."""
        parts = _names.split(parent)
        return parts is not None and parts[1] in self._store._collections

    def get(self, name: str) -> Message:
        """A copy of the resource; NotFound when there is none (or it expired): `files.get("files/a")`."""
        with self._store.locked():
            entry = self._entry(name)
            if entry is None:
                raise NotFound(name)
            return _copy(entry.message)

    def list(
        self,
        *,
        parent: str = "",
        page_size: int = 0,
        page_token: str = "",
        query: str = "",
        keep: Callable[[Message], bool] | None = None,
    ) -> Page:
        """One page of the resources under `parent`, oldest first: `docs.list(parent="corpora/c")`.

        `query` stands for the List's other parameters (a filter, ...): a token only works with
        the query that issued it. `keep` filters. InvalidField for a negative size or a bad token.
        """
        try:
            size = _paging.page_size(page_size, self.spec.default_page_size, self.spec.max_page_size)
        except ValueError as exc:
            raise InvalidField("page_size", str(exc)) from None
        bound = parent.encode() + b"\0" + query.encode()
        try:
            start = _paging.position(page_token, self.spec.segment, bound) if page_token else 0
        except _paging.BadPageToken:
            raise InvalidField("page_token", "Invalid page token.") from None
        items: builtins.list[Message] = []
        with self._store.locked():
            for entry in self._buckets.get(parent, {}).values():
                if entry.seq < start or (keep is not None and not keep(entry.message)):
                    continue
                if len(items) == size:
                    return Page(items, _paging.issue(self.spec.segment, bound, entry.seq))
                items.append(_copy(entry.message))
        return Page(items)

    def update(
        self, patch: M, paths: Iterable[str], *, field: str = "", mask_field: str = "update_mask"
    ) -> M:
        """Apply the `paths` of `patch` to the resource named `patch.name`; returns the new resource.

        `corpora.update(Corpus(name="corpora/c", display_name="New"), ["display_name"])`

        Unknown paths or fields that may not change are InvalidField on `mask_field`.
        """
        name = _name_of(patch)
        with self._store.locked() as now:
            entry = self._entry(name)
            if entry is None:
                raise NotFound(name)
            try:
                resolved = _masks.resolve(
                    patch.DESCRIPTOR, paths, self.spec.updatable, self.spec.empty_mask, patch
                )
            except _masks.MaskError as error:
                raise InvalidField(mask_field, str(error)) from None
            updated = cast(M, _copy(entry.message))
            _masks.apply(updated, patch, resolved)
            expire_ns = entry.expire_ns
            rules = self.spec.expiry
            if rules is not None and any(
                path.split(".")[0] in (rules.expire_field, rules.ttl_field) for path in resolved
            ):
                expire_ns = self._expiry(updated, now, field, entry.expire_ns)
            _stamp(updated, now, "update_time")
            entry.message = updated
            if expire_ns != entry.expire_ns:
                entry.expire_ns = expire_ns
                if expire_ns is not None:
                    self._store._expire_at(name, entry.seq, expire_ns)
            return _copy(updated)

    def replace(self, message: Message) -> None:
        """Store `message` over the resource of the same name as it is (a service's own bookkeeping,
        such as a state change); NotFound when there is none."""
        name = _name_of(message)
        with self._store.locked():
            entry = self._entry(name)
            if entry is None:
                raise NotFound(name)
            entry.message = _copy(message)

    def delete(self, name: str, *, refuse_children: bool = False) -> None:
        """Remove the resource and everything under it; NotFound if absent: `corpora.delete("corpora/c")`.

        With `refuse_children` a resource that has children is FailedPrecondition instead (the
        API's `force=false`)."""
        with self._store.locked():
            if self._entry(name) is None:
                raise NotFound(name)
            children = self._store._children(name)
            if children and refuse_children:
                raise FailedPrecondition(f"{name} is not empty.")
            self._store._drop_children(name)
            self._remove(name)

    def __len__(self) -> int:
        with self._store.locked():
            return sum(len(bucket) for bucket in self._buckets.values())

    def names(self, parent: str = "") -> builtins.list[str]:
        """The live names under `parent`, oldest first (for tests and services' own checks)."""
        with self._store.locked():
            return list(self._buckets.get(parent, {}))
