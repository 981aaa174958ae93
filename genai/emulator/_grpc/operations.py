"""google.longrunning.Operations over gRPC, on the store's table of operations.

The API serves it on its own host for the operations of its resources: GetOperation for any of
them (`tunedModels/*/operations/*`, `models/*/operations/*`, ...), ListOperations under a tuned
model or a model (`name` is the parent, as in the API's REST mapping). It does not offer
CancelOperation, DeleteOperation or WaitOperation for these resources, and neither does the
emulator: they answer UNIMPLEMENTED.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from .._backend import Backend
from .._status import invalid_argument, unimplemented
from .._store import answering
from .registry import Context, call_of

if TYPE_CHECKING:
    from google.longrunning.operations_proto_pb2 import (
        GetOperationRequest,
        ListOperationsRequest,
        ListOperationsResponse,
        Operation,
    )
else:  # the messages of genai's private descriptor pool, which the registration parses into
    from genai_protos._deps.google_longrunning_operations_proto_pb2 import ListOperationsResponse

SERVICE = "Operations"
SERVICE_NAME = "google.longrunning.Operations"
_LISTABLE = ("tunedModels/", "models/")


class OperationsServicer:
    """GetOperation and ListOperations; the other methods are not part of the API for these resources."""

    def __init__(self, backend: Backend) -> None:
        self._prelude = backend.prelude
        self._operations = backend.store.operations

    async def GetOperation(self, request: GetOperationRequest, context: Context) -> Operation:
        await self._prelude.begin(call_of(SERVICE, "GetOperation", request, context))
        name = request.name
        if not (name.startswith("operations/") or "/operations/" in name):
            raise invalid_argument(
                "GetOperationRequest",
                [("name", 'expected an operation name like "tunedModels/my-model/operations/abc"')],
            )
        with answering("GetOperationRequest"):
            return self._operations.get(name)

    async def ListOperations(
        self, request: ListOperationsRequest, context: Context
    ) -> ListOperationsResponse:
        await self._prelude.begin(call_of(SERVICE, "ListOperations", request, context))
        parent = request.name
        if not parent.startswith(_LISTABLE) or parent.count("/") != 1:
            raise invalid_argument(
                "ListOperationsRequest",
                [("name", 'expected the parent of the operations, like "tunedModels/my-model"')],
            )
        with answering("ListOperationsRequest"):
            page = self._operations.list(
                parent, page_size=request.page_size, page_token=request.page_token, query=request.filter
            )
        return ListOperationsResponse(
            operations=cast("list[Operation]", page.items), next_page_token=page.next_page_token
        )

    async def CancelOperation(self, request: Any, context: Context) -> Any:
        raise unimplemented(SERVICE, "CancelOperation")

    async def DeleteOperation(self, request: Any, context: Context) -> Any:
        raise unimplemented(SERVICE, "DeleteOperation")

    async def WaitOperation(self, request: Any, context: Context) -> Any:
        raise unimplemented(SERVICE, "WaitOperation")
