"""Injected failures: attempt counting and the status details the real API would attach."""

from __future__ import annotations

import threading
from collections import OrderedDict

import grpc
from google.protobuf import duration_pb2, json_format
from google.protobuf.message import Message
from google.rpc import error_details_pb2

from ._knobs import DEFAULT_RETRY_DELAY, BreakSpec, FailSpec
from ._random import digest
from ._status import RpcFailure, error_info

QUOTA_METRIC = "generativelanguage.googleapis.com/generate_content_requests"
QUOTA_ID = "GenerateRequestsPerMinutePerProjectPerModel"
QUOTA_SUBJECT = "projects/genai-emulator"
INJECTED_REASON = "EMULATOR_INJECTED_FAULT"


class AttemptCounter:
    """Counts attempts per key (thread-safe); forgets the oldest keys beyond `limit`."""

    def __init__(self, limit: int = 10_000) -> None:
        self._lock = threading.Lock()
        self._counts: OrderedDict[bytes, int] = OrderedDict()
        self._limit = limit

    def next(self, key: bytes) -> int:
        """Record one more attempt for `key` and return its 1-based number."""
        with self._lock:
            count = self._counts.pop(key, 0) + 1
            self._counts[key] = count
            if len(self._counts) > self._limit:
                self._counts.popitem(last=False)
            return count

    def clear(self) -> None:
        """Forget every count."""
        with self._lock:
            self._counts.clear()


def attempt_key(method: str, request: Message, header: str, value: str) -> bytes:
    """The identity of "the same call": method, request bytes and the knob's value."""
    return digest(
        method.encode(), request.SerializeToString(deterministic=True), header.encode(), value.encode()
    )


def fails(times: int | None, attempt: int) -> bool:
    """Whether attempt number `attempt` is one of the failing ones."""
    return times is None or attempt <= times


def _duration(seconds: float) -> duration_pb2.Duration:
    whole = int(seconds)
    return duration_pb2.Duration(seconds=whole, nanos=round((seconds - whole) * 1e9))


def _of(times: int | None) -> str:
    return "every attempt" if times is None else f"{times}"


def injected_failure(spec: FailSpec, attempt: int, model: str) -> RpcFailure:
    """The failure for an x-emulator-fail attempt, with realistic google.rpc details."""
    details: list[Message] = []
    where = f"(injected by the genai emulator: attempt {attempt} of {_of(spec.times)})"
    if spec.code is grpc.StatusCode.RESOURCE_EXHAUSTED:
        message = (
            "You exceeded your current quota, please check your plan and billing details. For more "
            f"information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits. {where}"
        )
        details.append(
            error_info(
                "RATE_LIMIT_EXCEEDED",
                {
                    "service": "generativelanguage.googleapis.com",
                    "quota_metric": QUOTA_METRIC,
                    "quota_limit": QUOTA_ID,
                    "quota_limit_value": str(spec.quota_limit),
                    "consumer": QUOTA_SUBJECT,
                },
            )
        )
        # ParseDict because the installed google.rpc stubs predate the quota_* fields.
        violation = json_format.ParseDict(
            {
                "subject": QUOTA_SUBJECT,
                "description": f"Quota exceeded for metric: {QUOTA_METRIC}, limit: {spec.quota_limit}",
                "api_service": "generativelanguage.googleapis.com",
                "quota_metric": QUOTA_METRIC,
                "quota_id": QUOTA_ID,
                "quota_dimensions": {"location": "global", "model": model.removeprefix("models/")},
                "quota_value": spec.quota_limit,
            },
            error_details_pb2.QuotaFailure.Violation(),
        )
        details.append(error_details_pb2.QuotaFailure(violations=[violation]))
        retry_delay: float | None = spec.retry_delay if spec.retry_delay is not None else DEFAULT_RETRY_DELAY
    else:
        message = f"{spec.code.name} {where}"
        details.append(error_info(INJECTED_REASON, {"code": spec.code.name, "attempt": str(attempt)}))
        retry_delay = spec.retry_delay
    if retry_delay is not None:
        details.append(error_details_pb2.RetryInfo(retry_delay=_duration(retry_delay)))
    return RpcFailure(spec.code, message, details)


def broken_stream(spec: BreakSpec, sent: int, attempt: int) -> RpcFailure:
    """UNAVAILABLE for a stream cut by x-emulator-break-after."""
    return RpcFailure(
        grpc.StatusCode.UNAVAILABLE,
        f"stream broken by the genai emulator after {sent} chunks (attempt {attempt} of {_of(spec.times)})",
        [
            error_info(
                INJECTED_REASON, {"code": "UNAVAILABLE", "attempt": str(attempt), "chunks_sent": str(sent)}
            )
        ],
    )
