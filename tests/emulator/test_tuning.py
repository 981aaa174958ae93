"""Tuned models in the emulator: a job's progress on a manual clock, the checks of CreateTunedModel,
and google.longrunning.Operations' own checks (over real gRPC)."""

from __future__ import annotations

import grpc
import pytest
from genai_protos import model_service_pb2, rpcs, tuned_model_pb2
from genai_protos.model_service_pb2_grpc import ModelServiceStub

from genai.emulator import _collections, _tuning
from genai.emulator._clock import NANOS, ManualClock
from genai.emulator._status import RpcFailure
from genai.emulator._store import Store
from tests.emulator._helpers import TIMEOUT, violations

ms = model_service_pb2
tm = tuned_model_pb2


def _request(count: int = 6, **hyper: int) -> ms.CreateTunedModelRequest:
    examples = [tm.TuningExample(text_input=f"in {i}", output=f"out {i}") for i in range(count)]
    task = tm.TuningTask(
        training_data=tm.Dataset(examples=tm.TuningExamples(examples=examples)),
        hyperparameters=tm.Hyperparameters(**hyper),
    )
    return ms.CreateTunedModelRequest(
        tuned_model=tm.TunedModel(base_model="models/gemini-2.5-flash", tuning_task=task)
    )


def test_a_job_progresses_step_by_step_on_the_clock() -> None:
    clock = ManualClock()
    store = Store(clock)
    store.register(_collections.TUNED_MODELS)
    now = clock.now_ns()
    job = _tuning.plan(
        _request(6, epoch_count=3, batch_size=4), "tunedModels/t", now, {"x-emulator-tuning-step": "10"}
    )
    assert (job.total_steps, job.steps_per_epoch, job.seconds) == (6, 2, 60.0)  # 3 epochs of ceil(6/4)
    op = store.operations.start(
        lambda: tm.TunedModel(name="tunedModels/t"), after=job.seconds, progress=job.progress
    )
    seen = []
    for _ in range(7):
        current = store.operations.get(op.name)
        metadata = ms.CreateTunedModelMetadata()
        current.metadata.Unpack(metadata)
        seen.append((metadata.completed_steps, len(metadata.snapshots), current.done))
        clock.advance(10)
    assert seen == [
        (0, 0, False),
        (1, 1, False),
        (2, 2, False),
        (3, 3, False),
        (4, 4, False),
        (5, 5, False),
        (6, 6, True),
    ]
    metadata = ms.CreateTunedModelMetadata()
    store.operations.get(op.name).metadata.Unpack(metadata)
    assert [s.epoch for s in metadata.snapshots] == [1, 1, 2, 2, 3, 3]
    assert metadata.snapshots[-1].compute_time.ToNanoseconds() == now + 60 * NANOS
    losses = [s.mean_loss for s in metadata.snapshots]
    assert losses == sorted(losses, reverse=True)  # the loss falls as training goes on
    assert metadata.completed_percent == pytest.approx(100.0)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda r: r.tuned_model.ClearField("base_model"), "tuned_model.base_model"),
        (lambda r: setattr(r.tuned_model, "base_model", "models/nope"), "tuned_model.base_model"),
        (
            lambda r: r.tuned_model.tuning_task.ClearField("training_data"),
            "tuned_model.tuning_task.training_data",
        ),
        (
            lambda r: setattr(r.tuned_model.tuning_task.training_data.examples.examples[1], "output", ""),
            "tuned_model.tuning_task.training_data.examples.examples[1].output",
        ),
        (
            lambda r: setattr(r.tuned_model.tuning_task.hyperparameters, "epoch_count", -1),
            "tuned_model.tuning_task.hyperparameters.epoch_count",
        ),
    ],
)
def test_bad_creates_are_invalid_argument_naming_the_field(
    models: ModelServiceStub, change: object, field: str
) -> None:
    request = _request(2)
    change(request)  # type: ignore[operator]
    with pytest.raises(grpc.RpcError) as caught:
        models.CreateTunedModel(request, timeout=TIMEOUT)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT  # type: ignore[attr-defined]
    assert field in violations(caught.value)


def test_bad_tuning_knobs_are_invalid_argument() -> None:
    with pytest.raises(RpcFailure, match="invalid tuning knob"):
        _tuning.plan(_request(), "tunedModels/t", 0, {"x-emulator-tuning-fail": "NOPE"})
    with pytest.raises(RpcFailure, match="invalid tuning knob"):
        _tuning.plan(_request(), "tunedModels/t", 0, {"x-emulator-tuning-step": "-1"})


def test_a_duplicate_id_is_already_exists(models: ModelServiceStub) -> None:
    request = _request(1)
    request.tuned_model_id = "dup-check"
    models.CreateTunedModel(request, timeout=TIMEOUT)
    with pytest.raises(grpc.RpcError) as caught:
        models.CreateTunedModel(request, timeout=TIMEOUT)
    assert caught.value.code() == grpc.StatusCode.ALREADY_EXISTS  # type: ignore[attr-defined]


def _unary(channel: grpc.Channel, rpc: rpcs.Rpc, request: object) -> object:  # type: ignore[type-arg]
    call = channel.unary_unary(
        rpc.path,
        request_serializer=lambda m: m.SerializeToString(),
        response_deserializer=rpc.response.FromString,
    )
    return call(request, timeout=TIMEOUT)


@pytest.mark.parametrize(
    ("rpc", "name"),
    [
        (rpcs.Operations.GetOperation, "tunedModels/x"),
        (rpcs.Operations.ListOperations, "cachedContents/x"),
        (rpcs.Operations.ListOperations, "tunedModels/x/operations/y"),
    ],
)
def test_operations_refuse_names_of_the_wrong_shape(channel: grpc.Channel, rpc: rpcs.Rpc, name: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(grpc.RpcError) as caught:
        _unary(channel, rpc, rpc.request(name=name))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT  # type: ignore[attr-defined]
    assert "name" in violations(caught.value)


def test_an_unknown_operation_is_not_found(channel: grpc.Channel) -> None:
    rpc = rpcs.Operations.GetOperation
    with pytest.raises(grpc.RpcError) as caught:
        _unary(channel, rpc, rpc.request(name="tunedModels/x/operations/nope"))
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND  # type: ignore[attr-defined]
