"""ModelService over gRPC: the catalog (GetModel, ListModels) from the store's `models` collection,
and tuned models from its `tunedModels` collection: CreateTunedModel starts a long-running operation
(`tunedModels/<id>/operations/<id>`) that trains on the store's clock (`_tuning`), polled with
google.longrunning.Operations (`operations`).
"""

from __future__ import annotations

from typing import Any, cast

import grpc
from genai_protos import model_pb2, model_service_pb2, model_service_pb2_grpc, rpcs, tuned_model_pb2

from .. import _tuning
from .._backend import Backend
from .._status import RpcFailure, invalid_argument
from .._store import NotFound, answering
from .registry import Context, call_of

ms = model_service_pb2
SERVICE = "ModelService"


class ModelServicer(model_service_pb2_grpc.ModelServiceServicer):
    """The catalog of base models, and tuned models trained on the store's clock."""

    def __init__(self, backend: Backend) -> None:
        self._prelude = backend.prelude
        self._models = backend.models
        self._tuned = backend.tuned_models
        self._store = backend.store

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

    # -- tuned models (genai.emulator._tuning trains them on the store's clock) ------------------

    async def GetTunedModel(
        self, request: ms.GetTunedModelRequest, context: Context
    ) -> tuned_model_pb2.TunedModel:
        await self._prelude.begin(call_of(SERVICE, "GetTunedModel", request, context))
        with answering("GetTunedModelRequest"):
            self._tuned.id_of(request.name, "name")
            found = self._tuned.get(request.name)
        assert isinstance(found, tuned_model_pb2.TunedModel)
        return found

    async def ListTunedModels(
        self, request: ms.ListTunedModelsRequest, context: Context
    ) -> ms.ListTunedModelsResponse:
        await self._prelude.begin(call_of(SERVICE, "ListTunedModels", request, context))
        with answering("ListTunedModelsRequest"):
            page = self._tuned.list(
                page_size=request.page_size, page_token=request.page_token, query=request.filter
            )
        models = cast("list[tuned_model_pb2.TunedModel]", page.items)
        return ms.ListTunedModelsResponse(tuned_models=models, next_page_token=page.next_page_token)

    async def CreateTunedModel(self, request: ms.CreateTunedModelRequest, context: Context) -> Any:
        call = call_of(SERVICE, "CreateTunedModel", request, context)
        await self._prelude.begin(call)
        _tuning.check(request)
        now = self._store.clock.now_ns()
        model = tuned_model_pb2.TunedModel()
        model.CopyFrom(request.tuned_model)
        model.state = tuned_model_pb2.TunedModel.State.CREATING
        model.tuning_task.ClearField("snapshots")
        model.tuning_task.ClearField("complete_time")
        model.tuning_task.start_time.FromNanoseconds(now)
        with answering(_tuning.REQUEST):
            created = self._tuned.create(
                model,
                resource_id=request.tuned_model_id if request.HasField("tuned_model_id") else "",
                field="tuned_model",
                id_field="tuned_model_id",
            )
            job = _tuning.plan(request, created.name, now, call.metadata)
            return self._store.operations.start(
                lambda: self._finish(job),
                parent=created.name,
                after=job.seconds,
                progress=job.progress,
            )

    def _finish(self, job: _tuning.Job) -> tuned_model_pb2.TunedModel:
        """The last step of a job (under the store's lock): the model turns ACTIVE, or FAILED."""
        try:
            model = self._tuned.get(job.name)
        except NotFound:
            raise RpcFailure(grpc.StatusCode.NOT_FOUND, f"{job.name} was deleted while tuning.") from None
        assert isinstance(model, tuned_model_pb2.TunedModel)
        end = job.start_ns + job.total_steps * job.step_ns
        model.tuning_task.complete_time.FromNanoseconds(end)
        del model.tuning_task.snapshots[:]
        model.tuning_task.snapshots.extend(job.snapshots(end))
        failed = job.fail is not None
        state = tuned_model_pb2.TunedModel.State
        model.state = state.FAILED if failed else state.ACTIVE
        model.update_time.FromNanoseconds(end)
        self._tuned.replace(model)
        if failed:
            raise _tuning.failure(job)
        return model

    async def UpdateTunedModel(
        self, request: ms.UpdateTunedModelRequest, context: Context
    ) -> tuned_model_pb2.TunedModel:
        await self._prelude.begin(call_of(SERVICE, "UpdateTunedModel", request, context))
        with answering("UpdateTunedModelRequest"):
            self._tuned.id_of(request.tuned_model.name, "tuned_model.name")
            return self._tuned.update(request.tuned_model, request.update_mask.paths, field="tuned_model")

    async def DeleteTunedModel(self, request: ms.DeleteTunedModelRequest, context: Context) -> Any:
        await self._prelude.begin(call_of(SERVICE, "DeleteTunedModel", request, context))
        with answering("DeleteTunedModelRequest"):
            self._tuned.id_of(request.name, "name")
            self._tuned.delete(request.name)
        return rpcs.ModelService.DeleteTunedModel.response()
