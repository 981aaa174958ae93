"""The gRPC front end: a grpc.aio server with every service of SERVICERS, on one port."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import grpc
from genai_protos import (  # noqa: F401  (the imports load every service into the private pool)
    _pool,
    cache_service_pb2,
    discuss_service_pb2,
    file_service_pb2,
    generative_service_pb2,
    model_service_pb2,
    permission_service_pb2,
    prediction_service_pb2,
    retriever_service_pb2,
    text_service_pb2,
)

from .._backend import Backend
from .._status import unimplemented
from .registry import abort, add_servicer
from .services import OTHER_SERVICERS, PACKAGE, SERVICERS

MAX_MESSAGE_BYTES = 64 * 1024 * 1024

_SERVER_OPTIONS = [
    ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
    ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
    # Without this a second server could silently share a fixed port with the first.
    ("grpc.so_reuseport", 0),
    # Accept client keepalive pings at any rate, with or without calls in flight. grpc's defaults
    # allow an idle client one ping per two hours (one per five minutes with calls) and answer a
    # third early ping with GOAWAY "too_many_pings"; a loopback test server has nothing to protect.
    ("grpc.keepalive_permit_without_calls", 1),
    ("grpc.http2.min_recv_ping_interval_without_data_ms", 0),
    ("grpc.http2.max_ping_strikes", 0),
]

if TYPE_CHECKING:
    _HandlerBase = grpc.GenericRpcHandler[Any, Any]
else:  # generic only in the type stubs
    _HandlerBase = grpc.GenericRpcHandler


class _Unimplemented(_HandlerBase):
    """Answers every method of the API's services without a servicer with a clear UNIMPLEMENTED."""

    def service(
        self, handler_call_details: grpc.HandlerCallDetails
    ) -> grpc.RpcMethodHandler[Any, Any] | None:
        service_name, _, method_name = handler_call_details.method.lstrip("/").partition("/")
        if not service_name.startswith(PACKAGE + "."):
            return None
        try:
            method = _pool.POOL.FindServiceByName(service_name).methods_by_name[method_name]
        except KeyError:
            return None
        failure = unimplemented(service_name.rpartition(".")[2], method_name)

        async def handler(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> None:
            await abort(context, failure)

        if method.client_streaming and method.server_streaming:
            return grpc.stream_stream_rpc_method_handler(handler)
        if method.client_streaming:
            return grpc.stream_unary_rpc_method_handler(handler)
        if method.server_streaming:
            return grpc.unary_stream_rpc_method_handler(handler)
        return grpc.unary_unary_rpc_method_handler(handler)


class GrpcFrontEnd:
    """Serves the backend over plaintext gRPC (HTTP/2) on one port."""

    name = "grpc"

    def __init__(self, backend: Backend) -> None:
        self._backend = backend
        self._server: grpc.aio.Server | None = None

    async def start(self, address: str) -> int:
        """Bind `address` ("host:port", port 0 = a free one), start serving, return the bound port.

        OSError when the address cannot be bound.
        """
        server = grpc.aio.server(options=_SERVER_OPTIONS)
        for short_name, servicer in SERVICERS.items():
            if servicer is not None:
                name = f"{PACKAGE}.{short_name}"
                add_servicer(server, name, servicer(self._backend), self._backend.offload)
        for name, other in OTHER_SERVICERS.items():
            add_servicer(server, name, other(self._backend), self._backend.offload)
        server.add_generic_rpc_handlers([_Unimplemented()])
        try:
            port = server.add_insecure_port(address)
        except RuntimeError as exc:
            raise OSError(f"could not bind {address}: {exc}") from exc
        if port == 0:
            raise OSError(f"could not bind {address}")
        await server.start()
        self._server = server
        return port

    async def stop(self, timeout: float) -> None:
        """Stop accepting calls; grpc cancels calls still running after `timeout` seconds."""
        server, self._server = self._server, None
        if server is not None:
            await server.stop(timeout)

    async def wait_for_termination(self) -> None:
        """Wait until the server stops."""
        if self._server is not None:
            await self._server.wait_for_termination()
