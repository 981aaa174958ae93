"""The asyncio runtime's unbounded queue (a session's inbox): order, waiting getters, cancellation."""

from __future__ import annotations

import asyncio

import pytest

from genai._live.runtime import AsyncLiveRuntime


def test_items_come_out_in_order_and_get_nowait_gives_none_when_empty() -> None:
    async def main() -> None:
        inbox = AsyncLiveRuntime().queue(0)
        assert inbox.get_nowait() is None
        for i in range(3):
            inbox.put_nowait(i)
        assert inbox.qsize() == 3
        assert [await inbox.get(None), inbox.get_nowait(), await inbox.get(None)] == [0, 1, 2]
        assert inbox.qsize() == 0

    asyncio.run(main())


def test_waiting_getters_are_served_in_turn() -> None:
    async def main() -> None:
        inbox = AsyncLiveRuntime().queue(0)
        getters = [asyncio.create_task(inbox.get(None)) for _ in range(3)]
        await asyncio.sleep(0)
        for item in "abc":
            inbox.put_nowait(item)
        assert await asyncio.gather(*getters) == ["a", "b", "c"]

    asyncio.run(main())


def test_a_timeout_gives_none_and_leaves_no_getter_behind() -> None:
    async def main() -> None:
        inbox = AsyncLiveRuntime().queue(0)
        assert await inbox.get(0.01) is None
        inbox.put_nowait("x")
        assert await inbox.get(0.01) == "x"

    asyncio.run(main())


def test_a_getter_cancelled_after_its_wakeup_passes_the_item_on() -> None:
    async def main() -> None:
        inbox = AsyncLiveRuntime().queue(0)
        first = asyncio.create_task(inbox.get(None))
        second = asyncio.create_task(inbox.get(None))
        await asyncio.sleep(0)
        inbox.put_nowait("only")  # wakes the first getter ...
        first.cancel()  # ... which is cancelled before it runs
        assert await asyncio.wait_for(second, 1) == "only"
        assert first.cancelled()
        assert inbox.qsize() == 0

    asyncio.run(main())


# -- a getter that follows the producer task (the session's reader) --------------------------------


async def _producer(inbox: object, gate: asyncio.Future[None], log: list[str]) -> None:
    await gate
    inbox.put_nowait("x")  # type: ignore[attr-defined]
    log.append("put")
    await asyncio.get_running_loop().create_future()  # waits until cancelled


async def _getter(inbox: object, log: list[str]) -> object:
    item = await inbox.get(None)  # type: ignore[attr-defined]
    log.append("got")
    return item


def test_a_following_getter_runs_in_the_same_loop_turn_as_the_producer() -> None:
    async def main() -> None:
        inbox = AsyncLiveRuntime().queue(0)
        gate: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        log: list[str] = []
        producer = asyncio.create_task(_producer(inbox, gate, log))
        await asyncio.sleep(0)
        inbox.follow(producer)
        getter = asyncio.create_task(_getter(inbox, log))
        await asyncio.sleep(0)
        gate.set_result(None)
        await asyncio.sleep(0)  # one turn of the loop: the producer, then the getter right after it
        assert log == ["put", "got"]
        assert await getter == "x"
        producer.cancel()

    asyncio.run(main())


def test_an_unfollowed_getter_needs_one_more_turn() -> None:  # what following saves
    async def main() -> None:
        inbox = AsyncLiveRuntime().queue(0)
        gate: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        log: list[str] = []
        producer = asyncio.create_task(_producer(inbox, gate, log))
        getter = asyncio.create_task(_getter(inbox, log))
        await asyncio.sleep(0)
        gate.set_result(None)
        await asyncio.sleep(0)
        assert log == ["put"]
        assert await getter == "x"
        producer.cancel()

    asyncio.run(main())


def test_cancelling_a_following_getter_leaves_the_producers_wait_alone() -> None:
    async def main() -> None:
        inbox = AsyncLiveRuntime().queue(0)
        gate: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        log: list[str] = []
        producer = asyncio.create_task(_producer(inbox, gate, log))
        await asyncio.sleep(0)
        inbox.follow(producer)
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(inbox.get(None), 0.01)
        assert not gate.cancelled() and not producer.done()
        gate.set_result(None)
        assert await asyncio.wait_for(inbox.get(None), 1) == "x"
        assert log == ["put"]
        producer.cancel()

    asyncio.run(main())


def test_a_following_getter_cancelled_after_its_wakeup_leaves_the_item() -> None:
    async def main() -> None:
        inbox = AsyncLiveRuntime().queue(0)
        gate: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        log: list[str] = []
        producer = asyncio.create_task(_producer(inbox, gate, log))
        await asyncio.sleep(0)
        inbox.follow(producer)
        getter = asyncio.create_task(_getter(inbox, log))
        await asyncio.sleep(0)
        gate.set_result(None)  # the producer and the getter's wake are queued ...
        getter.cancel()  # ... and the getter is cancelled before either runs
        with pytest.raises(asyncio.CancelledError):
            await getter
        assert log == ["put"]
        assert inbox.get_nowait() == "x"
        producer.cancel()

    asyncio.run(main())


def test_a_put_by_another_task_wakes_a_following_getter() -> None:
    async def main() -> None:
        inbox = AsyncLiveRuntime().queue(0)
        gate: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        producer = asyncio.create_task(_producer(inbox, gate, []))
        await asyncio.sleep(0)
        inbox.follow(producer)
        getter = asyncio.create_task(inbox.get(None))
        await asyncio.sleep(0)
        inbox.put_nowait("from elsewhere")  # the producer still waits at its gate
        assert await asyncio.wait_for(getter, 1) == "from elsewhere"
        assert not gate.done()
        producer.cancel()

    asyncio.run(main())


def test_a_getter_follows_a_finished_producer_by_waiting_on_its_own() -> None:
    async def main() -> None:
        inbox = AsyncLiveRuntime().queue(0)

        async def done() -> None:
            return None

        producer = asyncio.create_task(done())
        await producer
        inbox.follow(producer)
        getter = asyncio.create_task(inbox.get(None))
        await asyncio.sleep(0)
        inbox.put_nowait("late")
        assert await asyncio.wait_for(getter, 1) == "late"

    asyncio.run(main())
