"""Closing: `aclose()` releases a loop's connections and leaves the face usable, `close()` is for good,
and replacing the facade's default client never cuts its running calls short."""

from __future__ import annotations

import asyncio
import gc
import threading
import weakref
from collections.abc import Iterator

import grpc
import pytest

import genai
from genai.errors import UsageError
from genai.testing import Emulator

MODEL = "gemini-2.5-flash"
SLOW = {"metadata": [("x-emulator-chunks", "8"), ("x-emulator-chunk-delay", "0.05")]}


def test_the_readme_async_main_runs_in_two_event_loops(emulator: Emulator) -> None:
    client = emulator.client(timeout=10)

    async def main() -> str:
        response = await client.aio.models.generate_content(model=MODEL, contents="Hi")
        async with await client.aio.models.generate_content_stream(model=MODEL, contents="Hi") as stream:
            streamed = "".join([chunk.text async for chunk in stream])
        await client.aio.aclose()
        assert streamed == response.text
        return response.text

    first = asyncio.run(main())
    assert asyncio.run(main()) == first  # aclose() released the first loop's connections, nothing more

    async def with_block() -> None:
        async with client.aio:
            assert (await client.aio.models.generate_content(model=MODEL, contents="Hi")).text == first

    asyncio.run(with_block())
    asyncio.run(with_block())
    client.close()


def test_aclose_releases_the_loops_connections(emulator: Emulator) -> None:
    client = emulator.client(timeout=10)

    async def main() -> None:
        await client.aio.models.get(model=MODEL)
        loop = asyncio.get_running_loop()
        pool = client.aio._transport._pools[loop]
        await client.aio.aclose()
        assert loop not in client.aio._transport._pools
        assert {slot.channel.get_state() for slot in pool.slots} == {grpc.ChannelConnectivity.SHUTDOWN}
        await client.aio.models.get(model=MODEL)  # reconnects
        assert client.aio._transport._pools[loop] is not pool
        await client.aio.aclose()

    asyncio.run(main())
    client.close()


def test_close_is_for_good_for_both_faces(emulator: Emulator) -> None:
    client = emulator.client(timeout=10)
    client.models.get(model=MODEL)

    async def use() -> None:
        await client.aio.models.get(model=MODEL)

    asyncio.run(use())
    client.close()
    client.close()  # idempotent
    with pytest.raises(UsageError, match="closed"):
        client.models.get(model=MODEL)
    with pytest.raises(UsageError, match="closed"):
        asyncio.run(use())


def test_close_from_inside_a_running_loop_closes_its_connections(emulator: Emulator) -> None:
    client = emulator.client(timeout=10)

    async def main() -> None:
        await client.aio.models.get(model=MODEL)
        client.close()  # sync close while this loop runs: its pool closes on the loop
        with pytest.raises(UsageError, match="closed"):
            await client.aio.models.get(model=MODEL)
        await asyncio.sleep(0.05)

    asyncio.run(main())


@pytest.fixture
def reset_default() -> Iterator[None]:
    yield
    genai.legacy._default_client = None


@pytest.mark.usefixtures("reset_default")
def test_configure_again_lets_running_streams_finish(emulator: Emulator) -> None:
    genai.configure(api_key="first", endpoint=emulator.endpoint, insecure=True)
    old = genai.legacy.default_client()
    old_transport = weakref.ref(old._transport)
    model = genai.GenerativeModel(MODEL)
    stream = model.generate_content("a story that takes a while", stream=True, request_options=SLOW)
    first = next(iter(stream))
    completed = emulator.completed_streams

    genai.configure(api_key="second", endpoint=emulator.endpoint, insecure=True)
    assert genai.legacy.default_client() is not old
    rest = [chunk.text for chunk in stream]  # the old client's stream is not cut short
    assert first.text + "".join(rest) == stream.text
    whole = model.generate_content("a story that takes a while", request_options=SLOW).text
    assert stream.text == whole  # the same request's unary reply (chunk delays do not change it)
    assert emulator.wait_for(lambda: emulator.completed_streams == completed + 1)
    assert model.generate_content("new calls use the new client").text.startswith(
        'You said: "new calls use the new client". '
    )

    del old, stream, first
    gc.collect()
    assert old_transport() is None  # once its last call is done, the old client is gone, closed


@pytest.mark.usefixtures("reset_default")
def test_configure_again_lets_a_running_call_in_another_thread_finish(emulator: Emulator) -> None:
    genai.configure(api_key="first", endpoint=emulator.endpoint, insecure=True)
    model = genai.GenerativeModel(MODEL)
    results: list[str] = []
    errors: list[BaseException] = []

    def call() -> None:
        try:
            slow = {"metadata": [("x-emulator-delay", "0.3")]}
            results.append(model.generate_content("slow answer", request_options=slow).text)
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=call)
    thread.start()
    # The call is running (its reply is 0.3 s away) when the default client is replaced.
    assert emulator.wait_for(lambda: any("slow answer" in str(c.request) for c in emulator.calls))
    genai.configure(api_key="second", endpoint=emulator.endpoint, insecure=True)
    thread.join(10)
    assert not errors
    assert len(results) == 1 and results[0].startswith('You said: "slow answer". ')
