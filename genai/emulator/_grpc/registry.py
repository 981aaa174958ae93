"""Registering a servicer with grpc.aio: parsing requests, undecodable requests, failures.

* grpc calls the request deserializer on the event loop. A request over INLINE_BYTES is not parsed
  there (a 15 MB message of small parts takes a quarter of a second): the deserializer hands over a
  `Pending` request, which the handler's wrapper parses on a worker thread. The deserializer also
  notes the request's size for the call (`received_bytes`), so that nothing has to measure a
  large message on the loop again.
* With the generated registration, grpc calls `Request.FromString` itself and answers a DecodeError
  (for example a schema nested past protobuf's limit of 100 levels) with UNKNOWN "Unexpected <class
  'google.protobuf.message.DecodeError'>". Here the wrapper answers with a clear INVALID_ARGUMENT
  before the servicer sees the call (so it is not recorded: there is no message to record).
* An RpcFailure raised by a servicer, or by the prelude it runs, ends the call with that status and
  its google.rpc details in the grpc-status-details-bin trailer (`abort`).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from contextvars import ContextVar
from typing import Any, NoReturn

import grpc
from genai_protos import _pool
from google.protobuf import message_factory
from google.protobuf.message import DecodeError, Message

from .._lifecycle import Offload
from .._prelude import Call
from .._status import RpcFailure
from .._work import INLINE_BYTES

__all__ = ["INLINE_BYTES", "Context", "Pending", "abort", "add_servicer", "call_of", "received_bytes"]

Context = grpc.aio.ServicerContext[Any, Any]

# grpc deserializes a request in the task that then runs its handler, so this is per call.
_RECEIVED: ContextVar[int] = ContextVar("genai_emulator_received_bytes", default=-1)


def received_bytes() -> int:
    """The serialized size of the current call's request (-1 outside a served call)."""
    return _RECEIVED.get()


def call_of(service: str, method: str, request: Message, context: Context) -> Call:
    """The prelude's view of a gRPC call: `call_of("ModelService", "GetModel", request, context)`."""
    return Call(service, method, {key: value for key, value in context.invocation_metadata() or ()}, request)


async def abort(context: Context, failure: RpcFailure) -> NoReturn:
    """End the call with `failure`, its details in the grpc-status-details-bin trailer."""
    await context.abort(failure.code, failure.message, trailing_metadata=failure.trailing_metadata())


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


async def _parsed(request: Any, offload: Offload) -> Any:
    if isinstance(request, Pending):
        request = await offload(request.parse)
    if isinstance(request, Undecodable):
        raise request.failure()
    return request


def _unary(behaviour: Callable[[Any, Context], Awaitable[Any]], offload: Offload) -> Any:
    async def handle(request: Any, context: Context) -> Any:
        try:
            if not isinstance(request, Message):
                request = await _parsed(request, offload)
            return await behaviour(request, context)
        except RpcFailure as failure:
            await abort(context, failure)

    return handle


def _unary_stream(behaviour: Callable[[Any, Context], AsyncGenerator[Any, None]], offload: Offload) -> Any:
    # A coroutine writing the responses itself: the same work grpc does for an async generator.
    async def handle(request: Any, context: Context) -> None:
        try:
            if not isinstance(request, Message):
                request = await _parsed(request, offload)
            responses = behaviour(request, context)
            try:
                async for response in responses:
                    await context.write(response)
            finally:
                await responses.aclose()  # a cancelled call closes the generator now, not at collection
        except RpcFailure as failure:
            await abort(context, failure)

    return handle


def _bidi(behaviour: Callable[[Any, Context], AsyncGenerator[Any, None]], offload: Offload) -> Any:
    # The servicer reads parsed messages (large ones parsed on a worker thread; an undecodable one
    # fails the call) and yields its own; an RpcFailure from either side ends the call.
    async def handle(raw_requests: AsyncIterator[Any], context: Context) -> None:
        async def requests() -> AsyncIterator[Message]:
            async for request in raw_requests:
                yield request if isinstance(request, Message) else await _parsed(request, offload)

        try:
            responses = behaviour(requests(), context)
            try:
                async for response in responses:
                    await context.write(response)
            finally:
                await responses.aclose()
        except RpcFailure as failure:
            await abort(context, failure)

    return handle


def add_servicer(server: grpc.aio.Server, service_name: str, servicer: object, offload: Offload) -> None:
    """Register every method of `service_name` with `servicer`'s method of the same name; `offload`
    parses large requests. The API has no client-streaming method that is not bidirectional."""
    service = _pool.POOL.FindServiceByName(service_name)
    handlers: dict[str, grpc.RpcMethodHandler[Any, Any]] = {}
    for method in service.methods:
        behaviour = getattr(servicer, method.name)
        deserialize = _lenient(message_factory.GetMessageClass(method.input_type))
        serialize = message_factory.GetMessageClass(method.output_type).SerializeToString
        if method.client_streaming:
            if not method.server_streaming:
                raise NotImplementedError(f"{service_name}.{method.name}: client streaming only")
            factory = grpc.stream_stream_rpc_method_handler
            behaviour = _bidi(behaviour, offload)
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
