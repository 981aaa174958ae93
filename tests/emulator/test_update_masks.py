"""Update masks on the store: only the named fields change, unknown paths are refused, and an
empty mask means what each collection's API says."""

from __future__ import annotations

import pytest
from genai_protos import retriever_pb2, tuned_model_pb2

from genai.emulator import _collections
from genai.emulator._clock import ManualClock
from genai.emulator._masks import EmptyMask
from genai.emulator._store import CollectionSpec, InvalidField, NotFound, ResourceCollection, Store


@pytest.fixture
def store() -> Store:
    store = Store(ManualClock())
    for spec in _collections.API_COLLECTIONS:
        store.register(spec)
    store.register(CollectionSpec("replaced", empty_mask=EmptyMask.ALL))
    return store


def metadata(key: str, value: str) -> retriever_pb2.CustomMetadata:
    return retriever_pb2.CustomMetadata(key=key, string_value=value)


def a_document(store: Store) -> retriever_pb2.Document:
    store.collection("corpora").create(retriever_pb2.Corpus(), resource_id="c")
    return store.collection("documents").create(
        retriever_pb2.Document(
            display_name="before", custom_metadata=[metadata("a", "1"), metadata("b", "2")]
        ),
        parent="corpora/c",
        resource_id="d",
    )


def a_tuned_model(tuned: ResourceCollection) -> tuned_model_pb2.TunedModel:
    return tuned.create(
        tuned_model_pb2.TunedModel(
            display_name="before",
            description="kept",
            temperature=0.5,
            tuning_task=tuned_model_pb2.TuningTask(
                hyperparameters=tuned_model_pb2.Hyperparameters(epoch_count=3, batch_size=4)
            ),
        ),
        resource_id="t",
    )


def test_only_the_named_fields_change(store: Store) -> None:
    document = a_document(store)
    patch = retriever_pb2.Document(
        name=document.name, display_name="after", custom_metadata=[metadata("z", "9")]
    )
    updated = store.collection("documents").update(patch, ["display_name"], field="document")
    assert updated.display_name == "after"
    assert list(updated.custom_metadata) == list(document.custom_metadata)
    assert store.collection("documents").get(document.name) == updated


def test_repeated_fields_are_replaced_whole(store: Store) -> None:
    document = a_document(store)
    patch = retriever_pb2.Document(name=document.name, custom_metadata=[metadata("z", "9")])
    updated = store.collection("documents").update(patch, ["custom_metadata"])
    assert list(updated.custom_metadata) == [metadata("z", "9")]
    assert updated.display_name == "before"


def test_a_named_field_left_unset_is_cleared(store: Store) -> None:
    tuned = store.collection("tunedModels")
    model = a_tuned_model(tuned)
    patch = tuned_model_pb2.TunedModel(name=model.name)
    updated = tuned.update(patch, ["temperature", "description"])
    assert not updated.HasField("temperature")  # an optional field loses its presence
    assert updated.description == ""
    assert updated.display_name == "before"


def test_paths_reach_into_singular_messages(store: Store) -> None:
    tuned = store.collection("tunedModels")
    model = a_tuned_model(tuned)
    patch = tuned_model_pb2.TunedModel(name=model.name)
    patch.tuning_task.hyperparameters.epoch_count = 7
    updated = tuned.update(patch, ["tuning_task.hyperparameters.epoch_count"])
    assert updated.tuning_task.hyperparameters.epoch_count == 7
    assert updated.tuning_task.hyperparameters.batch_size == 4
    assert updated.display_name == "before"


@pytest.mark.parametrize(
    ("paths", "why"),
    [
        (["no_such_field"], "has no field 'no_such_field'"),
        (["display_name", "tuning_task.nope"], "has no field 'nope'"),
        (["display_name.length"], "display_name has no subfields"),
        (["tuning_task.snapshots.step"], "snapshots has no subfields"),  # repeated: no descent
        (["*", "display_name"], "'*' must be the only path"),
        (["name"], "name cannot be updated"),
    ],
)
def test_unknown_paths_and_fixed_fields_are_invalid_argument(
    store: Store, paths: list[str], why: str
) -> None:
    tuned = store.collection("tunedModels")
    model = a_tuned_model(tuned)
    with pytest.raises(InvalidField) as caught:
        tuned.update(tuned_model_pb2.TunedModel(name=model.name, display_name="x"), paths)
    assert caught.value.field == "update_mask"
    assert why in caught.value.description
    assert tuned.get(model.name) == model  # nothing changed
    failure = caught.value.failure("UpdateTunedModelRequest")
    assert failure.code.name == "INVALID_ARGUMENT"


def test_fields_outside_the_updatable_set_are_refused(store: Store) -> None:
    document = a_document(store)
    with pytest.raises(InvalidField) as caught:
        store.collection("documents").update(document, ["create_time"])
    assert "create_time cannot be updated" in caught.value.description
    with pytest.raises(NotFound):
        store.collection("documents").update(
            retriever_pb2.Document(name="corpora/c/documents/x"), ["display_name"]
        )


def test_an_empty_mask_means_what_the_collection_says(store: Store) -> None:
    # Corpora: the API requires update_mask.
    created = store.collection("corpora").create(retriever_pb2.Corpus(display_name="a"), resource_id="x")
    with pytest.raises(InvalidField) as caught:
        store.collection("corpora").update(retriever_pb2.Corpus(name=created.name, display_name="b"), [])
    assert (caught.value.field, caught.value.description) == ("update_mask", "an update mask is required")
    # Tuned models: the fields the patch sets.
    tuned = store.collection("tunedModels")
    model = a_tuned_model(tuned)
    updated = tuned.update(tuned_model_pb2.TunedModel(name=model.name, display_name="after"), [])
    assert (updated.display_name, updated.description, updated.temperature) == ("after", "kept", 0.5)
    # A collection that takes an empty mask as "replace everything updatable".
    replaced = store.collection("replaced")
    first = replaced.create(tuned_model_pb2.TunedModel(display_name="a", description="b"))
    second = replaced.update(tuned_model_pb2.TunedModel(name=first.name, display_name="c"), [])
    assert (second.name, second.display_name, second.description) == (first.name, "c", "")


def test_star_replaces_every_updatable_field(store: Store) -> None:
    document = a_document(store)
    patch = retriever_pb2.Document(name=document.name, display_name="after")
    updated = store.collection("documents").update(patch, ["*"])
    assert updated.display_name == "after"
    assert list(updated.custom_metadata) == []
    assert updated.create_time == document.create_time  # not updatable, so untouched
