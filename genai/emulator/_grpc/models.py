"""ModelService over gRPC: GetModel and ListModels from the store's `models` collection.

Tuned models arrive with their own issue (on the store, with long-running operations); until then
their methods answer UNIMPLEMENTED.
"""

from __future__ import annotations

from typing import Any, cast

import grpc
from genai_protos import model_pb2, model_service_pb2, model_service_pb2_grpc, tuned_model_pb2

from .._backend import Backend
from .._status import RpcFailure, invalid_argument, unimplemented
from .._store import NotFound, answering
from .registry import Context, call_of

ms = model_service_pb2
SERVICE = "ModelService"


class ModelServicer(model_service_pb2_grpc.ModelServiceServicer):
    """The catalog of base models; tuned models are not emulated yet."""

    def __init__(self, backend: Backend) -> None:
        self._prelude = backend.prelude
        self._models = backend.models

    async def GetModel(self, request: ms.GetModelRequest, context: Context) -> model_pb2.Model:
        await self._prelude.begin(call_of(SERVICE, "GetModel", request, context))
        if not request.name.startswith("models/") or request.name == "models/":
            raise invalid_argument(
                "GetModelRequest", [("name", 'expected a model name like "models/gemini-2.5-flash"')]
            )
        try:
            model = self._models.get(request.name)
        except NotFound:
            raise RpcFailure(
                grpc.StatusCode.NOT_FOUND, f"Model is not found: {request.name} for api version v1beta"
            ) from None
        assert isinstance(model, model_pb2.Model)
        return model

    async def ListModels(self, request: ms.ListModelsRequest, context: Context) -> ms.ListModelsResponse:
        await self._prelude.begin(call_of(SERVICE, "ListModels", request, context))
        with answering("ListModelsRequest"):
            page = self._models.list(page_size=request.page_size, page_token=request.page_token)
        models = cast("list[model_pb2.Model]", page.items)  # the collection holds only Models
        return ms.ListModelsResponse(models=models, next_page_token=page.next_page_token)

    async def GetTunedModel(
        self, request: ms.GetTunedModelRequest, context: Context
    ) -> tuned_model_pb2.TunedModel:
        raise unimplemented(SERVICE, "GetTunedModel")

    async def ListTunedModels(
        self, request: ms.ListTunedModelsRequest, context: Context
    ) -> ms.ListTunedModelsResponse:
        raise unimplemented(SERVICE, "ListTunedModels")

    async def CreateTunedModel(self, request: ms.CreateTunedModelRequest, context: Context) -> Any:
        raise unimplemented(SERVICE, "CreateTunedModel")

    async def UpdateTunedModel(
        self, request: ms.UpdateTunedModelRequest, context: Context
    ) -> tuned_model_pb2.TunedModel:
        raise unimplemented(SERVICE, "UpdateTunedModel")

    async def DeleteTunedModel(self, request: ms.DeleteTunedModelRequest, context: Context) -> Any:
        raise unimplemented(SERVICE, "DeleteTunedModel")
