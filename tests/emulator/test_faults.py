"""Fault injection, deadlines, broken and cancelled streams, server-wide options and API keys."""

from __future__ import annotations

import time

import grpc
import pytest
from genai_protos import generative_service_pb2
from genai_protos.generative_service_pb2_grpc import GenerativeServiceStub
from google.rpc import error_details_pb2

from genai.testing import Emulator
from tests.emulator._helpers import TIMEOUT, details_of, joined, request, text_of, unique

gs = generative_service_pb2


def _code(call: object) -> grpc.StatusCode:
    try:
        call()  # type: ignore[operator]
    except grpc.RpcError as error:
        return error.code()  # type: ignore[attr-defined,no-any-return]
    return grpc.StatusCode.OK


def _error(call: object) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as caught:
        call()  # type: ignore[operator]
    return caught.value


def test_fail_first_n_attempts_then_succeed(gen: GenerativeServiceStub) -> None:
    req = request(unique())
    meta = [("x-emulator-fail", "UNAVAILABLE:2")]
    codes = [_code(lambda: gen.GenerateContent(req, metadata=meta, timeout=TIMEOUT)) for _ in range(4)]
    assert codes == [grpc.StatusCode.UNAVAILABLE] * 2 + [grpc.StatusCode.OK] * 2
    other = request(unique())  # a different request has its own count
    assert (
        _code(lambda: gen.GenerateContent(other, metadata=meta, timeout=TIMEOUT))
        == grpc.StatusCode.UNAVAILABLE
    )


@pytest.mark.parametrize("times", ["always", "-1"])
def test_fail_always(gen: GenerativeServiceStub, times: str) -> None:
    req = request(unique())
    meta = [("x-emulator-fail", f"INTERNAL:{times}")]
    assert {_code(lambda: gen.GenerateContent(req, metadata=meta, timeout=TIMEOUT)) for _ in range(3)} == {
        grpc.StatusCode.INTERNAL
    }


def test_resource_exhausted_carries_quota_and_retry_details(gen: GenerativeServiceStub) -> None:
    meta = [("x-emulator-fail", "RESOURCE_EXHAUSTED:1;retry_delay=0.25;quota_limit=7")]
    error = _error(lambda: gen.GenerateContent(request(unique()), metadata=meta, timeout=TIMEOUT))
    assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED  # type: ignore[attr-defined]
    (info,) = details_of(error, error_details_pb2.ErrorInfo)
    assert (info.reason, info.domain) == ("RATE_LIMIT_EXCEEDED", "googleapis.com")
    (quota,) = details_of(error, error_details_pb2.QuotaFailure)
    (violation,) = quota.violations
    assert violation.subject
    assert violation.description.endswith("limit: 7")
    assert violation.quota_metric == "generativelanguage.googleapis.com/generate_content_requests"  # type: ignore[attr-defined]
    assert violation.quota_id == "GenerateRequestsPerMinutePerProjectPerModel"  # type: ignore[attr-defined]
    assert violation.quota_value == 7  # type: ignore[attr-defined]
    assert dict(violation.quota_dimensions)["model"] == "gemini-2.5-flash"  # type: ignore[attr-defined]
    (retry,) = details_of(error, error_details_pb2.RetryInfo)
    assert (retry.retry_delay.seconds, retry.retry_delay.nanos) == (0, 250_000_000)


def test_resource_exhausted_defaults_and_zero_quota(gen: GenerativeServiceStub) -> None:
    meta = [("x-emulator-fail", "RESOURCE_EXHAUSTED;quota_limit=0")]
    error = _error(lambda: gen.GenerateContent(request(unique()), metadata=meta, timeout=TIMEOUT))
    (retry,) = details_of(error, error_details_pb2.RetryInfo)
    assert retry.retry_delay.ToTimedelta().total_seconds() == pytest.approx(0.05)
    (violation,) = details_of(error, error_details_pb2.QuotaFailure)[0].violations
    assert violation.quota_value == 0
    assert violation.description.endswith("limit: 0")
    plain = _error(
        lambda: gen.GenerateContent(
            request(unique()), metadata=[("x-emulator-fail", "RESOURCE_EXHAUSTED")], timeout=TIMEOUT
        )
    )
    assert details_of(plain, error_details_pb2.QuotaFailure)[0].violations[0].quota_value == 15  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "code", ["INTERNAL", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "PERMISSION_DENIED", "unavailable"]
)
def test_other_codes_carry_an_error_info(gen: GenerativeServiceStub, code: str) -> None:
    error = _error(
        lambda: gen.GenerateContent(request(unique()), metadata=[("x-emulator-fail", code)], timeout=TIMEOUT)
    )
    assert error.code() == grpc.StatusCode[code.upper()]  # type: ignore[attr-defined]
    (info,) = details_of(error, error_details_pb2.ErrorInfo)
    assert info.reason == "EMULATOR_INJECTED_FAULT"
    assert info.metadata["attempt"] == "1"
    assert not details_of(error, error_details_pb2.RetryInfo)
    with_delay = [("x-emulator-fail", f"{code};retry_delay=1.5")]
    error = _error(lambda: gen.GenerateContent(request(unique()), metadata=with_delay, timeout=TIMEOUT))
    (retry,) = details_of(error, error_details_pb2.RetryInfo)
    assert (retry.retry_delay.seconds, retry.retry_delay.nanos) == (1, 500_000_000)


def test_streams_fail_before_the_first_chunk_then_recover(gen: GenerativeServiceStub) -> None:
    req = request(unique())
    meta = [("x-emulator-fail", "UNAVAILABLE")]
    assert (
        _code(lambda: list(gen.StreamGenerateContent(req, metadata=meta, timeout=TIMEOUT)))
        == grpc.StatusCode.UNAVAILABLE
    )
    chunks = list(gen.StreamGenerateContent(req, metadata=meta, timeout=TIMEOUT))
    assert joined(chunks) == text_of(gen.GenerateContent(req, timeout=TIMEOUT))


def test_delay_past_the_deadline_is_deadline_exceeded_and_frees_the_server(
    emu: Emulator, gen: GenerativeServiceStub
) -> None:
    started = time.monotonic()
    meta = [("x-emulator-delay", "5")]
    assert (
        _code(lambda: gen.GenerateContent(request(), metadata=meta, timeout=0.2))
        == grpc.StatusCode.DEADLINE_EXCEEDED
    )
    assert time.monotonic() - started < 2
    before = emu.cancelled_streams
    assert (
        _code(lambda: list(gen.StreamGenerateContent(request(), metadata=meta, timeout=0.2)))
        == grpc.StatusCode.DEADLINE_EXCEEDED
    )
    assert emu.wait_for(lambda: emu.cancelled_streams == before + 1 and emu.active_streams == 0)
    started = time.monotonic()
    gen.GenerateContent(request(), metadata=[("x-emulator-delay", "0.1")], timeout=TIMEOUT)
    assert time.monotonic() - started >= 0.1


def test_break_after_k_chunks(gen: GenerativeServiceStub) -> None:
    req = request(unique())
    meta = [("x-emulator-break-after", "3"), ("x-emulator-chunks", "10")]
    received: list[gs.GenerateContentResponse] = []
    with pytest.raises(grpc.RpcError) as caught:
        received.extend(gen.StreamGenerateContent(req, metadata=meta, timeout=TIMEOUT))
    assert caught.value.code() == grpc.StatusCode.UNAVAILABLE  # type: ignore[attr-defined]
    assert len(received) == 3
    (info,) = details_of(caught.value, error_details_pb2.ErrorInfo)
    assert info.metadata["chunks_sent"] == "3"
    again = list(gen.StreamGenerateContent(req, metadata=meta, timeout=TIMEOUT))  # the retry gets everything
    assert len(again) == 10
    assert joined(again).startswith(joined(received))


def test_break_after_always_and_zero(gen: GenerativeServiceStub) -> None:
    req = request(unique())
    meta = [("x-emulator-break-after", "0:always")]
    for _ in range(2):
        assert (
            _code(lambda: list(gen.StreamGenerateContent(req, metadata=meta, timeout=TIMEOUT)))
            == grpc.StatusCode.UNAVAILABLE
        )


def test_cancelling_a_slow_stream_is_counted(emu: Emulator, gen: GenerativeServiceStub) -> None:
    cancelled, completed = emu.cancelled_streams, emu.completed_streams
    meta = [("x-emulator-chunks", "100"), ("x-emulator-chunk-delay", "0.05")]
    call = gen.StreamGenerateContent(request(unique()), metadata=meta, timeout=TIMEOUT)
    next(call)
    next(call)
    assert emu.active_streams >= 1
    call.cancel()  # type: ignore[attr-defined]
    assert emu.wait_for(lambda: emu.cancelled_streams == cancelled + 1, timeout=3)
    assert emu.wait_for(lambda: emu.active_streams == 0, timeout=3)
    assert emu.completed_streams == completed
    list(gen.StreamGenerateContent(request(unique()), timeout=TIMEOUT))
    assert emu.wait_for(lambda: emu.completed_streams == completed + 1)


def test_server_wide_options_and_metadata_overrides() -> None:
    with (
        Emulator(fail="UNAVAILABLE:1", delay=0.05, chunks=3) as emu,
        grpc.insecure_channel(emu.endpoint) as channel,
    ):
        gen = GenerativeServiceStub(channel)
        req = request("options")
        assert _code(lambda: gen.GenerateContent(req, timeout=TIMEOUT)) == grpc.StatusCode.UNAVAILABLE
        stream = lambda: list(gen.StreamGenerateContent(req, timeout=TIMEOUT))  # noqa: E731
        assert _code(stream) == grpc.StatusCode.UNAVAILABLE  # attempts are counted per method
        assert len(stream()) == 3
        other = request("other")
        assert (
            _code(lambda: gen.GenerateContent(other, metadata=[("x-emulator-fail", "none")], timeout=TIMEOUT))
            == grpc.StatusCode.OK
        )
        assert (
            _code(
                lambda: gen.GenerateContent(other, metadata=[("x-emulator-fail", "ABORTED")], timeout=TIMEOUT)
            )
            == grpc.StatusCode.ABORTED
        )
        chunks = list(gen.StreamGenerateContent(req, metadata=[("x-emulator-chunks", "5")], timeout=TIMEOUT))
        assert len(chunks) == 5
    with pytest.raises(ValueError, match="status code"):
        Emulator(fail="NOPE")


def test_api_keys() -> None:
    with Emulator(api_keys={"good-key"}) as emu, grpc.insecure_channel(emu.endpoint) as channel:
        gen = GenerativeServiceStub(channel)
        missing = _error(lambda: gen.GenerateContent(request(), timeout=TIMEOUT))
        assert missing.code() == grpc.StatusCode.UNAUTHENTICATED  # type: ignore[attr-defined]
        wrong = _error(
            lambda: gen.GenerateContent(
                request(), metadata=[("x-goog-api-key", "secret-wrong-key")], timeout=TIMEOUT
            )
        )
        assert wrong.code() == grpc.StatusCode.PERMISSION_DENIED  # type: ignore[attr-defined]
        assert "secret-wrong-key" not in wrong.details() + str(wrong.trailing_metadata())  # type: ignore[attr-defined]
        assert details_of(wrong, error_details_pb2.ErrorInfo)[0].reason == "API_KEY_INVALID"
        assert text_of(
            gen.GenerateContent(request(), metadata=[("x-goog-api-key", "good-key")], timeout=TIMEOUT)
        )
        assert [c.metadata.get("x-goog-api-key") for c in emu.calls] == [None, "secret-wrong-key", "good-key"]
