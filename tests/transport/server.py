"""A small, controllable GenerativeService for transport tests: real gRPC on a loopback port.

Each test sets a :class:`Plan` (fail the first N calls, with status details; delays; stream K chunks
then fail; slow chunks) and reads back what the server saw (:class:`Record`: calls per method,
invocation metadata, peers, cancelled streams).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent import futures
from dataclasses import dataclass, field
from typing import Any

import grpc
from genai_protos import content_pb2, generative_service_pb2, generative_service_pb2_grpc, rpcs
from google.protobuf import any_pb2, duration_pb2
from google.protobuf.message import Message
from google.rpc import error_details_pb2, status_pb2

GENERATE_RPC = rpcs.GenerativeService.GenerateContent
STREAM_RPC = rpcs.GenerativeService.StreamGenerateContent
BIDI_RPC = rpcs.GenerativeService.BidiGenerateContent
GENERATE, STREAM, BIDI = GENERATE_RPC.path, STREAM_RPC.path, BIDI_RPC.path

MAX_MESSAGE = 64 * 1024 * 1024


@dataclass
class Plan:
    """What the server does for the calls of one test."""

    fail_first: int = 0  # the first N calls (per method) fail with fail_code before any reply
    fail_code: grpc.StatusCode = grpc.StatusCode.UNAVAILABLE
    fail_message: str = "try again"  # the server appends " #<call number>"
    fail_details: tuple[Message, ...] = ()  # google.rpc details, sent in grpc-status-details-bin
    delay: float = 0.0  # before the unary reply / the first chunk
    chunks: int = 3
    chunk_delay: float = 0.0
    fail_after_chunks: int | None = None  # streams: after K chunks, fail with fail_code (every call)
    echo_blob: bool = False  # reply with the request's first inline_data


@dataclass
class Record:
    """What the server saw."""

    calls: Counter[str] = field(default_factory=Counter)
    metadata: list[dict[str, str]] = field(default_factory=list)
    peers: list[str] = field(default_factory=list)
    active_streams: int = 0
    cancelled_streams: int = 0
    cancelled: threading.Event = field(default_factory=threading.Event)


def retry_info(seconds: float) -> error_details_pb2.RetryInfo:
    whole = int(seconds)
    return error_details_pb2.RetryInfo(
        retry_delay=duration_pb2.Duration(seconds=whole, nanos=round((seconds - whole) * 1e9))
    )


def zero_quota() -> error_details_pb2.QuotaFailure:
    violation = error_details_pb2.QuotaFailure.Violation(subject="project:demo", description="no free tier")
    newer: Any = violation  # quota_id/quota_value postdate the googleapis-common-protos stubs
    newer.quota_id = "GenerateRequestsPerDay"
    newer.quota_value = 0
    return error_details_pb2.QuotaFailure(violations=[violation])


def reply(text: str, model: str = "") -> generative_service_pb2.GenerateContentResponse:
    part = content_pb2.Part(text=text)
    content = content_pb2.Content(role="model", parts=[part])
    return generative_service_pb2.GenerateContentResponse(
        candidates=[generative_service_pb2.Candidate(content=content)], model_version=model
    )


def request(text: str = "hello", model: str = "models/test") -> generative_service_pb2.GenerateContentRequest:
    content = content_pb2.Content(role="user", parts=[content_pb2.Part(text=text)])
    return generative_service_pb2.GenerateContentRequest(model=model, contents=[content])


class _Servicer(generative_service_pb2_grpc.GenerativeServiceServicer):
    def __init__(self, server: TestServer) -> None:
        self._server = server

    def _enter(self, method: str, context: grpc.ServicerContext) -> tuple[Plan, int]:
        with self._server.lock:
            record = self._server.record
            record.calls[method] += 1
            record.metadata.append({k: str(v) for k, v in context.invocation_metadata()})
            record.peers.append(context.peer())
            return self._server.plan, record.calls[method]

    @staticmethod
    def _abort(context: grpc.ServicerContext, plan: Plan, number: int) -> None:
        message = f"{plan.fail_message} #{number}"
        if plan.fail_details:
            details = []
            for detail in plan.fail_details:
                packed = any_pb2.Any()
                packed.Pack(detail)
                details.append(packed)
            status = status_pb2.Status(code=plan.fail_code.value[0], message=message, details=details)
            context.set_trailing_metadata((("grpc-status-details-bin", status.SerializeToString()),))
        context.abort(plan.fail_code, message)

    @staticmethod
    def _wait(context: grpc.ServicerContext, seconds: float) -> bool:
        """Sleep while the client is still there; False if it went away."""
        end = time.monotonic() + seconds
        while context.is_active():
            left = end - time.monotonic()
            if left <= 0:
                return True
            time.sleep(min(left, 0.01))
        return False

    def GenerateContent(self, request: Any, context: grpc.ServicerContext) -> Any:
        plan, number = self._enter(GENERATE, context)
        if number <= plan.fail_first:
            self._abort(context, plan, number)
        if plan.delay and not self._wait(context, plan.delay):
            return None
        response = reply(f"echo: {request.contents[0].parts[0].text}", request.model)
        if plan.echo_blob:
            response.candidates[0].content.parts[0].inline_data.CopyFrom(
                request.contents[0].parts[0].inline_data
            )
        return response

    def StreamGenerateContent(self, request: Any, context: grpc.ServicerContext) -> Any:
        plan, number = self._enter(STREAM, context)
        finished = False
        record = self._server.record

        def on_done() -> None:
            with self._server.lock:
                record.active_streams -= 1
                if not finished:
                    record.cancelled_streams += 1
                    record.cancelled.set()

        with self._server.lock:
            record.active_streams += 1
        context.add_callback(on_done)
        if number <= plan.fail_first:
            finished = True
            self._abort(context, plan, number)
        if plan.delay and not self._wait(context, plan.delay):
            return
        for i in range(plan.chunks):
            if plan.fail_after_chunks is not None and i == plan.fail_after_chunks:
                finished = True
                self._abort(context, plan, number)
            if i and plan.chunk_delay and not self._wait(context, plan.chunk_delay):
                return
            if i == plan.chunks - 1:
                finished = True
            yield reply(f"chunk {i}", request.model)

    def BidiGenerateContent(self, request_iterator: Any, context: grpc.ServicerContext) -> Any:
        self._enter(BIDI, context)
        record = self._server.record
        finished = False

        def on_done() -> None:
            if not finished:
                with self._server.lock:
                    record.cancelled_streams += 1
                    record.cancelled.set()

        context.add_callback(on_done)
        yield from self._bidi_replies(request_iterator)
        # A cancelled call's requests may simply end too, a moment before the context says so: a
        # call still live 50 ms after its requests ended was half-closed, not cancelled.
        finished = self._wait(context, 0.05)

    @staticmethod
    def _bidi_replies(request_iterator: Any) -> Any:
        for message in request_iterator:
            kind = message.WhichOneof("message_type")
            if kind == "setup":
                yield generative_service_pb2.BidiGenerateContentServerMessage(
                    setup_complete=generative_service_pb2.BidiGenerateContentSetupComplete()
                )
            elif kind == "client_content":
                text = message.client_content.turns[0].parts[0].text
                content = content_pb2.Content(role="model", parts=[content_pb2.Part(text=f"echo: {text}")])
                yield generative_service_pb2.BidiGenerateContentServerMessage(
                    server_content=generative_service_pb2.BidiGenerateContentServerContent(
                        model_turn=content, turn_complete=True
                    )
                )


class TestServer:
    """A started grpc server on 127.0.0.1 (plaintext, or TLS with ``credentials``)."""

    __test__ = False  # not a pytest test class

    def __init__(self, credentials: grpc.ServerCredentials | None = None) -> None:
        self.lock = threading.Lock()
        self.plan = Plan()
        self.record = Record()
        options = [
            ("grpc.max_send_message_length", MAX_MESSAGE),
            ("grpc.max_receive_message_length", MAX_MESSAGE),
        ]
        self._server = grpc.server(futures.ThreadPoolExecutor(max_workers=128), options=options)
        generative_service_pb2_grpc.add_GenerativeServiceServicer_to_server(_Servicer(self), self._server)  # type: ignore[abstract]
        if credentials is None:
            self.port = self._server.add_insecure_port("127.0.0.1:0")
        else:
            self.port = self._server.add_secure_port("127.0.0.1:0", credentials)
        self.address = f"127.0.0.1:{self.port}"
        self._server.start()

    def reset(self, plan: Plan | None = None) -> Record:
        with self.lock:
            self.plan = plan or Plan()
            self.record = Record()
            return self.record

    def stop(self) -> None:
        self._server.stop(grace=None).wait(5)
