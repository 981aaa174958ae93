"""Registering the servicers, and the life of their calls: undecodable requests and shutdown.

* With the generated registration, grpc calls `Request.FromString` itself and answers a DecodeError
  (for example a schema nested past protobuf's limit of 100 levels) with UNKNOWN "Unexpected <class
  'google.protobuf.message.DecodeError'>". Here the deserializer hands the handler an `Undecodable`
  instead, and the handler answers with a clear INVALID_ARGUMENT.
* `Running` tells the calls in progress when the grace period of a stop has run out; they then
  answer UNAVAILABLE themselves at their next wait or chunk, and grpc's shutdown completes once
  they have. grpc's own way, cancelling every call, left their tasks unwinding after stop()
  returned, and a loop closed right then cancelled them again: grpc printed a CancelledError
  traceback for each (and each client logged a GOAWAY line). Cancelling the handler tasks instead
  would hit some inside grpc's sending code, which then never sends a status.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

import grpc
from genai_protos import _pool
from google.protobuf import message_factory
from google.protobuf.message import DecodeError, Message

from ._status import RpcFailure

T = TypeVar("T")
SHUTTING_DOWN = "The genai emulator is shutting down."


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


def _lenient(message_class: type[Message]) -> Callable[[bytes], Any]:
    name = message_class.DESCRIPTOR.name

    def parse(data: bytes) -> Message | Undecodable:
        try:
            return message_class.FromString(data)
        except DecodeError as exc:
            return Undecodable(name, exc)

    return parse


def add_servicer(server: grpc.aio.Server, service_name: str, servicer: object) -> None:
    """Register every method of `service_name` with `servicer`'s method of the same name."""
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
        else:
            factory = grpc.unary_unary_rpc_method_handler
        handlers[method.name] = factory(
            behaviour, request_deserializer=deserialize, response_serializer=serialize
        )
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(service_name, handlers),))
    # Registered methods skip grpc's per-call handler lookup (the stubs do not know the method yet).
    server.add_registered_method_handlers(service_name, handlers)  # type: ignore[attr-defined]
