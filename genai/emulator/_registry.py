"""Registering the servicers, and the life of their calls: parsing, undecodable requests, shutdown.

* grpc calls the request deserializer on the event loop. A request over INLINE_BYTES is not parsed
  there (a 15 MB message of small parts takes a quarter of a second): the deserializer hands over a
  `Pending` request, which the handler's wrapper parses on a worker thread. The deserializer also
  notes the request's size for the call (`received_bytes`), so that nothing has to measure a
  large message on the loop again.
* With the generated registration, grpc calls `Request.FromString` itself and answers a DecodeError
  (for example a schema nested past protobuf's limit of 100 levels) with UNKNOWN "Unexpected <class
  'google.protobuf.message.DecodeError'>". Here the handler gets an `Undecodable` instead and
  answers with a clear INVALID_ARGUMENT.
* `Running` tells the calls in progress when the grace period of a stop has run out; they then
  answer UNAVAILABLE themselves at their next wait or chunk, and grpc's shutdown completes once
  they have. grpc's own way, cancelling every call, left their tasks unwinding after stop()
  returned, and a loop closed right then cancelled them again: grpc printed a CancelledError
  traceback for each (and each client logged a GOAWAY line). Cancelling the handler tasks instead
  would hit some inside grpc's sending code, which then never sends a status.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable
from contextvars import ContextVar
from typing import Any, TypeVar

import grpc
from genai_protos import _pool
from google.protobuf import message_factory
from google.protobuf.message import DecodeError, Message

from ._status import RpcFailure

T = TypeVar("T")
SHUTTING_DOWN = "The genai emulator is shutting down."
INLINE_BYTES = 16 * 1024  # larger requests are parsed (and handled) on a worker thread
Context = grpc.aio.ServicerContext[Any, Any]
Offload = Callable[[Callable[[], Any]], Awaitable[Any]]  # runs work on a worker thread

# grpc deserializes a request in the task that then runs its handler, so this is per call.
_RECEIVED: ContextVar[int] = ContextVar("genai_emulator_received_bytes", default=-1)


def received_bytes() -> int:
    """The serialized size of the current call's request (-1 outside a served call)."""
    return _RECEIVED.get()


class Undecodable:
    """Stands in for a request that could not be parsed."""

    def __init__(self, type_name: str, error: DecodeError) -> None:
        self.type_name = type_name
        self.error = str(error)

    def failure(self) -> RpcFailure:
        """INVALID_ARGUMENT saying why (as far as protobuf tells)."""
        if "depth" in self.error.lower():
            why = (
                "it nests messages more than 100 levels deep, protobuf's limit "
                "(a response_schema or function parameters schema nested too deeply?)"
            )
        else:
            why = "the bytes are not a valid serialized message of that type"
        return RpcFailure(grpc.StatusCode.INVALID_ARGUMENT, f"Could not decode the {self.type_name}: {why}.")


def shutting_down() -> RpcFailure:
    """How a call still running when the grace period ends is answered."""
    return RpcFailure(grpc.StatusCode.UNAVAILABLE, SHUTTING_DOWN)


class Running:
    """Whether the calls in progress should end now; their waits end early when they should."""

    def __init__(self) -> None:
        self._stop = asyncio.Event()

    @property
    def stopping(self) -> bool:
        """Whether running calls should end now (with `shutting_down()`)."""
        return self._stop.is_set()

    def interrupt(self) -> None:
        """Tell every running call to end; waits in `sleep` and `until` end at once."""
        self._stop.set()

    async def sleep(self, seconds: float) -> None:
        """asyncio.sleep, cut short (RpcFailure) when the server stops."""
        if seconds > 0:
            try:
                await asyncio.wait_for(self._stop.wait(), seconds)
            except asyncio.TimeoutError:
                return
        if self.stopping:
            raise shutting_down()

    async def until(self, future: asyncio.Future[T]) -> T:
        """The result of `future`, or RpcFailure when the server stops first; it is cancelled if
        the call ends without it."""
        waiter = asyncio.ensure_future(self._stop.wait())
        either: list[asyncio.Future[Any]] = [future, waiter]
        try:
            await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiter.cancel()
            if not future.done():
                future.cancel()  # work still queued is dropped
        if future.cancelled() and self.stopping:
            raise shutting_down()
        return future.result()


def _decode(message_class: type[Message], data: bytes) -> Message | Undecodable:
    try:
        return message_class.FromString(data)
    except DecodeError as exc:
        return Undecodable(message_class.DESCRIPTOR.name, exc)


class Pending:
    """A request too large to parse on the event loop."""

    def __init__(self, message_class: type[Message], data: bytes) -> None:
        self._message_class = message_class
        self._data = data

    def parse(self) -> Message | Undecodable:
        return _decode(self._message_class, self._data)


def _lenient(message_class: type[Message]) -> Callable[[bytes], Any]:
    def parse(data: bytes) -> Message | Undecodable | Pending:
        _RECEIVED.set(len(data))
        if len(data) > INLINE_BYTES:
            return Pending(message_class, data)
        return _decode(message_class, data)

    return parse


def _unary(behaviour: Callable[[Any, Context], Awaitable[Any]], offload: Offload) -> Any:
    async def handle(request: Any, context: Context) -> Any:
        if isinstance(request, Pending):
            request = await offload(request.parse)
        return await behaviour(request, context)

    return handle


def _unary_stream(behaviour: Callable[[Any, Context], AsyncGenerator[Any, None]], offload: Offload) -> Any:
    # A coroutine writing the responses itself: the same work grpc does for an async generator.
    async def handle(request: Any, context: Context) -> None:
        if isinstance(request, Pending):
            request = await offload(request.parse)
        responses = behaviour(request, context)
        try:
            async for response in responses:
                await context.write(response)
        finally:
            await responses.aclose()  # a cancelled call closes the generator now, not at collection

    return handle


def add_servicer(server: grpc.aio.Server, service_name: str, servicer: object, offload: Offload) -> None:
    """Register every method of `service_name` with `servicer`'s method of the same name; `offload`
    parses large requests (request-streaming methods, none of them served, get messages as sent)."""
    service = _pool.POOL.FindServiceByName(service_name)
    handlers: dict[str, grpc.RpcMethodHandler[Any, Any]] = {}
    for method in service.methods:
        behaviour = getattr(servicer, method.name)
        deserialize = _lenient(message_factory.GetMessageClass(method.input_type))
        serialize = message_factory.GetMessageClass(method.output_type).SerializeToString
        if method.client_streaming and method.server_streaming:
            factory = grpc.stream_stream_rpc_method_handler
        elif method.client_streaming:
            factory = grpc.stream_unary_rpc_method_handler
        elif method.server_streaming:
            factory = grpc.unary_stream_rpc_method_handler
            behaviour = _unary_stream(behaviour, offload)
        else:
            factory = grpc.unary_unary_rpc_method_handler
            behaviour = _unary(behaviour, offload)
        handlers[method.name] = factory(
            behaviour, request_deserializer=deserialize, response_serializer=serialize
        )
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(service_name, handlers),))
    # Registered methods skip grpc's per-call handler lookup (the stubs do not know the method yet).
    server.add_registered_method_handlers(service_name, handlers)  # type: ignore[attr-defined]
