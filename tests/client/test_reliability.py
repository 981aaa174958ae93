"""Faults injected by the emulator: retried, not retried, budget exhausted, streams broken or left early."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable

import pytest

import genai
from genai.testing import Emulator

MODEL = "gemini-2.5-flash"


def _fault(spec: str, **more: str) -> dict[str, object]:
    metadata = [("x-emulator-fail", spec), *more.items()]
    return {"metadata": metadata}


def _attempts(emulator: Emulator, marker: str) -> int:
    return sum(1 for call in list(emulator.calls) if marker in str(call.request))


def _marker() -> str:
    return f"marker-{uuid.uuid4().hex}"


def test_unavailable_is_retried_until_success(client: genai.Client, emulator: Emulator) -> None:
    marker = _marker()
    response = client.models.generate_content(model=MODEL, contents=marker, config=_fault("UNAVAILABLE:2"))
    assert response.text
    assert _attempts(emulator, marker) == 3


def test_resource_exhausted_is_retried_honouring_retry_info(client: genai.Client, emulator: Emulator) -> None:
    marker = _marker()
    response = client.models.generate_content(
        model=MODEL, contents=marker, config=_fault("RESOURCE_EXHAUSTED:1;retry_delay=0.01")
    )
    assert response.text
    assert _attempts(emulator, marker) == 2


def test_zero_quota_is_not_retried(client: genai.Client, emulator: Emulator) -> None:
    marker = _marker()
    with pytest.raises(genai.errors.ResourceExhaustedError) as caught:
        client.models.generate_content(
            model=MODEL, contents=marker, config=_fault("RESOURCE_EXHAUSTED:always;quota_limit=0")
        )
    assert _attempts(emulator, marker) == 1
    assert caught.value.quota_violations and caught.value.quota_violations[0].limit_is_zero
    assert caught.value.retry_delay is not None
    assert caught.value.reason == "RATE_LIMIT_EXCEEDED"


@pytest.mark.parametrize("code", ["INVALID_ARGUMENT", "INTERNAL", "PERMISSION_DENIED"])
def test_non_retryable_codes_fail_at_once(client: genai.Client, emulator: Emulator, code: str) -> None:
    marker = _marker()
    with pytest.raises(genai.errors.APIError) as caught:
        client.models.generate_content(model=MODEL, contents=marker, config=_fault(f"{code}:always"))
    assert caught.value.status == code
    assert isinstance(caught.value.__cause__, Exception)  # the grpc error stays chained
    assert _attempts(emulator, marker) == 1


def test_attempts_exhausted_raise_the_last_error(client: genai.Client, emulator: Emulator) -> None:
    marker = _marker()
    retry = genai.RetryOptions(attempts=3, initial=0.01, maximum=0.01)
    with pytest.raises(genai.errors.UnavailableError):
        client.models.generate_content(
            model=MODEL, contents=marker, config={**_fault("UNAVAILABLE:always"), "retry": retry}
        )
    assert _attempts(emulator, marker) == 3


def test_time_budget_exhausted_stops_retrying(client: genai.Client, emulator: Emulator) -> None:
    marker = _marker()
    retry = genai.RetryOptions(attempts=50, initial=0.2, maximum=0.2, jitter=0, budget=0.3)
    with pytest.raises(genai.errors.UnavailableError):
        client.models.generate_content(
            model=MODEL, contents=marker, config={**_fault("UNAVAILABLE:always"), "retry": retry}
        )
    assert 1 < _attempts(emulator, marker) < 50


def test_deadline_exceeded(client: genai.Client) -> None:
    with pytest.raises(genai.errors.DeadlineExceededError):
        client.models.generate_content(
            model=MODEL, contents=_marker(), config={"metadata": [("x-emulator-delay", "2")], "timeout": 0.2}
        )


def test_stream_retried_before_the_first_chunk(client: genai.Client, emulator: Emulator) -> None:
    marker = _marker()
    with client.models.generate_content_stream(
        model=MODEL, contents=marker, config=_fault("UNAVAILABLE:1")
    ) as s:
        text = "".join(chunk.text for chunk in s)
    assert text == client.models.generate_content(model=MODEL, contents=marker).text
    assert _attempts(emulator, marker) == 3  # failed stream, retried stream, the unary call


def test_stream_broken_mid_way_is_not_retried(client: genai.Client, emulator: Emulator) -> None:
    marker = _marker()
    config = {"metadata": [("x-emulator-break-after", "2"), ("x-emulator-chunks", "6")]}
    received = []
    with (  # noqa: PT012  (the error comes mid-iteration)
        pytest.raises(genai.errors.UnavailableError),
        client.models.generate_content_stream(model=MODEL, contents=marker, config=config) as stream,
    ):
        for chunk in stream:
            received.append(chunk.text)
    assert len(received) == 2
    assert _attempts(emulator, marker) == 1
    with pytest.raises(genai.errors.UnavailableError):  # the broken reply never passes for complete
        _ = stream.response


async def _eventually(condition: Callable[[], bool], timeout: float = 5.0) -> bool:
    """Poll without blocking the event loop (the cancellation travels while we wait)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(0.01)
    return True


def test_leaving_a_stream_early_cancels_the_rpc(client: genai.Client, emulator: Emulator) -> None:
    cancelled_before = emulator.cancelled_streams
    config = {"metadata": [("x-emulator-chunks", "50"), ("x-emulator-chunk-delay", "0.05")]}
    with client.models.generate_content_stream(model=MODEL, contents=_marker(), config=config) as stream:
        for _ in stream:
            break
    assert emulator.wait_for(lambda: emulator.cancelled_streams > cancelled_before)
    assert emulator.wait_for(lambda: emulator.active_streams == 0)


def test_async_faults_and_early_exit(client: genai.Client, emulator: Emulator) -> None:
    marker = _marker()

    async def main() -> None:
        response = await client.aio.models.generate_content(
            model=MODEL, contents=marker, config=_fault("UNAVAILABLE:2")
        )
        assert response.text
        with pytest.raises(genai.errors.InvalidArgumentError):
            await client.aio.models.generate_content(
                model=MODEL, contents=_marker(), config=_fault("INVALID_ARGUMENT:always")
            )
        config = {"metadata": [("x-emulator-chunks", "50"), ("x-emulator-chunk-delay", "0.05")]}
        cancelled_before = emulator.cancelled_streams
        stream = await client.aio.models.generate_content_stream(
            model=MODEL, contents=_marker(), config=config
        )
        async with stream:
            async for _ in stream:
                break
        assert await _eventually(lambda: emulator.cancelled_streams > cancelled_before)
        await client.aio.aclose()

    asyncio.run(main())
    assert _attempts(emulator, marker) == 3


def test_async_task_cancellation_cancels_the_stream(client: genai.Client, emulator: Emulator) -> None:
    async def consume() -> None:
        config = {"metadata": [("x-emulator-chunks", "100"), ("x-emulator-chunk-delay", "0.05")]}
        stream = await client.aio.models.generate_content_stream(
            model=MODEL, contents=_marker(), config=config
        )
        async for _ in stream:
            pass

    async def main() -> None:
        cancelled_before = emulator.cancelled_streams
        task = asyncio.create_task(consume())
        await asyncio.sleep(0.3)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert await _eventually(lambda: emulator.cancelled_streams > cancelled_before)
        await client.aio.aclose()

    asyncio.run(main())
