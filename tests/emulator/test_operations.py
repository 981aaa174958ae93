"""Long-running operations on the store's clock: done only once the clock passes the due time,
a response or an error, names at the top or under a resource, listing, cancelling, deleting."""

from __future__ import annotations

import grpc
import pytest
from genai_protos import tuned_model_pb2
from google.rpc import error_details_pb2, status_pb2

from genai.emulator import _collections
from genai.emulator._clock import ManualClock
from genai.emulator._status import RpcFailure, error_info
from genai.emulator._store import InvalidField, NotFound, Store

TunedModel = tuned_model_pb2.TunedModel


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def store(clock: ManualClock) -> Store:
    store = Store(clock)
    store.register(_collections.TUNED_MODELS)
    return store


def test_an_operation_is_done_only_once_the_clock_reaches_its_time(store: Store, clock: ManualClock) -> None:
    runs: list[int] = []

    def complete() -> TunedModel:
        runs.append(1)
        return TunedModel(name="tunedModels/done", display_name="finished")

    started = store.operations.start(complete, after=30, metadata=TunedModel(display_name="progress"))
    assert started.name.startswith("operations/")
    assert not started.done
    clock.advance(29.999)
    for _ in range(3):
        assert not store.operations.get(started.name).done
    assert runs == []
    assert store.operations.pending() == 1
    clock.advance(0.001)
    finished = store.operations.get(started.name)
    assert finished.done
    assert finished.WhichOneof("result") == "response"
    response = TunedModel()
    assert finished.response.Unpack(response)
    assert response.display_name == "finished"
    metadata = TunedModel()
    assert finished.metadata.Unpack(metadata)
    assert metadata.display_name == "progress"
    for _ in range(3):
        assert store.operations.get(started.name) == finished
    assert runs == [1]  # completed exactly once
    assert store.operations.pending() == 0


def test_a_completion_that_updates_a_resource_is_seen_from_any_read(store: Store, clock: ManualClock) -> None:
    tuned = store.collection("tunedModels")
    model = tuned.create(TunedModel(state=TunedModel.CREATING), resource_id="t1")

    def activate() -> TunedModel:
        ready = TunedModel()
        ready.CopyFrom(tuned.get(model.name))
        ready.state = TunedModel.ACTIVE
        tuned.replace(ready)
        return ready

    operation = store.operations.start(activate, parent=model.name, after=60)
    assert operation.name.startswith("tunedModels/t1/operations/")
    assert tuned.get(model.name).state == TunedModel.CREATING  # type: ignore[attr-defined]
    clock.advance(60)
    assert tuned.get(model.name).state == TunedModel.ACTIVE  # type: ignore[attr-defined]  (no poll needed)
    assert store.operations.get(operation.name).done


def test_failures_become_the_operations_error(store: Store, clock: ManualClock) -> None:
    def refuse() -> TunedModel:
        raise RpcFailure(grpc.StatusCode.FAILED_PRECONDITION, "no quota", [error_info("NO_QUOTA")])

    def crash() -> TunedModel:
        raise KeyError("oops")

    refused = store.operations.start(refuse, after=1)
    crashed = store.operations.start(crash, after=1)
    clock.advance(1)
    error = store.operations.get(refused.name).error
    assert (error.code, error.message) == (grpc.StatusCode.FAILED_PRECONDITION.value[0], "no quota")
    status = status_pb2.Status.FromString(error.SerializeToString())
    info = error_details_pb2.ErrorInfo()
    assert status.details[0].Unpack(info)
    assert info.reason == "NO_QUOTA"
    crashed_op = store.operations.get(crashed.name)
    assert crashed_op.done
    assert crashed_op.error.code == grpc.StatusCode.INTERNAL.value[0]
    assert "KeyError" in crashed_op.error.message


def test_an_operation_due_now_is_done_when_started(store: Store) -> None:
    assert store.operations.start(lambda: TunedModel()).done


def test_operations_under_a_resource_need_it(store: Store) -> None:
    with pytest.raises(NotFound):
        store.operations.start(TunedModel, parent="tunedModels/missing")
    # Parents of collections the store does not hold are the service's business.
    assert store.operations.start(TunedModel, parent="models/veo-2").name.startswith(
        "models/veo-2/operations/"
    )


def test_listing_pages_through_the_operations_of_one_parent(store: Store) -> None:
    store.collection("tunedModels").create(TunedModel(), resource_id="t")
    under = [store.operations.start(TunedModel, parent="tunedModels/t", after=5).name for _ in range(5)]
    top = [store.operations.start(TunedModel, after=5).name for _ in range(2)]
    names, token = [], ""
    while True:
        page = store.operations.list("tunedModels/t", page_size=2, page_token=token)
        names += [op.name for op in page.items]  # type: ignore[attr-defined]
        token = page.next_page_token
        if not token:
            break
    assert names == under
    assert [op.name for op in store.operations.list().items] == top  # type: ignore[attr-defined]
    with pytest.raises(InvalidField):
        store.operations.list(
            "", page_token=store.operations.list("tunedModels/t", page_size=1).next_page_token
        )


def test_cancel_and_delete(store: Store, clock: ManualClock) -> None:
    runs: list[str] = []

    def complete(tag: str) -> TunedModel:
        runs.append(tag)
        return TunedModel()

    cancelled = store.operations.start(lambda: complete("cancelled"), after=10)
    deleted = store.operations.start(lambda: complete("deleted"), after=10)
    finished = store.operations.start(lambda: complete("finished"), after=0)
    result = store.operations.cancel(cancelled.name)
    assert result.done
    assert result.error.code == grpc.StatusCode.CANCELLED.value[0]
    assert store.operations.cancel(finished.name) == store.operations.get(finished.name)  # done: unchanged
    store.operations.delete(deleted.name)
    with pytest.raises(NotFound):
        store.operations.get(deleted.name)
    clock.advance(10)
    assert runs == ["finished"]
    assert store.operations.get(cancelled.name).error.code == grpc.StatusCode.CANCELLED.value[0]
    assert store.operations.pending() == 0
