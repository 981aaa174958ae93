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


def _answers(response: genai.GenerateContentResponse, marker: str) -> bool:
    """The emulator's reply to ``marker`` (it echoes the prompt): the request got through, whole."""
    return response.text.startswith(f'You said: "{marker}". ')


# Streams left early: a deadline far beyond the bound on how long the emulator may take to notice
# the cancellation, and a reply far longer than both, so that neither can stand in for a cancel.
CANCEL_WAIT = 2.0
LONG_STREAM = {
    "metadata": [("x-emulator-chunks", "1000"), ("x-emulator-chunk-delay", "0.05")],
    "timeout": 30,
}


def test_unavailable_is_retried_until_success(client: genai.Client, emulator: Emulator) -> None:
    marker = _marker()
    response = client.models.generate_content(model=MODEL, contents=marker, config=_fault("UNAVAILABLE:2"))
    assert _answers(response, marker)
    assert _attempts(emulator, marker) == 3


def test_resource_exhausted_is_retried_honouring_retry_info(client: genai.Client, emulator: Emulator) -> None:
    marker = _marker()
    response = client.models.generate_content(
        model=MODEL, contents=marker, config=_fault("RESOURCE_EXHAUSTED:1;retry_delay=0.01")
    )
    assert _answers(response, marker)
    assert _attempts(emulator, marker) == 2


def test_zero_quota_is_not_retried(client: genai.Client, emulator: Emulator) -> None:
    marker = _marker()
    with pytest.raises(genai.errors.ResourceExhaustedError) as caught:
        client.models.generate_content(
            model=MODEL, contents=marker, config=_fault("RESOURCE_EXHAUSTED:always;quota_limit=0")
        )
    assert _attempts(emulator, marker) == 1
    assert caught.value.quota_violations and caught.value.quota_violations[0].limit_is_zero
    assert caught.value.retry_delay == pytest.approx(0.05)  # the emulator's default RetryInfo
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
    # A 0.3 s wait fits the 0.5 s budget once (after ~0 s) and not twice (0.3 s + 0.3 s > 0.5 s).
    retry = genai.RetryOptions(attempts=50, initial=0.3, maximum=0.3, jitter=0, budget=0.5)
    with pytest.raises(genai.errors.UnavailableError):
        client.models.generate_content(
            model=MODEL, contents=marker, config={**_fault("UNAVAILABLE:always"), "retry": retry}
        )
    assert _attempts(emulator, marker) == 2


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
    with client.models.generate_content_stream(model=MODEL, contents=_marker(), config=LONG_STREAM) as stream:
        for _ in stream:
            break
        assert emulator.cancelled_streams == cancelled_before
        leaving = time.monotonic()
    # The client is open (the fixture closes it after the test): only the cancel can end the RPC.
    assert emulator.wait_for(lambda: emulator.cancelled_streams == cancelled_before + 1, timeout=CANCEL_WAIT)
    assert emulator.wait_for(lambda: emulator.active_streams == 0, timeout=CANCEL_WAIT)
    # Promptly: leaving the block did not wait for the deadline to end the RPC instead.
    assert time.monotonic() - leaving < CANCEL_WAIT


def test_async_faults_and_early_exit(client: genai.Client, emulator: Emulator) -> None:
    marker = _marker()

    async def main() -> None:
        response = await client.aio.models.generate_content(
            model=MODEL, contents=marker, config=_fault("UNAVAILABLE:2")
        )
        assert _answers(response, marker)
        with pytest.raises(genai.errors.InvalidArgumentError):
            await client.aio.models.generate_content(
                model=MODEL, contents=_marker(), config=_fault("INVALID_ARGUMENT:always")
            )
        cancelled_before = emulator.cancelled_streams
        stream = await client.aio.models.generate_content_stream(
            model=MODEL, contents=_marker(), config=LONG_STREAM
        )
        async with stream:
            async for _ in stream:
                break
            assert emulator.cancelled_streams == cancelled_before
            leaving = time.monotonic()
        # Checked before aclose(), which would cancel the RPC anyway; and promptly (not the deadline).
        assert await _eventually(lambda: emulator.cancelled_streams == cancelled_before + 1, CANCEL_WAIT)
        assert time.monotonic() - leaving < CANCEL_WAIT
        await client.aio.aclose()

    asyncio.run(main())
    assert _attempts(emulator, marker) == 3


def test_async_task_cancellation_cancels_the_stream(client: genai.Client, emulator: Emulator) -> None:
    async def main() -> None:
        cancelled_before = emulator.cancelled_streams
        # Held here, not only inside the task: its finalizer must not be what cancels the RPC.
        stream = await client.aio.models.generate_content_stream(
            model=MODEL, contents=_marker(), config=LONG_STREAM
        )
        reading = asyncio.Event()

        async def consume() -> None:
            async for _ in stream:
                reading.set()

        task = asyncio.create_task(consume())
        await asyncio.wait_for(reading.wait(), 5)
        assert emulator.cancelled_streams == cancelled_before
        cancelling = time.monotonic()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        # Checked before aclose(), which would cancel the RPC anyway; and promptly (not the deadline).
        assert await _eventually(lambda: emulator.cancelled_streams == cancelled_before + 1, CANCEL_WAIT)
        assert time.monotonic() - cancelling < CANCEL_WAIT
        await client.aio.aclose()

    asyncio.run(main())
