"""The official ModelServiceClient tunes a model on our emulator: CreateTunedModel's operation future
(polled by google-api-core over google.longrunning.Operations on the same channel), the Operations
mixin, and the tuned model's CRUD."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

pytest.importorskip("google.ai.generativelanguage_v1beta")

import grpc
from google.ai import generativelanguage_v1beta as official
from google.ai.generativelanguage_v1beta.services.model_service import transports
from google.api_core import exceptions as api_exceptions
from google.api_core.future import polling
from google.longrunning import operations_pb2
from google.protobuf import field_mask_pb2

from genai.testing import Emulator

METADATA = (("x-goog-api-key", "interop-key"),)
# api-core's own polling, with short delays (its default starts at one second).
POLLING = polling.DEFAULT_POLLING.with_delay(initial=0.01, maximum=0.05)


@pytest.fixture
def models(emulator: Emulator) -> Iterator[official.ModelServiceClient]:
    channel = grpc.insecure_channel(emulator.endpoint)
    try:
        yield official.ModelServiceClient(transport=transports.ModelServiceGrpcTransport(channel=channel))
    finally:
        channel.close()


def _dataset() -> official.Dataset:
    examples = [official.TuningExample(text_input=str(i), output=str(i + 1)) for i in range(3)]
    return official.Dataset(examples=official.TuningExamples(examples=examples))


def test_the_official_client_tunes_a_model_on_the_emulator(models: official.ModelServiceClient) -> None:
    model_id = "interop-" + uuid.uuid4().hex[:10]
    request = official.CreateTunedModelRequest(
        tuned_model_id=model_id,
        tuned_model=official.TunedModel(
            base_model="models/gemini-2.5-flash",
            display_name="Interop",
            tuning_task=official.TuningTask(
                training_data=_dataset(), hyperparameters=official.Hyperparameters(epoch_count=2)
            ),
        ),
    )
    future = models.create_tuned_model(request=request, metadata=METADATA, timeout=5)
    tuned = future.result(timeout=10, polling=POLLING)  # api-core polls GetOperation on the same channel
    assert isinstance(tuned, official.TunedModel)
    assert tuned.name == f"tunedModels/{model_id}" and tuned.state == official.TunedModel.State.ACTIVE
    assert len(tuned.tuning_task.snapshots) == 2
    metadata = future.metadata
    assert isinstance(metadata, official.CreateTunedModelMetadata)
    assert metadata.completed_steps == metadata.total_steps == 2

    operation = models.get_operation(
        operations_pb2.GetOperationRequest(name=future.operation.name), metadata=METADATA
    )
    assert operation.done and operation.name.startswith(f"tunedModels/{model_id}/operations/")
    listed = models.list_operations(
        operations_pb2.ListOperationsRequest(name=f"tunedModels/{model_id}"), metadata=METADATA
    )
    assert [op.name for op in listed.operations] == [operation.name]

    got = models.get_tuned_model(name=tuned.name, metadata=METADATA)
    assert got.display_name == "Interop"
    assert tuned.name in [m.name for m in models.list_tuned_models(metadata=METADATA)]
    updated = models.update_tuned_model(
        tuned_model=official.TunedModel(name=tuned.name, description="from the official client"),
        update_mask=field_mask_pb2.FieldMask(paths=["description"]),
        metadata=METADATA,
    )
    assert updated.description == "from the official client" and updated.display_name == "Interop"
    models.delete_tuned_model(name=tuned.name, metadata=METADATA)
    with pytest.raises(api_exceptions.NotFound):
        models.get_tuned_model(name=tuned.name, metadata=METADATA)


def test_a_failed_tuning_reaches_the_official_future_as_its_error(
    models: official.ModelServiceClient,
) -> None:
    request = official.CreateTunedModelRequest(
        tuned_model=official.TunedModel(
            base_model="models/gemini-2.5-flash", tuning_task=official.TuningTask(training_data=_dataset())
        )
    )
    future = models.create_tuned_model(
        request=request, metadata=(*METADATA, ("x-emulator-tuning-fail", "INTERNAL")), timeout=5
    )
    with pytest.raises(api_exceptions.InternalServerError, match="x-emulator-tuning-fail"):
        future.result(timeout=10, polling=POLLING)
