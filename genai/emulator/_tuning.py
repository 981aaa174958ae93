"""Tuning jobs: CreateTunedModel checked, then a long-running operation that trains on the store's clock.

    job = plan(request, knobs)                 # RpcFailure for a bad request
    job.progress(now_ns).completed_steps       # how far it is at that time

A job has `epoch_count * ceil(examples / batch_size)` steps (the API's defaults: 5 epochs, batches
of 4), each `step_seconds` of clock time long (TUNING_STEP_SECONDS, or the `x-emulator-tuning-step`
header of the create call). The operation's metadata (CreateTunedModelMetadata) reports the steps
done so far and one snapshot per step, with a mean loss that falls deterministically; when the last
step is done the tuned model turns ACTIVE, or, with `x-emulator-tuning-fail: CODE` on the create
call, FAILED and the operation ends with that status (and an ErrorInfo naming the knob).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import grpc
from genai_protos import model_service_pb2, tuned_model_pb2

from . import _catalog
from ._clock import NANOS, seconds_ns
from ._knobs import parse_seconds
from ._status import RpcFailure, error_info, invalid_argument
from ._store import NotFound, ResourceCollection

TUNING_STEP = "x-emulator-tuning-step"
TUNING_FAIL = "x-emulator-tuning-fail"
TUNING_STEP_SECONDS = 0.02
DEFAULT_EPOCHS = 5
DEFAULT_BATCH = 4
MAX_EXAMPLES = 100_000
REQUEST = "CreateTunedModelRequest"
FAILED_REASON = "EMULATOR_TUNING_FAILED"


def _header(metadata: Mapping[str, str | bytes], name: str) -> str | None:
    value = metadata.get(name)
    if value is None:
        return None
    return (value.decode("utf-8", "replace") if isinstance(value, bytes) else value).strip()


@dataclass(frozen=True)
class Job:
    """One tuning job: its steps, how long each takes, and whether it is to fail (and how)."""

    name: str
    start_ns: int
    total_steps: int
    steps_per_epoch: int
    step_ns: int
    fail: grpc.StatusCode | None

    @property
    def seconds(self) -> float:
        """The clock time the whole job takes."""
        return self.total_steps * self.step_ns / NANOS

    def steps_at(self, now: int) -> int:
        if self.step_ns == 0:
            return self.total_steps
        return min(self.total_steps, max(0, (now - self.start_ns) // self.step_ns))

    def snapshots(self, now: int) -> list[tuned_model_pb2.TuningSnapshot]:
        done = self.steps_at(now)
        shots = []
        for step in range(1, done + 1):
            shot = tuned_model_pb2.TuningSnapshot(
                step=step,
                epoch=(step - 1) // self.steps_per_epoch + 1,
                mean_loss=round(2.0 / (1.0 + 0.5 * step), 4),
            )
            shot.compute_time.FromNanoseconds(self.start_ns + step * self.step_ns)
            shots.append(shot)
        return shots

    def progress(self, now: int) -> model_service_pb2.CreateTunedModelMetadata:
        """The operation's metadata as of `now` (ns)."""
        done = self.steps_at(now)
        return model_service_pb2.CreateTunedModelMetadata(
            tuned_model=self.name,
            total_steps=self.total_steps,
            completed_steps=done,
            completed_percent=100.0 * done / self.total_steps,
            snapshots=self.snapshots(now),
        )


def check(request: model_service_pb2.CreateTunedModelRequest) -> None:
    """INVALID_ARGUMENT (with a BadRequest naming the fields) for a request the API would refuse."""
    model = request.tuned_model
    violations: list[tuple[str, str]] = []
    if model.HasField("tuned_model_source"):
        violations.append(("tuned_model.tuned_model_source", "tuning a tuned model is not supported here"))
    elif not model.base_model:
        violations.append(("tuned_model.base_model", "the base model is required"))
    else:
        entry = _catalog.find(model.base_model)
        # Any catalog model that generates can be tuned here (the catalog lists no tuning models).
        if entry is None or not entry.supports("generateContent"):
            violations.append(
                ("tuned_model.base_model", f"{model.base_model} is not a model that can be tuned")
            )
    task = model.tuning_task
    examples = task.training_data.examples.examples
    data = "tuned_model.tuning_task.training_data"
    if not examples:
        violations.append((data, "at least one training example is required"))
    elif len(examples) > MAX_EXAMPLES:
        violations.append((data, f"at most {MAX_EXAMPLES} examples"))
    for i, example in enumerate(examples):
        where = f"tuned_model.tuning_task.training_data.examples.examples[{i}]"
        if not example.text_input:
            violations.append((f"{where}.text_input", "the input text is required"))
        if not example.output:
            violations.append((f"{where}.output", "the output text is required"))
        if len(violations) >= 10:
            break
    hyper = task.hyperparameters
    if hyper.HasField("epoch_count") and hyper.epoch_count <= 0:
        violations.append(("tuned_model.tuning_task.hyperparameters.epoch_count", "must be positive"))
    if hyper.HasField("batch_size") and hyper.batch_size <= 0:
        violations.append(("tuned_model.tuning_task.hyperparameters.batch_size", "must be positive"))
    if violations:
        raise invalid_argument(REQUEST, violations)


def plan(
    request: model_service_pb2.CreateTunedModelRequest,
    name: str,
    now: int,
    metadata: Mapping[str, str | bytes],
) -> Job:
    """The job for a checked request, its timing and failure read from the create call's headers."""
    step_seconds = TUNING_STEP_SECONDS
    fail: grpc.StatusCode | None = None
    try:
        text = _header(metadata, TUNING_STEP)
        if text is not None:
            step_seconds = parse_seconds(text)
        text = _header(metadata, TUNING_FAIL)
        if text is not None:
            fail = grpc.StatusCode.__members__.get(text.upper())
            if fail is None or fail is grpc.StatusCode.OK:
                raise ValueError(f"unknown or non-error status code {text!r}")
    except ValueError as exc:
        raise RpcFailure(grpc.StatusCode.INVALID_ARGUMENT, f"invalid tuning knob: {exc}") from None
    task = request.tuned_model.tuning_task
    hyper = task.hyperparameters
    epochs = hyper.epoch_count if hyper.HasField("epoch_count") else DEFAULT_EPOCHS
    batch = hyper.batch_size if hyper.HasField("batch_size") else DEFAULT_BATCH
    per_epoch = max(1, math.ceil(len(task.training_data.examples.examples) / batch))
    return Job(name, now, epochs * per_epoch, per_epoch, seconds_ns(step_seconds), fail)


def failure(job: Job) -> RpcFailure:
    """The error a job asked to fail ends with."""
    assert job.fail is not None
    return RpcFailure(
        job.fail,
        f"Tuning {job.name} failed (injected by the genai emulator: {TUNING_FAIL}).",
        [error_info(FAILED_REASON, {"tuned_model": job.name, "code": job.fail.name})],
    )


def resolve_tuned(tuned: ResourceCollection, name: str, method: str) -> _catalog.CatalogEntry:
    """The catalog entry a tuned model answers `method` with (its base model's), or the API's error:
    NOT_FOUND for an unknown model, FAILED_PRECONDITION while it is not ACTIVE."""
    try:
        model = tuned.get(name)
    except NotFound:
        raise RpcFailure(grpc.StatusCode.NOT_FOUND, f"Tuned model {name} is not found.") from None
    assert isinstance(model, tuned_model_pb2.TunedModel)
    if model.state != tuned_model_pb2.TunedModel.State.ACTIVE:
        state = tuned_model_pb2.TunedModel.State.Name(model.state)
        raise RpcFailure(
            grpc.StatusCode.FAILED_PRECONDITION, f"Tuned model {name} is not ready: its state is {state}."
        )
    entry = _catalog.find(model.base_model)
    if entry is None or not entry.supports(method):
        raise RpcFailure(grpc.StatusCode.NOT_FOUND, f"{name} does not support {method}.")
    return entry
