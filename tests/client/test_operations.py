"""client.operations / client.aio.operations against the emulator: resume by name, wait, progress,
transient polling errors, failures with their details, cancel refused, bad inputs."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

import genai
from genai.errors import (
    InvalidArgumentError,
    NotSupportedError,
    OperationNotDoneError,
    OperationTimeoutError,
    PermissionDeniedError,
    UnavailableError,
)
from genai.testing import Emulator
from genai.types import TunedModel

PAIRS = [("1", "2"), ("3", "4")]
# Short poll backoffs; tuning steps of 20 ms (the emulator's default): 5 steps, 0.1 s per job.
FAST = genai.RetryOptions(initial=0.01, maximum=0.02, jitter=0.0)
SLOW = {"x-emulator-tuning-step": "2"}  # 10 s per job: longer than any wait below
STEPS = {"x-emulator-tuning-step": "0.1"}  # 0.5 s per job: several polls see it run


@pytest.fixture
def fast(emulator: Emulator) -> Iterator[genai.Client]:
    with emulator.client(retry=FAST, timeout=10) as client:
        yield client


def _start(client: genai.Client, **metadata: str) -> genai.Operation:
    config = {"metadata": metadata} if metadata else None
    return client.tunings.create(base_model="gemini-2.5-flash", training_dataset=PAIRS, config=config)  # type: ignore[arg-type]


def _polls(emulator: Emulator, name: str) -> int:
    return sum(
        1 for c in emulator.calls if c.method == "GetOperation" and getattr(c.request, "name", "") == name
    )


def test_an_operation_resumes_from_its_name_in_a_new_client(emulator: Emulator, fast: genai.Client) -> None:
    name = _start(fast).name
    assert name.startswith("tunedModels/") and "/operations/" in name
    with emulator.client(retry=FAST) as other:
        resumed = other.operations.get(name)
        assert resumed.name == name
        assert isinstance(resumed.metadata, genai.types.CreateTunedModelMetadata)
        done = resumed.wait(timeout=10)
        assert done is resumed and done.done
        model = done.result()
        assert isinstance(model, TunedModel) and model.state == TunedModel.ACTIVE
        assert model.name == resumed.metadata.tuned_model
        assert other.operations.wait(name, timeout=10).result().name == model.name
        # google-genai's loop passes the operation itself: `operation = client.operations.get(operation)`.
        assert other.operations.get(resumed).name == name and other.operations.get(resumed).done


def test_the_async_face_resumes_and_waits_without_blocking(emulator: Emulator) -> None:
    async def main() -> None:
        async with emulator.client(retry=FAST).aio as aio:
            op = await aio.tunings.create(
                base_model="gemini-2.5-flash", training_dataset=PAIRS, config={"metadata": STEPS}
            )
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.005)
                ticks += 1

        fresh = emulator.client(retry=FAST)
        task = asyncio.create_task(ticker())
        try:
            resumed = await fresh.aio.operations.get(op.name)
            await resumed.wait(timeout=10)
        finally:
            task.cancel()
            fresh.close()
        assert resumed.result().state == TunedModel.ACTIVE
        assert ticks >= 5  # the loop kept running while the wait slept between polls

    asyncio.run(main())


def test_wait_times_out_with_the_operation_name(fast: genai.Client) -> None:
    op = _start(fast, **SLOW)
    with pytest.raises(OperationTimeoutError) as caught:
        op.wait(timeout=0.2)
    assert isinstance(caught.value, TimeoutError)
    assert caught.value.name == op.name and op.name in str(caught.value)
    assert caught.value.operation is op and not op.done
    with pytest.raises(OperationNotDoneError):
        op.result()
    with pytest.raises(OperationTimeoutError) as again:
        fast.operations.wait(op.name, timeout=0.2)
    assert again.value.name == op.name


def test_async_wait_times_out_with_the_operation_name(emulator: Emulator) -> None:
    async def main() -> None:
        client = emulator.client(retry=FAST)
        try:
            op = await client.aio.tunings.create(
                base_model="gemini-2.5-flash", training_dataset=PAIRS, config={"metadata": SLOW}
            )
            with pytest.raises(OperationTimeoutError) as caught:
                await client.aio.operations.wait(op.name, timeout=0.2)
            assert caught.value.name == op.name
        finally:
            client.close()

    asyncio.run(main())


def test_progress_is_reported_on_every_poll(fast: genai.Client) -> None:
    op = _start(fast, **STEPS)
    seen: list[tuple[int, int]] = []
    op.wait(
        timeout=10, on_progress=lambda o: seen.append((o.metadata.completed_steps, o.metadata.total_steps))
    )
    assert len(seen) >= 3
    steps = [done for done, _ in seen]
    assert steps == sorted(steps) and steps[-1] == 5 and steps[0] < 5
    assert {total for _, total in seen} == {5}
    assert len(op.metadata.snapshots) == 5
    assert op.metadata.completed_percent == pytest.approx(100.0)


def test_async_progress_is_reported(emulator: Emulator) -> None:
    async def main() -> list[int]:
        client = emulator.client(retry=FAST)
        try:
            op = await client.aio.tunings.create(
                base_model="gemini-2.5-flash",
                training_dataset=PAIRS,
                config={"metadata": STEPS},
            )
            seen: list[int] = []
            await op.wait(timeout=10, on_progress=lambda o: seen.append(o.metadata.completed_steps))
            return seen
        finally:
            client.close()

    seen = asyncio.run(main())
    assert len(seen) >= 3 and seen == sorted(seen) and seen[-1] == 5


def test_transient_polling_errors_are_waited_out(emulator: Emulator, fast: genai.Client) -> None:
    name = _start(fast).name
    emulator.reset()
    faults = {"metadata": {"x-emulator-fail": "UNAVAILABLE:3"}}
    done = fast.operations.wait(name, timeout=10, config=faults)  # type: ignore[arg-type]
    assert done.result().state == TunedModel.ACTIVE
    assert _polls(emulator, name) >= 4  # three failed polls, then the answers


def test_async_transient_polling_errors_are_waited_out(emulator: Emulator, fast: genai.Client) -> None:
    name = _start(fast).name
    emulator.reset()

    async def main() -> genai.AsyncOperation:
        faults = {"metadata": {"x-emulator-fail": "DEADLINE_EXCEEDED:2"}}
        return await fast.aio.operations.wait(name, timeout=10, config=faults)  # type: ignore[arg-type]

    assert asyncio.run(main()).done
    assert _polls(emulator, name) >= 3


def test_persistent_polling_errors_end_in_the_timeout_with_the_last_error(fast: genai.Client) -> None:
    name = _start(fast).name
    faults = {"metadata": {"x-emulator-fail": "UNAVAILABLE:always"}}
    with pytest.raises(OperationTimeoutError) as caught:
        fast.operations.wait(name, timeout=0.3, config=faults)  # type: ignore[arg-type]
    assert caught.value.name == name
    assert caught.value.operation is None  # no poll ever answered
    assert isinstance(caught.value.__cause__, UnavailableError)


def test_a_polling_error_that_is_not_transient_is_raised(fast: genai.Client) -> None:
    name = _start(fast).name
    faults = {"metadata": {"x-emulator-fail": "PERMISSION_DENIED:1"}}
    with pytest.raises(PermissionDeniedError) as caught:
        fast.operations.wait(name, timeout=10, config=faults)  # type: ignore[arg-type]
    assert caught.value.operation_name == name


def test_a_failed_operation_raises_its_error_with_details(fast: genai.Client) -> None:
    op = _start(fast, **{"x-emulator-tuning-fail": "INVALID_ARGUMENT"})
    with pytest.raises(InvalidArgumentError) as caught:
        op.wait(timeout=10)
    error = caught.value
    assert error.operation_name == op.name
    assert error.reason == "EMULATOR_TUNING_FAILED"
    assert error.error_metadata["tuned_model"] == op.metadata.tuned_model
    assert op.done and isinstance(op.error, InvalidArgumentError)
    with pytest.raises(InvalidArgumentError):
        op.result()
    assert fast.tunings.get(op.metadata.tuned_model).state == TunedModel.FAILED


def test_async_failed_operation_raises(emulator: Emulator) -> None:
    async def main() -> None:
        client = emulator.client(retry=FAST)
        try:
            op = await client.aio.tunings.create(
                base_model="gemini-2.5-flash",
                training_dataset=PAIRS,
                config={"metadata": {"x-emulator-tuning-fail": "RESOURCE_EXHAUSTED"}},
            )
            with pytest.raises(genai.errors.ResourceExhaustedError) as caught:
                await op.wait(timeout=10)
            assert caught.value.operation_name == op.name
        finally:
            client.close()

    asyncio.run(main())


def test_cancel_is_refused_clearly_on_both_faces(fast: genai.Client) -> None:
    op = _start(fast)
    with pytest.raises(NotSupportedError, match="CancelOperation"):
        op.cancel()
    with pytest.raises(NotImplementedError):
        fast.operations.cancel(op.name)

    async def main() -> None:
        with pytest.raises(NotSupportedError):
            await fast.aio.operations.cancel(op.name)

    asyncio.run(main())


def test_list_gives_a_tuned_models_operations(fast: genai.Client) -> None:
    op = _start(fast)
    parent = op.metadata.tuned_model
    assert [o.name for o in fast.operations.list(parent)] == [op.name]


@pytest.mark.parametrize(
    ("call", "error", "where"),
    [
        (lambda c: c.operations.get(5), TypeError, "name"),
        (lambda c: c.operations.get("tunedModels/x"), ValueError, "name"),
        (lambda c: c.operations.wait("tunedModels/x/operations/y", timeout=-1), ValueError, "timeout"),
        (lambda c: c.operations.wait("tunedModels/x/operations/y", on_progress=5), TypeError, "on_progress"),
        (lambda c: list(c.operations.list("cachedContents/x")), ValueError, "parent"),
    ],
)
def test_bad_inputs_name_the_argument(fast: genai.Client, call: object, error: type, where: str) -> None:
    with pytest.raises(error, match=where):
        call(fast)  # type: ignore[operator]


def test_unknown_operations_are_not_found(fast: genai.Client) -> None:
    with pytest.raises(genai.errors.NotFoundError):
        fast.operations.get("tunedModels/nope/operations/nope")
