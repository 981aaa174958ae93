"""The asyncio runtime's unbounded queue (a session's inbox): order, waiting getters, cancellation."""

from __future__ import annotations

import asyncio

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
