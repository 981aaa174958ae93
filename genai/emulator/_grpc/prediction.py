"""PredictionService over gRPC: Predict answers at once (`_predict`), PredictLongRunning starts an
operation, `models/<model>/operations/<id>`, that finishes on the store's clock."""

from __future__ import annotations

from typing import Any

from genai_protos import prediction_service_pb2, prediction_service_pb2_grpc

from .. import _predict
from .._backend import Backend
from .._store import answering
from .registry import Context, call_of

ps = prediction_service_pb2
SERVICE = "PredictionService"


class PredictionServicer(prediction_service_pb2_grpc.PredictionServiceServicer):
    """Deterministic image predictions and video jobs on the store's clock."""

    def __init__(self, backend: Backend) -> None:
        self._backend = backend
        self._prelude = backend.prelude
        self._store = backend.store

    async def Predict(self, request: ps.PredictRequest, context: Context) -> ps.PredictResponse:
        await self._prelude.begin(call_of(SERVICE, "Predict", request, context))
        return _predict.predict(request)

    async def PredictLongRunning(self, request: ps.PredictLongRunningRequest, context: Context) -> Any:
        call = call_of(SERVICE, "PredictLongRunning", request, context)
        await self._prelude.begin(call)
        job = _predict.plan_video(request, call.metadata)
        backend = self._backend

        def complete() -> ps.PredictLongRunningResponse:
            return job.complete(backend.videos, backend.http_endpoint)

        with answering("PredictLongRunningRequest"):
            return self._store.operations.start(
                complete, parent=request.model, after=job.seconds, metadata=ps.PredictLongRunningMetadata()
            )
