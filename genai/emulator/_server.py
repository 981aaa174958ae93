"""EmulatorServer: wires the servicers into a grpc.aio server on loopback."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
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

from ._registry import Running, add_servicer
from ._servicers import GenerativeServicer, ModelServicer, abort
from ._state import EmulatorOptions, ServerState
from ._status import unimplemented
from ._work import Workers

PACKAGE = "google.ai.generativelanguage.v1beta"
LAST_RESORT_SECONDS = 2.0  # after the grace period, before grpc cancels calls that did not end
MAX_MESSAGE_BYTES = 64 * 1024 * 1024
MAX_PORT = 65535

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


def check_port(port: object) -> int:
    """`port` if it is an int in 0..65535 (0 = any free port); ValueError otherwise.

    grpc would silently wrap 70000 to 4464, so out-of-range ports are refused before binding.
    """
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= MAX_PORT:
        raise ValueError(f"port must be an integer between 0 and {MAX_PORT}, got {port!r}")
    return port


def quiet_stray_completions(loop: asyncio.AbstractEventLoop) -> None:
    """Drop grpc completions for event loops that are already closed, instead of logging a traceback.

    grpc.aio delivers every completion through the loop that first used grpc.aio in the process and
    forwards those of other loops with call_soon_threadsafe. When that first loop is the emulator's
    and a client's loop closes with calls still winding down (cancelled streams, say), forwarding
    fails with "Event loop is closed" and the emulator's loop printed the traceback. Nothing can
    receive those completions any more, so they are dropped; everything else goes to the handler
    that was there before.
    """
    previous = loop.get_exception_handler()

    def handle(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if _is_stray_completion(context):
            return
        if previous is not None:
            previous(loop, context)
        else:
            loop.default_exception_handler(context)

    loop.set_exception_handler(handle)


def _is_stray_completion(context: dict[str, Any]) -> bool:
    error = context.get("exception")
    if not isinstance(error, RuntimeError) or str(error) != "Event loop is closed":
        return False
    callback = getattr(context.get("handle"), "_callback", None)
    while isinstance(callback, functools.partial):  # newer grpc binds the loop to the reader callback
        callback = callback.func
    return type(getattr(callback, "__self__", None)).__name__ == "PollerCompletionQueue"


def format_endpoint(host: str, port: int) -> str:
    """host:port, with IPv6 literals in brackets."""
    return f"[{host}]:{port}" if ":" in host and not host.startswith("[") else f"{host}:{port}"


if TYPE_CHECKING:
    _HandlerBase = grpc.GenericRpcHandler[Any, Any]
else:  # generic only in the type stubs
    _HandlerBase = grpc.GenericRpcHandler


class _Unimplemented(_HandlerBase):
    """Answers every method of the API's other services with a clear UNIMPLEMENTED."""

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


class EmulatorServer:
    """An in-memory Gemini API (v1beta gRPC) server; start it on a running asyncio loop.

    All state (options, call records, counters) belongs to this object, so several servers can run
    side by side in one process.
    """

    def __init__(
        self, host: str = "127.0.0.1", port: int = 0, options: EmulatorOptions | None = None
    ) -> None:
        self.host = host
        self._requested_port = check_port(port)
        self.options = options if options is not None else EmulatorOptions()
        self.state = ServerState(self.options.max_recorded_calls)
        self._port = 0
        self._server: grpc.aio.Server | None = None
        self._running = Running()
        self._workers = Workers()

    @property
    def port(self) -> int:
        """The bound port (0 before start)."""
        return self._port

    @property
    def endpoint(self) -> str:
        """The "host:port" to dial (raises before start)."""
        if not self._port:
            raise RuntimeError("the emulator server has not been started")
        return format_endpoint(self.host, self._port)

    async def start(self) -> str:
        """Bind, start serving, and return the endpoint."""
        if self._server is not None:
            raise RuntimeError("the emulator server is already started")
        server = grpc.aio.server(options=_SERVER_OPTIONS)
        self._running = running = Running()  # fresh: a server may be started again after a stop
        workers = self._workers

        async def offload(work: Callable[[], Any]) -> Any:
            return await running.until(workers.submit(work))

        add_servicer(
            server,
            f"{PACKAGE}.GenerativeService",
            GenerativeServicer(self.options, self.state, running, offload),
            offload,
        )
        add_servicer(
            server, f"{PACKAGE}.ModelService", ModelServicer(self.options, self.state, running), offload
        )
        server.add_generic_rpc_handlers([_Unimplemented()])
        address = format_endpoint(self.host, self._requested_port)
        try:
            port = server.add_insecure_port(address)
        except RuntimeError as exc:
            raise OSError(f"could not bind {address}: {exc}") from exc
        if port == 0:
            raise OSError(f"could not bind {address}")
        await server.start()
        self._server = server
        self._port = port
        return self.endpoint

    async def stop(self, grace: float | None = 1.0) -> None:
        """Stop accepting calls; running calls get `grace` seconds, then end with UNAVAILABLE."""
        server, self._server = self._server, None
        if server is None:
            return
        wait = max(grace or 0.0, 0.0)
        shutdown = asyncio.ensure_future(server.stop(wait + LAST_RESORT_SECONDS))
        await asyncio.wait({shutdown}, timeout=wait)
        if not shutdown.done():
            self._running.interrupt()
        await shutdown
        self._workers.close()

    async def wait_for_termination(self) -> None:
        """Wait until the server stops."""
        if self._server is not None:
            await self._server.wait_for_termination()
