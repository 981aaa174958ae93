"""The I/O-free operation view: types chosen from the name, unknown Any types tolerated, errors typed."""

from __future__ import annotations

import grpc
import pytest
from google.protobuf import any_pb2
from google.rpc import error_details_pb2, status_pb2

from genai._views.operations import OperationCore, PollPlan, check_operation_name, operation_types
from genai._wire import messages as pb
from genai._wire import rpcs
from genai.errors import (
    APIError,
    NotFoundError,
    OperationNotDoneError,
    UnavailableError,
    from_status,
)

Operation = rpcs.Operations.GetOperation.response


def test_types_come_from_the_name() -> None:
    assert operation_types("tunedModels/a/operations/b") == (pb.CreateTunedModelMetadata, pb.TunedModel)
    assert operation_types("models/veo/operations/b") == (
        pb.PredictLongRunningMetadata,
        pb.PredictLongRunningResponse,
    )
    assert operation_types("batches/x") == (None, None)


def test_tuning_metadata_and_result_are_typed() -> None:
    raw = Operation(name="tunedModels/t/operations/o", done=True)
    raw.metadata.Pack(pb.CreateTunedModelMetadata(total_steps=5, completed_steps=5))
    raw.response.Pack(pb.TunedModel(name="tunedModels/t"))
    op = OperationCore(raw)
    assert isinstance(op.metadata, pb.CreateTunedModelMetadata) and op.metadata.total_steps == 5
    assert isinstance(op.result(), pb.TunedModel) and op.result().name == "tunedModels/t"
    assert op.error is None and "done" in repr(op)


def test_unknown_any_types_are_returned_raw() -> None:
    raw = Operation(name="tunedModels/t/operations/o", done=True)
    raw.metadata.type_url = "type.googleapis.com/some.future.Metadata"
    raw.metadata.value = b"\x08\x01"
    raw.response.type_url = "type.googleapis.com/some.future.Result"
    raw.response.value = b"\x08\x02"
    op = OperationCore(raw)
    assert op.metadata.type_url.endswith("some.future.Metadata") and op.metadata.value == b"\x08\x01"
    assert op.result().type_url.endswith("some.future.Result")


def test_an_api_type_under_an_unknown_name_is_still_unpacked() -> None:
    raw = Operation(name="operations/x", done=True)
    raw.response.Pack(pb.TunedModel(name="tunedModels/t"))
    assert isinstance(OperationCore(raw).result(), pb.TunedModel)


def test_a_failed_operation_raises_the_api_error_class_with_details() -> None:
    status = status_pb2.Status(code=grpc.StatusCode.NOT_FOUND.value[0], message="gone")
    info = any_pb2.Any()
    info.Pack(error_details_pb2.ErrorInfo(reason="GONE", domain="googleapis.com"))
    unknown = any_pb2.Any(type_url="type.googleapis.com/some.Unknown", value=b"\x01")
    status.details.extend([info, unknown])
    raw = Operation(name="tunedModels/t/operations/o", done=True)
    raw.error.ParseFromString(status.SerializeToString())
    op = OperationCore(raw)
    with pytest.raises(NotFoundError) as caught:
        op.result()
    assert caught.value.reason == "GONE" and caught.value.operation_name == op.name
    assert caught.value.details[1].type_url.endswith("some.Unknown")  # kept, not dropped
    assert "failed" in repr(op)


def test_from_status_maps_every_code() -> None:
    for code in grpc.StatusCode:
        if code is grpc.StatusCode.OK:
            continue
        error = from_status(status_pb2.Status(code=code.value[0], message="m"))
        assert isinstance(error, APIError) and error.code is code
    assert isinstance(from_status(status_pb2.Status(code=14)), UnavailableError)


def test_result_before_done_is_a_usage_error() -> None:
    with pytest.raises(OperationNotDoneError, match="wait"):
        OperationCore(Operation(name="tunedModels/t/operations/o")).result()


def test_names_are_checked() -> None:
    assert check_operation_name("operations/abc") == "operations/abc"
    for bad in ("", "tunedModels/x", "tunedModels/x/operations/", "a b/operations/c"):
        with pytest.raises(ValueError, match="name"):
            check_operation_name(bad)
    with pytest.raises(TypeError, match="name"):
        check_operation_name(None)


def test_poll_delays_back_off_with_jitter_and_honour_retry_info() -> None:
    plan = PollPlan(initial=1.0, multiplier=2.0, maximum=5.0, jitter=0.5, rand=lambda: 1.0)
    assert [plan.delay(n) for n in range(4)] == [1.5, 3.0, 6.0, 7.5]
    plan = PollPlan(initial=1.0, jitter=0.0)
    told = UnavailableError("busy")
    told.retry_delay = 9.0
    assert plan.after_failure(told, 0) == 9.0
    assert plan.transient(told) and not plan.transient(NotFoundError("x"))
