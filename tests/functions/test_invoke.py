"""FunctionInvoker / AsyncFunctionInvoker: sync and async callables from each face, errors as responses,
and concurrent calls through the real transports' gather (two calls that each wait on the other)."""

from __future__ import annotations

import asyncio
import functools
import gc
import inspect
import threading
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

import pytest
from google.protobuf import json_format

from genai import types
from genai._functions.invoke import AsyncFunctionInvoker, FunctionInvoker, is_async_callable
from genai._functions.table import FunctionJob, FunctionTable
from genai._transport import AsyncTransport, ChannelSettings, Transport

T = TypeVar("T")
WAIT = 5.0  # how long a call waits for the other before giving up (a failure, never a hang)
SETTINGS = ChannelSettings(endpoint="localhost:1", insecure=True)  # gather makes no connection


def _run(coro: Awaitable[T]) -> T:
    async def bounded() -> T:
        return await asyncio.wait_for(coro, 15)

    return asyncio.run(bounded())


def _job(fn: Callable[..., Any], name: str = "f", call_id: str = "id-1", **kwargs: Any) -> FunctionJob:
    return FunctionJob(types.FunctionCall(id=call_id, name=name), fn, kwargs=kwargs)


def _answer(part: types.Part, call_id: str = "id-1", name: str = "f") -> dict[str, Any]:
    response = part.function_response
    assert (response.id, response.name) == (call_id, name)
    return json_format.MessageToDict(response.response)


def add(a: int, b: int) -> int:
    return a + b


async def add_async(a: int, b: int) -> int:
    await asyncio.sleep(0)
    return a + b


class AsyncAdder:
    async def __call__(self, a: int, b: int) -> int:
        return a + b


def fail(a: int) -> int:
    raise LookupError(f"nothing for {a}")


async def fail_async(a: int) -> int:
    await asyncio.sleep(0)
    raise LookupError(f"nothing for {a}")


# (callable, the arguments left to pass, whether it is async)
ADDERS: list[tuple[Callable[..., Any], dict[str, int], bool]] = [
    (add, {"a": 1, "b": 2}, False),
    (add_async, {"a": 1, "b": 2}, True),
    (AsyncAdder(), {"a": 1, "b": 2}, True),
    (functools.partial(add_async, 1), {"b": 2}, True),
    (functools.partial(add, b=2), {"a": 1}, False),
]
ADDER_IDS = ["sync", "async", "async object", "async partial", "partial"]


def test_the_pair_is_twins_for_the_generated_face() -> None:
    """The sync face calls FunctionInvoker where the asyncio source calls AsyncFunctionInvoker."""
    assert inspect.signature(FunctionInvoker.call) == inspect.signature(AsyncFunctionInvoker.call)
    assert inspect.iscoroutinefunction(AsyncFunctionInvoker.call)
    assert not inspect.iscoroutinefunction(FunctionInvoker.call)


def test_is_async_callable() -> None:
    assert [is_async_callable(fn) for fn, _, _ in ADDERS] == [is_async for _, _, is_async in ADDERS]


@pytest.mark.parametrize(("fn", "kwargs", "is_async"), ADDERS, ids=ADDER_IDS)
def test_both_invokers_run_sync_and_async_callables(
    fn: Callable[..., Any], kwargs: dict[str, int], is_async: bool
) -> None:
    job = _job(fn, **kwargs)
    assert _answer(FunctionInvoker.call(job)) == {"result": 3}
    assert _answer(_run(AsyncFunctionInvoker.call(job))) == {"result": 3}


@pytest.mark.parametrize("fn", [fail, fail_async], ids=["sync", "async"])
def test_a_raising_function_becomes_an_error_response(fn: Callable[..., Any]) -> None:
    job = _job(fn, name="lookup", call_id="c-9", a=4)
    expected = {"error": "LookupError: nothing for 4"}
    assert _answer(FunctionInvoker.call(job), "c-9", "lookup") == expected
    assert _answer(_run(AsyncFunctionInvoker.call(job)), "c-9", "lookup") == expected


def test_planning_errors_are_sent_without_calling() -> None:
    calls: list[int] = []
    job = FunctionJob(types.FunctionCall(id="x", name="f"), calls.append, error="unknown function 'f'")
    assert _answer(FunctionInvoker.call(job), "x") == {"error": "unknown function 'f'"}
    assert _answer(_run(AsyncFunctionInvoker.call(job)), "x") == {"error": "unknown function 'f'"}
    assert calls == []


@pytest.mark.parametrize("stop", [KeyboardInterrupt, SystemExit, asyncio.CancelledError])
def test_interrupts_and_cancellation_propagate(stop: type[BaseException]) -> None:
    def sync_stop() -> None:
        raise stop()

    async def async_stop() -> None:
        raise stop()

    for fn in (sync_stop, async_stop):
        # asyncio keeps the task that raised in a reference cycle; collecting it here runs its
        # finalizer now, not at some point of a later test (where, on CPython 3.11, a finalizer
        # that runs inside ast.parse makes it fail with SystemError).
        with pytest.raises(stop):
            FunctionInvoker.call(_job(fn))
        gc.collect()
        with pytest.raises(stop):
            _run(AsyncFunctionInvoker.call(_job(fn)))
        gc.collect()


def test_the_async_invoker_runs_sync_callables_off_the_event_loop() -> None:
    async def main() -> None:
        loop_thread = threading.get_ident()
        released = threading.Event()

        def blocking() -> int:
            assert threading.get_ident() != loop_thread
            return int(released.wait(WAIT))  # set by a task on the loop: a blocked loop never sets it

        async def release() -> None:
            await asyncio.sleep(0.01)
            released.set()

        part, _ = await asyncio.gather(AsyncFunctionInvoker.call(_job(blocking)), release())
        assert _answer(part) == {"result": 1}

    _run(main())


def test_the_async_invoker_awaits_async_callables_on_the_running_loop() -> None:
    async def main() -> None:
        caller = asyncio.get_running_loop()

        async def where() -> bool:
            return asyncio.get_running_loop() is caller

        assert _answer(await AsyncFunctionInvoker.call(_job(where))) == {"result": True}

    _run(main())


def test_the_sync_invoker_runs_async_callables_inside_a_running_loop_too() -> None:
    async def main() -> types.Part:
        return FunctionInvoker.call(_job(add_async, a=2, b=2))  # blocks the loop: the caller's choice

    assert _answer(_run(main())) == {"result": 4}


@pytest.fixture
def transport() -> Iterator[Transport]:
    with Transport(SETTINGS) as t:
        yield t


def _plan(fn: Callable[..., Any]) -> tuple[FunctionJob, ...]:
    table = FunctionTable.from_tools([fn])
    assert table is not None
    calls = [types.FunctionCall(id=me, name=fn.__name__) for me in ("first", "second")]
    for call in calls:
        call.args.update({"me": call.id})
    return table.plan(calls).jobs


def test_parallel_sync_calls_meet_through_transport_gather(transport: Transport) -> None:
    barrier = threading.Barrier(2, timeout=WAIT)

    def meet(me: str) -> str:
        barrier.wait()  # returns only once the other call waits too: they run at the same time
        return me

    parts = transport.gather([functools.partial(FunctionInvoker.call, job) for job in _plan(meet)])
    assert [_answer(part, me, "meet") for part, me in zip(parts, ["first", "second"], strict=True)] == [
        {"result": "first"},
        {"result": "second"},
    ]


def _meeting() -> Callable[[str], Awaitable[str]]:
    arrived = {"first": asyncio.Event(), "second": asyncio.Event()}

    async def meet(me: str) -> str:
        arrived[me].set()
        other = "second" if me == "first" else "first"
        await asyncio.wait_for(arrived[other].wait(), WAIT)
        return me

    return meet


def test_parallel_async_calls_meet_through_async_transport_gather() -> None:
    async def main() -> list[types.Part]:
        transport = AsyncTransport(SETTINGS)
        try:
            jobs = _plan(_meeting())
            return await transport.gather([functools.partial(AsyncFunctionInvoker.call, job) for job in jobs])
        finally:
            await transport.aclose()

    parts = _run(main())
    assert [_answer(part, me, "meet") for part, me in zip(parts, ["first", "second"], strict=True)] == [
        {"result": "first"},
        {"result": "second"},
    ]


def test_parallel_sync_callables_in_the_async_face_run_on_threads() -> None:
    barrier = threading.Barrier(2, timeout=WAIT)

    def meet(me: str) -> str:
        barrier.wait()
        return me

    async def main() -> list[types.Part]:
        transport = AsyncTransport(SETTINGS)
        try:
            jobs = _plan(meet)
            return await transport.gather([functools.partial(AsyncFunctionInvoker.call, job) for job in jobs])
        finally:
            await transport.aclose()

    parts = _run(main())
    assert [_answer(part, me, "meet") for part, me in zip(parts, ["first", "second"], strict=True)] == [
        {"result": "first"},
        {"result": "second"},
    ]


def test_sequential_calls_would_not_meet(transport: Transport) -> None:
    """The check above is real: run one after the other, the calls time out waiting for each other."""
    barrier = threading.Barrier(2, timeout=0.2)

    def meet(me: str) -> str:
        barrier.wait()
        return me

    parts = [FunctionInvoker.call(job) for job in _plan(meet)]
    errors = [_answer(part, me, "meet")["error"] for part, me in zip(parts, ["first", "second"], strict=True)]
    assert all(error.startswith("BrokenBarrierError") for error in errors)
