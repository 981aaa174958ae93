"""The per-call prelude without any transport: a plain Call (names, a header mapping, a request)
is recorded, authenticated, given its knobs, delayed and failed, as an HTTP or WebSocket front end
will use it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

import grpc
import pytest
from genai_protos import file_service_pb2, generative_service_pb2
from google.rpc import error_details_pb2, status_pb2

from genai.emulator._backend import Backend
from genai.emulator._prelude import Call
from genai.emulator._state import EmulatorOptions
from genai.emulator._status import RpcFailure
from tests.emulator._helpers import request, unique

T = TypeVar("T")
gs = generative_service_pb2


def run(awaitable: Awaitable[T]) -> T:
    async def main() -> T:
        return await asyncio.wait_for(awaitable, 10)

    return asyncio.run(main())


def failure_of(awaitable: Awaitable[object]) -> RpcFailure:
    with pytest.raises(RpcFailure) as caught:
        run(awaitable)
    return caught.value


def upload(headers: dict[str, str | bytes], name: str = "files/abc") -> Call:
    """What an HTTP front end would describe: a REST method, its headers, the parsed body."""
    body = file_service_pb2.CreateFileRequest()
    body.file.name = name
    return Call("FileService", "CreateFile", headers, body)


def test_calls_are_recorded_then_authenticated() -> None:
    backend = Backend(EmulatorOptions.create(api_keys=["k1"]))
    prelude = backend.prelude
    assert failure_of(prelude.begin(upload({}))).code == grpc.StatusCode.UNAUTHENTICATED
    denied = failure_of(prelude.begin(upload({"x-goog-api-key": "wrong"})))
    assert denied.code == grpc.StatusCode.PERMISSION_DENIED
    assert "wrong" not in denied.message
    run(prelude.begin(upload({"x-goog-api-key": "k1"})))
    records = backend.state.calls
    assert [(r.service, r.method) for r in records] == [("FileService", "CreateFile")] * 3
    assert records[2].metadata == {"x-goog-api-key": "k1"}
    assert records[2].request == upload({}).request


def test_knobs_come_from_any_header_mapping() -> None:
    backend = Backend(EmulatorOptions(reply_words=7, chunks=3))
    knobs = run(backend.prelude.begin(upload({"x-emulator-reply-words": "5"})))
    assert (knobs.reply_words, knobs.chunks) == (5, 3)
    knobs = run(backend.prelude.begin(upload({"x-emulator-reply-words": b"9"})))
    assert knobs.reply_words == 9
    bad = failure_of(backend.prelude.begin(upload({"x-emulator-delay": "soon"})))
    assert bad.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "x-emulator-delay" in bad.message


def test_injected_failures_count_attempts_per_request_or_per_identity() -> None:
    backend = Backend(EmulatorOptions())
    headers: dict[str, str | bytes] = {"x-emulator-fail": "UNAVAILABLE:2"}

    def codes(calls: list[Call]) -> list[str]:
        out = []
        for call in calls:
            try:
                run(backend.prelude.begin(call))
                out.append("OK")
            except RpcFailure as failure:
                out.append(failure.code.name)
        return out

    # Without an identity, the request's bytes make the call: other requests count on their own.
    assert codes([upload(headers, f"files/{unique('x').lower()}") for _ in range(3)]) == ["UNAVAILABLE"] * 3
    # With one (an upload session, a live session), different messages are attempts of one call.
    session = unique("session").encode()
    calls = [
        Call("FileService", "CreateFile", headers, upload({}, f"files/p{i}").request, session)
        for i in range(4)
    ]
    assert codes(calls) == ["UNAVAILABLE", "UNAVAILABLE", "OK", "OK"]


def test_quota_failures_name_the_requests_model() -> None:
    backend = Backend(EmulatorOptions())
    call = Call(
        "GenerativeService", "GenerateContent", {"x-emulator-fail": "RESOURCE_EXHAUSTED"}, request(unique())
    )
    failure = failure_of(backend.prelude.begin(call))
    (quota,) = [d for d in failure.details if isinstance(d, error_details_pb2.QuotaFailure)]
    assert dict(quota.violations[0].quota_dimensions)["model"] == "gemini-2.5-flash"  # type: ignore[attr-defined]
    status = failure.status()  # what an HTTP error body or an operation's error carries
    assert isinstance(status, status_pb2.Status)
    assert (status.code, status.message) == (grpc.StatusCode.RESOURCE_EXHAUSTED.value[0], failure.message)
    assert len(status.details) == len(failure.details)


def test_the_delay_ends_early_when_the_server_stops() -> None:
    backend = Backend(EmulatorOptions())

    async def main() -> RpcFailure:
        running = backend.begin_run()
        waiting = asyncio.ensure_future(backend.prelude.begin(upload({"x-emulator-delay": "30"})))
        await asyncio.sleep(0)
        running.interrupt()
        with pytest.raises(RpcFailure) as caught:
            await asyncio.wait_for(waiting, 10)
        return caught.value

    stopped = asyncio.run(main())
    assert (stopped.code, stopped.message) == (
        grpc.StatusCode.UNAVAILABLE,
        "The genai emulator is shutting down.",
    )


def test_stream_breaks_count_per_call() -> None:
    backend = Backend(EmulatorOptions())
    headers: dict[str, str | bytes] = {"x-emulator-break-after": "2:1"}
    call = Call("GenerativeService", "StreamGenerateContent", headers, request(unique()))
    knobs = run(backend.prelude.begin(call))
    first = backend.prelude.stream_break(call, knobs)
    assert first is not None
    assert first.after == 2
    assert "after 2 chunks (attempt 1 of 1)" in first.failure(2).message
    assert backend.prelude.stream_break(call, knobs) is None  # the second attempt streams in full
    plain = run(backend.prelude.begin(Call("GenerativeService", "StreamGenerateContent", {}, request())))
    assert backend.prelude.stream_break(call, plain) is None
