"""The RPC table covers every method of every service, exactly as the descriptors say."""

from __future__ import annotations

from genai_protos import _pool, rpcs
from google.protobuf import message_factory

from genai._wire import messages as pb
from genai._wire import rpcs as wire_rpcs

PACKAGE = "google.ai.generativelanguage.v1beta"
SERVICES = (
    "CacheService",
    "DiscussService",
    "FileService",
    "GenerativeService",
    "ModelService",
    "PermissionService",
    "PredictionService",
    "RetrieverService",
    "TextService",
)


def test_every_method_has_its_entry() -> None:
    count = 0
    for name in SERVICES:
        service = _pool.POOL.FindServiceByName(f"{PACKAGE}.{name}")
        table = getattr(wire_rpcs, name)
        for method in service.methods:
            rpc = getattr(table, method.name)
            assert rpc.path == f"/{PACKAGE}.{name}/{method.name}"
            assert rpc.request is message_factory.GetMessageClass(method.input_type)
            assert rpc.response is message_factory.GetMessageClass(method.output_type)
            streaming = (method.client_streaming, method.server_streaming)
            kinds = {(False, False): "unary", (False, True): "server_stream", (True, True): "bidi"}
            assert rpc.kind == kinds[streaming]
            count += 1
    assert count == 58  # the v1beta surface


def test_entries_name_the_classes_genai_uses() -> None:
    generate = rpcs.GenerativeService.GenerateContent
    assert (generate.request, generate.response) == (pb.GenerateContentRequest, pb.GenerateContentResponse)
    assert rpcs.ModelService.GetModel.response is pb.Model
    assert rpcs.GenerativeService.BidiGenerateContent.kind == "bidi"


def test_the_longrunning_operations_service_is_in_the_table() -> None:
    # Operations are polled on the API's own host with google.longrunning.Operations.
    get = wire_rpcs.Operations.GetOperation
    assert get.path == "/google.longrunning.Operations/GetOperation"
    assert get.response.DESCRIPTOR.full_name == "google.longrunning.Operation"
    assert get.response is rpcs.ModelService.CreateTunedModel.response  # one class, the private pool's
    assert wire_rpcs.Operations.ListOperations.kind == "unary"
