"""Fault keying for bidirectional sessions (pure): fail message K of a session, break it after K
server messages, attempts counted per session key."""

from __future__ import annotations

import grpc
import pytest
from genai_protos import generative_service_pb2
from google.rpc import error_details_pb2

from genai.emulator._faults import AttemptCounter
from genai.emulator._knobs import parse_break
from genai.emulator._session_faults import (
    FAIL_MESSAGE,
    SESSION,
    SessionFaults,
    message_fault,
    parse_message_fault,
    session_identity,
    session_key,
)
from genai.emulator._status import RpcFailure

gs = generative_service_pb2
METHOD = "BidiGenerateContent"


def setup(model: str = "models/gemini-2.0-flash", handle: str = "") -> gs.BidiGenerateContentSetup:
    message = gs.BidiGenerateContentSetup(model=model)
    if handle:
        message.session_resumption.handle = handle
    return message


def info(failure: RpcFailure) -> dict[str, str]:
    (detail,) = [d for d in failure.details if isinstance(d, error_details_pb2.ErrorInfo)]
    return dict(detail.metadata)


def client_messages(faults: SessionFaults, count: int) -> list[RpcFailure | None]:
    return [faults.on_client_message() for _ in range(count)]


def test_parsing() -> None:
    fault = parse_message_fault("3:RESOURCE_EXHAUSTED:2;retry_delay=0.5")
    assert (fault.index, fault.fail.code, fault.fail.times, fault.fail.retry_delay) == (
        3,
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        2,
        0.5,
    )
    assert parse_message_fault("1:INTERNAL:always").fail.times is None
    for bad in ("UNAVAILABLE", "0:UNAVAILABLE", "x:UNAVAILABLE", "2:OK", "2:NOPE", "2:UNAVAILABLE:-3"):
        with pytest.raises(ValueError):  # noqa: PT011
            parse_message_fault(bad)
    assert message_fault({}) is None
    assert message_fault({FAIL_MESSAGE: b" 2:UNAVAILABLE "}) == parse_message_fault("2:UNAVAILABLE")
    with pytest.raises(ValueError, match=FAIL_MESSAGE):
        message_fault({FAIL_MESSAGE: "2"})


def test_fail_message_k_of_the_first_attempts_only() -> None:
    attempts = AttemptCounter()
    key = session_key(METHOD, {}, setup())
    fault = parse_message_fault("3:UNAVAILABLE:2")
    for attempt in (1, 2):
        faults = SessionFaults(key, attempts, fail_message=fault, model="models/m")
        seen = client_messages(faults, 4)
        assert seen[:2] == [None, None]
        failure = seen[2]
        assert failure is not None
        assert failure.code == grpc.StatusCode.UNAVAILABLE
        assert info(failure)["attempt"] == str(attempt)
        assert seen[3] is None  # only message K is targeted
        assert faults.received == 4
    third = SessionFaults(key, attempts, fail_message=fault)
    assert client_messages(third, 5) == [None] * 5
    other = SessionFaults(session_key(METHOD, {}, setup("models/other")), attempts, fail_message=fault)
    assert client_messages(other, 3)[2] is not None  # another session counts on its own


def test_quota_failures_name_the_sessions_model() -> None:
    faults = SessionFaults(
        b"k",
        AttemptCounter(),
        fail_message=parse_message_fault("1:RESOURCE_EXHAUSTED"),
        model="models/live-x",
    )
    failure = faults.on_client_message()
    assert failure is not None
    (quota,) = [d for d in failure.details if isinstance(d, error_details_pb2.QuotaFailure)]
    assert dict(quota.violations[0].quota_dimensions)["model"] == "live-x"  # type: ignore[attr-defined]


def test_break_after_k_server_messages() -> None:
    attempts = AttemptCounter()
    spec = parse_break("2:1")
    faults = SessionFaults(b"key", attempts, break_after=spec)
    assert faults.on_open() is None
    assert faults.on_server_message() is None
    failure = faults.on_server_message()
    assert failure is not None
    assert failure.code == grpc.StatusCode.UNAVAILABLE
    assert info(failure) == {"code": "UNAVAILABLE", "attempt": "1", "messages_sent": "2"}
    assert faults.sent == 2
    retry = SessionFaults(b"key", attempts, break_after=spec)
    assert [retry.on_server_message() for _ in range(5)] == [None] * 5
    at_once = SessionFaults(b"other", attempts, break_after=parse_break("0:always"))
    opened = at_once.on_open()
    assert opened is not None
    assert info(opened)["messages_sent"] == "0"
    assert SessionFaults(b"other", attempts, break_after=parse_break("0:always")).on_open() is not None


def test_each_fault_counts_its_own_attempts() -> None:
    attempts = AttemptCounter()
    fail = parse_message_fault("1:INTERNAL:1")
    cut = parse_break("1:2")
    first = SessionFaults(b"s", attempts, fail_message=fail, break_after=cut)
    assert first.on_client_message() is not None
    assert first.on_server_message() is not None
    second = SessionFaults(b"s", attempts, fail_message=fail, break_after=cut)
    assert second.on_client_message() is None  # the message fault was for one attempt
    assert second.on_server_message() is not None  # the break for two
    zero = SessionFaults(b"s", attempts, fail_message=parse_message_fault("1:INTERNAL:0"))
    assert zero.on_client_message() is None


def test_session_keys() -> None:
    named = {SESSION: "my-session"}
    assert session_key(METHOD, named, setup("models/a")) == session_key(METHOD, named, setup("models/b"))
    assert session_key(METHOD, named, setup()) != session_key(METHOD, {SESSION: b"other"}, setup())
    # A reconnect carries a resumption handle; it is the same session.
    assert session_key(METHOD, {}, setup()) == session_key(METHOD, {}, setup(handle="h-1"))
    assert session_key(METHOD, {}, setup(handle="h-1")) == session_key(METHOD, {}, setup(handle="h-2"))
    assert session_key(METHOD, {}, setup("models/a")) != session_key(METHOD, {}, setup("models/b"))
    assert session_key(METHOD, {}, setup()) != session_key("OtherMethod", {}, setup())
    original = setup(handle="keep-me")
    session_identity(original)
    assert original.session_resumption.handle == "keep-me"  # the caller's message is not changed
