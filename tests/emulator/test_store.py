"""The resource store without a server: names and ids, create/get/list/delete, paging, expiry on a
manual clock, and concurrent use. (Update masks: test_update_masks.py; operations:
test_operations.py.)"""

from __future__ import annotations

import base64
import re
import threading

import pytest
from genai_protos import cached_content_pb2, file_pb2, retriever_pb2, tuned_model_pb2

from genai.emulator import _collections
from genai.emulator._backend import Backend
from genai.emulator._catalog import entries
from genai.emulator._clock import NANOS, ManualClock
from genai.emulator._collections import CollectionSpec, Expiry
from genai.emulator._state import EmulatorOptions
from genai.emulator._status import RpcFailure
from genai.emulator._store import (
    AlreadyExists,
    FailedPrecondition,
    InvalidField,
    NotFound,
    ResourceCollection,
    Store,
    answering,
)

ID = re.compile(r"[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?")
START = 1_700_000_000


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def store(clock: ManualClock) -> Store:
    store = Store(clock)
    for spec in _collections.API_COLLECTIONS:
        store.register(spec)
    return store


def corpus(display_name: str = "") -> retriever_pb2.Corpus:
    return retriever_pb2.Corpus(display_name=display_name)


def _all_pages(collection: ResourceCollection, page_size: int, **query: str) -> list[list[str]]:
    pages: list[list[str]] = []
    token = ""
    while True:
        page = collection.list(page_size=page_size, page_token=token, **query)
        pages.append([item.name for item in page.items])  # type: ignore[attr-defined]
        token = page.next_page_token
        if not token:
            return pages
        assert len(pages) < 1000


def test_catalog_page_tokens_round_trip_and_reject_forgeries() -> None:
    models = Backend(EmulatorOptions()).models
    seen = []
    token = ""
    while True:
        page = models.list(page_size=3, page_token=token)
        seen += [m.name for m in page.items]  # type: ignore[attr-defined]
        token = page.next_page_token
        if not token:
            break
    assert seen == [e.name for e in entries()]
    with pytest.raises(InvalidField) as caught:
        models.list(page_size=3, page_token="bW9kZWxzOjM6MDAwMDAwMDAwMDAw")  # "models:3:000000000000"
    assert caught.value.field == "page_token"


def test_generated_ids_follow_the_naming_rule(store: Store) -> None:
    corpora = store.collection("corpora")
    hints = ["", "My Docs!", "  --Ünïcode && spaces--  ", "x" * 80, "UPPER lower 123"]
    names = [corpora.create(corpus(hint), field="corpus").name for hint in hints * 4]
    assert len(set(names)) == len(names)
    for name, hint in zip(names, hints * 4, strict=True):
        prefix, _, resource_id = name.partition("/")
        assert prefix == "corpora"
        assert ID.fullmatch(resource_id), resource_id
        assert len(resource_id) <= 40
        if hint == "My Docs!":
            assert re.fullmatch(r"my-docs-[a-z0-9]{12}", resource_id)
        if hint == "":
            assert re.fullmatch(r"[a-z0-9]{12}", resource_id)
    # Collections without an id hint ignore the display name.
    chunk_parent = corpora.create(corpus(), resource_id="c")
    document = store.collection("documents").create(retriever_pb2.Document(), parent=chunk_parent.name)
    chunk = store.collection("chunks").create(retriever_pb2.Chunk(), parent=document.name)
    assert re.fullmatch(r"corpora/c/documents/[a-z0-9]{12}/chunks/[a-z0-9]{12}", chunk.name)


def test_generated_ids_are_deterministic_per_store(clock: ManualClock) -> None:
    def names() -> list[str]:
        store = Store(clock)
        files = store.register(_collections.FILES)
        return [files.create(file_pb2.File()).name for _ in range(3)]

    assert names() == names()


@pytest.mark.parametrize("bad", ["-abc", "abc-", "Abc", "a_b", "a.b", "a/b", "x" * 41, "ä"])
def test_client_ids_are_checked_against_the_same_rule(store: Store, bad: str) -> None:
    with pytest.raises(InvalidField) as caught:
        store.collection("corpora").create(corpus(), resource_id=bad, field="corpus")
    assert caught.value.field == "corpus.name"
    with pytest.raises(InvalidField) as caught:
        store.collection("tunedModels").create(
            tuned_model_pb2.TunedModel(), resource_id=bad, id_field="tuned_model_id"
        )
    assert caught.value.field == "tuned_model_id"
    failure = caught.value.failure("CreateTunedModelRequest")
    assert failure.code.name == "INVALID_ARGUMENT"
    assert failure.message.startswith("* CreateTunedModelRequest.tuned_model_id: ")


@pytest.mark.parametrize("good", ["a", "0", "a-b-1", "x" * 40, "123-456"])
def test_client_ids_that_fit_are_kept_and_taken_once(store: Store, good: str) -> None:
    corpora = store.collection("corpora")
    assert corpora.create(corpus("anything"), resource_id=good).name == f"corpora/{good}"
    with pytest.raises(AlreadyExists):
        corpora.create(corpus(), resource_id=good)


def test_full_names_from_clients_are_parsed_by_the_collection(store: Store) -> None:
    documents = store.collection("documents")
    assert documents.id_of("corpora/c1/documents/d-1", "document.name") == "d-1"
    for bad in ("corpora/c1/chunks/d", "documents/d", "files/x/documents/d", "corpora/c1/documents/D"):
        with pytest.raises(InvalidField) as caught:
            documents.id_of(bad, "document.name")
        assert caught.value.field == "document.name"


def test_nested_resources_need_their_parent(store: Store) -> None:
    documents = store.collection("documents")
    with pytest.raises(NotFound) as missing:
        documents.create(retriever_pb2.Document(), parent="corpora/nope")
    assert missing.value.name == "corpora/nope"
    with pytest.raises(InvalidField) as misplaced:
        documents.create(retriever_pb2.Document(), parent="files/x")
    assert misplaced.value.field == "parent"
    with pytest.raises(InvalidField):
        documents.create(retriever_pb2.Document())  # documents live under a corpus


def test_get_and_list_hand_out_copies(store: Store) -> None:
    corpora = store.collection("corpora")
    created = corpora.create(corpus("original"))
    created.display_name = "changed by the caller"
    fetched = corpora.get(created.name)
    assert fetched.display_name == "original"  # type: ignore[attr-defined]
    fetched.display_name = "changed again"  # type: ignore[attr-defined]
    corpora.list().items[0].display_name = "and again"  # type: ignore[attr-defined]
    assert corpora.get(created.name).display_name == "original"  # type: ignore[attr-defined]


def test_create_and_update_times_follow_the_clock(store: Store, clock: ManualClock) -> None:
    corpora = store.collection("corpora")
    created = corpora.create(corpus("a"))
    assert created.create_time.seconds == created.update_time.seconds == START
    clock.advance(7)
    updated = corpora.update(retriever_pb2.Corpus(name=created.name, display_name="b"), ["display_name"])
    assert (updated.create_time.seconds, updated.update_time.seconds) == (START, START + 7)


def test_delete_removes_the_resource_and_what_it_holds(store: Store) -> None:
    corpora, documents, chunks = (store.collection(s) for s in ("corpora", "documents", "chunks"))
    parent = corpora.create(corpus(), resource_id="c")
    document = documents.create(retriever_pb2.Document(), parent=parent.name, resource_id="d")
    chunks.create(retriever_pb2.Chunk(), parent=document.name)
    other = corpora.create(corpus(), resource_id="c2")
    documents.create(retriever_pb2.Document(), parent=other.name, resource_id="d")
    with pytest.raises(FailedPrecondition):
        corpora.delete("corpora/c", refuse_children=True)  # the API's force=false
    assert store.exists("corpora/c/documents/d")
    corpora.delete("corpora/c")
    assert not store.exists("corpora/c")
    assert not store.exists("corpora/c/documents/d")
    assert len(chunks) == 0
    assert documents.names("corpora/c2") == ["corpora/c2/documents/d"]  # a sibling is untouched
    with pytest.raises(NotFound):
        corpora.delete("corpora/c")
    with pytest.raises(NotFound):
        corpora.get("corpora/c")


def test_paging_uses_each_collections_default_and_maximum(store: Store) -> None:
    corpora = store.collection("corpora")  # documented: 10 by default, at most 20
    for i in range(25):
        corpora.create(corpus(f"c{i}"))
    assert len(corpora.list().items) == 10
    assert len(corpora.list(page_size=1000).items) == 20
    assert len(corpora.list(page_size=7).items) == 7
    pages = _all_pages(corpora, 0)
    assert [len(page) for page in pages] == [10, 10, 5]
    assert [name for page in pages for name in page] == corpora.names()
    with pytest.raises(InvalidField) as caught:
        corpora.list(page_size=-1)
    assert (caught.value.field, caught.value.description) == ("page_size", "must not be negative")


def test_the_model_catalog_pages_by_its_own_rules() -> None:
    models = Backend(EmulatorOptions()).models  # documented: 50 by default, at most 1000
    assert len(models.list().items) == len(entries()) < 50
    assert models.list().next_page_token == ""
    assert [len(page) for page in _all_pages(models, 6)] == [6, 6, 6, 2]


def test_page_tokens_are_opaque_and_bound_to_their_query(store: Store) -> None:
    corpora, documents = store.collection("corpora"), store.collection("documents")
    for name in ("a", "b"):
        corpora.create(corpus(), resource_id=name)
        for i in range(3):
            documents.create(retriever_pb2.Document(), parent=f"corpora/{name}", resource_id=f"d{i}")
    token = documents.list(parent="corpora/a", page_size=1).next_page_token
    assert token
    assert "corpora" not in token
    assert "d1" not in base64.urlsafe_b64decode(token + "==").decode()
    assert documents.list(parent="corpora/a", page_size=1, page_token=token).items[0].name == (  # type: ignore[attr-defined]
        "corpora/a/documents/d1"
    )
    # The page size may change between pages; nothing else may.
    assert len(documents.list(parent="corpora/a", page_size=5, page_token=token).items) == 2
    filtered = documents.list(parent="corpora/a", page_size=1, query="filter=x").next_page_token
    refused = [
        lambda: documents.list(parent="corpora/b", page_size=1, page_token=token),
        lambda: documents.list(parent="corpora/a", page_size=1, page_token=token, query="filter=x"),
        lambda: documents.list(parent="corpora/a", page_size=1, page_token=filtered),
        lambda: corpora.list(page_size=1, page_token=token),
        lambda: documents.list(parent="corpora/a", page_token="not-a-token"),
        lambda: documents.list(parent="corpora/a", page_token=token[:-2]),
        lambda: documents.list(parent="corpora/a", page_token=token + "A"),
    ]
    for call in refused:
        with pytest.raises(InvalidField) as caught:
            call()
        assert (caught.value.field, caught.value.description) == ("page_token", "Invalid page token.")
    with pytest.raises(RpcFailure) as answered, answering("ListDocumentsRequest"):
        documents.list(parent="corpora/a", page_token="nope")
    assert answered.value.message == "* ListDocumentsRequest.page_token: Invalid page token."


def test_paging_skips_nothing_when_resources_change_between_pages(store: Store) -> None:
    corpora = store.collection("corpora")
    for i in range(6):
        corpora.create(corpus(), resource_id=f"c{i}")
    first = corpora.list(page_size=2)
    corpora.delete("corpora/c1")  # already returned
    corpora.delete("corpora/c2")  # the first item of the next page
    corpora.create(corpus(), resource_id="late")
    rest: list[str] = []
    token = first.next_page_token
    while token:
        page = corpora.list(page_size=2, page_token=token)
        rest += [item.name for item in page.items]  # type: ignore[attr-defined]
        token = page.next_page_token
    assert rest == ["corpora/c3", "corpora/c4", "corpora/c5", "corpora/late"]


def test_list_filters_with_keep(store: Store) -> None:
    corpora = store.collection("corpora")
    for i in range(12):
        corpora.create(corpus("even" if i % 2 == 0 else "odd"), resource_id=f"c{i}")
    pages = _all_pages(corpora, 4)
    assert [len(p) for p in pages] == [4, 4, 4]
    token, names = "", []
    while True:
        page = corpora.list(page_size=4, page_token=token, keep=lambda c: c.display_name == "even")  # type: ignore[attr-defined]
        names += [item.name for item in page.items]  # type: ignore[attr-defined]
        token = page.next_page_token
        if not token:
            break
    assert names == [f"corpora/c{i}" for i in range(0, 12, 2)]


def test_ttl_becomes_an_expire_time_and_the_resource_goes_when_the_clock_reaches_it(
    store: Store, clock: ManualClock
) -> None:
    caches = store.collection("cachedContents")
    created = caches.create(cached_content_pb2.CachedContent(ttl={"seconds": 10}), field="cached_content")
    assert created.WhichOneof("expiration") == "expire_time"  # ttl is input only
    assert created.expire_time.seconds == START + 10
    clock.advance(9.999)
    assert caches.get(created.name) == created
    assert [c.name for c in caches.list().items] == [created.name]  # type: ignore[attr-defined]
    clock.advance(0.001)
    with pytest.raises(NotFound):
        caches.get(created.name)
    assert caches.list().items == []
    assert not store.exists(created.name)
    assert len(caches) == 0


def test_expire_times_and_ttls_are_checked(store: Store, clock: ManualClock) -> None:
    caches = store.collection("cachedContents")
    at = cached_content_pb2.CachedContent()
    at.expire_time.FromNanoseconds(START * NANOS + 123_456_789)
    kept = caches.create(at, field="cached_content")
    assert kept.expire_time.ToNanoseconds() == START * NANOS + 123_456_789  # exact, to the nanosecond
    past = cached_content_pb2.CachedContent()
    past.expire_time.FromNanoseconds(START * NANOS)
    with pytest.raises(InvalidField) as caught:
        caches.create(past, field="cached_content")
    assert caught.value.field == "cached_content.expire_time"
    with pytest.raises(InvalidField) as caught:
        caches.create(cached_content_pb2.CachedContent(ttl={"seconds": -1}), field="cached_content")
    assert caught.value.field == "cached_content.ttl"


def test_default_lifetimes_are_the_documented_ones(store: Store, clock: ManualClock) -> None:
    cache = store.collection("cachedContents").create(cached_content_pb2.CachedContent())
    assert cache.expire_time.seconds == START + 3600
    chosen = file_pb2.File()
    chosen.expiration_time.FromSeconds(START + 5)  # output only: the client cannot pick it
    uploaded = store.collection("files").create(chosen)
    assert uploaded.expiration_time.seconds == START + 48 * 3600
    corpus_ = store.collection("corpora").create(corpus())
    clock.advance(48 * 3600)
    assert not store.exists(uploaded.name)
    assert not store.exists(cache.name)
    assert store.exists(corpus_.name)  # corpora never expire


def test_updating_the_ttl_moves_the_expiry(store: Store, clock: ManualClock) -> None:
    caches = store.collection("cachedContents")
    created = caches.create(cached_content_pb2.CachedContent(ttl={"seconds": 10}))
    clock.advance(5)
    patch = cached_content_pb2.CachedContent(name=created.name, ttl={"seconds": 100})
    updated = caches.update(patch, ["ttl"], field="cached_content")
    assert updated.expire_time.seconds == START + 105
    clock.advance(10)  # past the first expiry
    assert caches.get(created.name).expire_time.seconds == START + 105  # type: ignore[attr-defined]
    patch = cached_content_pb2.CachedContent(name=created.name)
    patch.expire_time.FromSeconds(START + 20)
    caches.update(patch, ["expire_time"])
    clock.advance(5)  # START + 20
    assert not store.exists(created.name)


def test_concurrent_use_from_threads(store: Store) -> None:
    corpora = store.collection("corpora")
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def work(n: int) -> None:
        try:
            barrier.wait(timeout=10)
            for i in range(40):
                created = corpora.create(corpus(f"t{n}"))
                corpora.get(created.name)
                corpora.list(page_size=5)
                if i % 4 == 0:
                    corpora.delete(created.name)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    names = [name for page in _all_pages(corpora, 20) for name in page]
    assert len(names) == len(set(names)) == 8 * 30


def test_an_expired_resource_takes_what_it_holds_along(store: Store, clock: ManualClock) -> None:
    uploads = store.register(
        CollectionSpec("uploads", expiry=Expiry("expiration_time", default_ttl=5.0, settable=False))
    )
    upload = uploads.create(file_pb2.File(), resource_id="u")
    operation = store.operations.start(file_pb2.File, parent=upload.name, after=60)
    clock.advance(5)
    assert not store.exists(upload.name)
    assert not store.exists(operation.name)
