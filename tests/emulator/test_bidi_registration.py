"""The gRPC registration of a bidirectional method, ready for live sessions: the servicer reads
parsed messages (large ones parsed off the event loop, undecodable ones refused) and an RpcFailure
from it ends the session with its status and details."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import grpc
import pytest
from genai_protos import generative_service_pb2
from genai_protos.generative_service_pb2_grpc import GenerativeServiceStub
from google.rpc import error_details_pb2

from genai.emulator._backend import Backend
from genai.emulator._grpc.generative import GenerativeServicer
from genai.emulator._grpc.registry import Context, add_servicer
from genai.emulator._session_faults import SessionFaults, message_fault, session_key
from genai.emulator._state import EmulatorOptions
from genai.emulator._work import INLINE_BYTES
from tests.emulator._helpers import TIMEOUT, details_of

gs = generative_service_pb2
SERVICE = "google.ai.generativelanguage.v1beta.GenerativeService"


class EchoSessions(GenerativeServicer):
    """Echoes each client message's setup model, with session faults from the metadata."""

    async def BidiGenerateContent(  # type: ignore[override]
        self, request_iterator: AsyncIterator[gs.BidiGenerateContentClientMessage], context: Context
    ) -> AsyncIterator[gs.BidiGenerateContentServerMessage]:
        metadata = dict(context.invocation_metadata() or ())
        faults: SessionFaults | None = None
        async for message in request_iterator:
            if faults is None:
                key = session_key("BidiGenerateContent", metadata, message.setup)
                faults = SessionFaults(key, self._state.attempts, fail_message=message_fault(metadata))
            failure = faults.on_client_message()
            if failure is not None:
                raise failure
            reply = gs.BidiGenerateContentServerMessage()
            reply.setup_complete.SetInParent()
            yield reply
            yield gs.BidiGenerateContentServerMessage(
                server_content=gs.BidiGenerateContentServerContent(turn_complete=len(message.setup.model) > 0)
            )


def message(model: str) -> gs.BidiGenerateContentClientMessage:
    return gs.BidiGenerateContentClientMessage(setup=gs.BidiGenerateContentSetup(model=model))


async def session(
    stub: GenerativeServiceStub,
    messages: list[gs.BidiGenerateContentClientMessage],
    metadata: tuple[tuple[str, str], ...] = (),
) -> list[gs.BidiGenerateContentServerMessage]:
    call = stub.BidiGenerateContent(metadata=metadata, timeout=TIMEOUT)
    for item in messages:
        await call.write(item)
    await call.done_writing()
    return [reply async for reply in call]


def test_a_bidirectional_servicer_reads_parsed_messages_and_fails_with_details() -> None:
    async def main() -> None:
        backend = Backend(EmulatorOptions())
        server = grpc.aio.server()
        add_servicer(server, SERVICE, EchoSessions(backend), backend.offload)
        port = server.add_insecure_port("127.0.0.1:0")
        await server.start()
        try:
            async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
                stub = GenerativeServiceStub(channel)
                large = "models/" + "x" * (INLINE_BYTES + 10)  # parsed on a worker thread
                replies = await session(stub, [message("models/a"), message(large)])
                assert len(replies) == 4
                assert [r.WhichOneof("message_type") for r in replies] == [
                    "setup_complete",
                    "server_content",
                ] * 2
                fail = (("x-emulator-fail-message", "2:RESOURCE_EXHAUSTED:1"), ("x-emulator-session", "s1"))
                with pytest.raises(grpc.aio.AioRpcError) as caught:
                    await session(stub, [message("models/a"), message("models/a")], fail)
                assert caught.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
                (info,) = details_of(caught.value, error_details_pb2.ErrorInfo)
                assert info.reason == "RATE_LIMIT_EXCEEDED"
                # The second attempt of session "s1" goes through.
                assert len(await session(stub, [message("models/b"), message("models/b")], fail)) == 4
                raw = channel.stream_stream(
                    f"/{SERVICE}/BidiGenerateContent",
                    request_serializer=lambda data: data,
                    response_deserializer=gs.BidiGenerateContentServerMessage.FromString,
                )
                garbage = raw(iter([b"\xff\xff\xff"]), timeout=TIMEOUT)
                with pytest.raises(grpc.aio.AioRpcError) as refused:
                    _ = [reply async for reply in garbage]
                assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
                assert "Could not decode the BidiGenerateContentClientMessage" in (
                    refused.value.details() or ""
                )
        finally:
            await server.stop(1)

    asyncio.run(main())
