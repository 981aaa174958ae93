"""client.caches and client.aio.caches over real gRPC against an emulator on a manual clock.

What the server received is read from the emulator's call records (the update mask, the ttl,
the coerced contents); expiry is driven by advancing the emulator's clock, never by sleeping.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from google.genai import types as gtypes

import genai
from genai import types
from genai.testing import Emulator, ManualClock

MODEL = "gemini-2.5-flash"
DOC = "A long document about the migration of arctic terns."  # 10 tokens
SYSTEM = "Answer from the document."  # 5 tokens


def weather(city: str) -> str:
    """The weather in a city."""
    return f"sunny in {city}"


@pytest.fixture(scope="module")
def clock() -> ManualClock:
    return ManualClock(start=1_800_000_000.0)


@pytest.fixture(scope="module")
def emu(clock: ManualClock) -> Iterator[Emulator]:
    with Emulator(clock=clock) as emulator:
        yield emulator


@pytest.fixture
def client(emu: Emulator) -> Iterator[genai.Client]:
    with emu.client(timeout=10) as c:
        yield c


def now(clock: ManualClock) -> dt.datetime:
    return dt.datetime.fromtimestamp(clock.now_ns() / 1e9, dt.timezone.utc)


def received(emu: Emulator, method: str) -> list[Any]:
    return [call.request for call in emu.calls if call.service == "CacheService" and call.method == method]


def test_create_get_list_update_delete(client: genai.Client, emu: Emulator, clock: ManualClock) -> None:
    for left in list(client.caches.list()):  # whatever another test left: the list below is exact
        left.delete()
    emu.reset()
    start = now(clock)
    cache = client.caches.create(
        model=MODEL,
        config=genai.CreateCachedContentConfig(
            contents=DOC,
            system_instruction=SYSTEM,
            tools=[weather],
            display_name="terns",
            ttl=dt.timedelta(minutes=5),
        ),
    )
    assert isinstance(cache, genai.CachedContent)
    assert cache.name.startswith("cachedContents/")
    assert (cache.model, cache.display_name) == (f"models/{MODEL}", "terns")
    assert cache.create_time == cache.update_time == start
    assert cache.expire_time == start + dt.timedelta(minutes=5)
    # The cache's tokens are what the same prompt counts in a generate request.
    counted = client.models.count_tokens(
        model=MODEL, contents=DOC, config={"system_instruction": SYSTEM, "tools": [weather]}
    )
    assert cache.usage_metadata.total_token_count == counted.total_tokens > 15
    # Coerced as generate coerces: a str is one user turn, the function a declaration.
    [sent] = received(emu, "CreateCachedContent")
    assert list(sent.cached_content.contents) == [types.Content(role="user", parts=[types.Part(text=DOC)])]
    assert sent.cached_content.system_instruction == types.Content(parts=[types.Part(text=SYSTEM)])
    assert sent.cached_content.tools[0].function_declarations[0].name == "weather"
    assert sent.cached_content.ttl.seconds == 300 and not sent.cached_content.HasField("expire_time")

    bare_id = cache.name.removeprefix("cachedContents/")
    assert client.caches.get(name=bare_id) == client.caches.get(name=cache.name) == cache

    others = [client.caches.create(model=MODEL, config={"contents": f"text {i}"}) for i in range(2)]
    listed = list(client.caches.list(config={"page_size": 1}))
    assert [c.name for c in listed] == [cache.name, *(o.name for o in others)]
    pages = received(emu, "ListCachedContents")
    assert [p.page_size for p in pages] == [1, 1, 1]
    assert pages[0].page_token == "" and all(p.page_token for p in pages[1:])

    clock.advance(60)
    longer = client.caches.update(name=cache.name, config={"ttl": 3600})
    assert longer.expire_time == start + dt.timedelta(seconds=60 + 3600)
    assert longer.update_time == start + dt.timedelta(seconds=60)
    at = dt.datetime(2030, 1, 1, 12, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    fixed = client.caches.update(name=bare_id, config=genai.UpdateCachedContentConfig(expire_time=at))
    assert fixed.expire_time == at
    masks = [(list(r.update_mask.paths), r.cached_content.name) for r in received(emu, "UpdateCachedContent")]
    assert masks == [(["ttl"], cache.name), (["expire_time"], cache.name)]

    client.caches.delete(name=bare_id)
    assert [r.name for r in received(emu, "DeleteCachedContent")] == [cache.name]
    with pytest.raises(genai.errors.NotFoundError):
        client.caches.get(name=cache.name)
    with pytest.raises(genai.errors.NotFoundError):
        client.caches.delete(name=cache.name)
    for other in others:
        other.delete()
    assert list(client.caches.list()) == []


def test_the_async_face(client: genai.Client, emu: Emulator, clock: ManualClock) -> None:
    async def main() -> None:
        caches = client.aio.caches
        cache = await caches.create(model=MODEL, config={"contents": DOC, "ttl": 120})
        assert isinstance(cache, genai.AsyncCachedContent)
        assert cache.expire_time == now(clock) + dt.timedelta(seconds=120)
        assert cache.usage_metadata.total_token_count == 10
        assert await caches.get(name=cache.name) == cache
        assert [c.name async for c in caches.list(config={"page_size": 1})] == [cache.name]
        updated = await caches.update(
            name=cache.name, config={"expireTime": now(clock) + dt.timedelta(hours=2)}
        )
        assert updated.expire_time == now(clock) + dt.timedelta(hours=2)
        reply = await client.aio.models.generate_content(
            model=MODEL, contents="Hi", config={"cached_content": cache.name}
        )
        assert reply.usage_metadata.cached_content_token_count == 10
        async with await caches.create(model=MODEL, config={"contents": "short"}) as scoped:
            assert (await caches.get(name=scoped.name)).name == scoped.name
        with pytest.raises(genai.errors.NotFoundError):
            await caches.get(name=scoped.name)
        await cache.delete()
        with pytest.raises(genai.errors.NotFoundError):
            await caches.get(name=cache.name)
        await client.aio.aclose()

    emu.reset()
    asyncio.run(main())
    assert [r.update_mask.paths[:] for r in received(emu, "UpdateCachedContent")] == [["expire_time"]]
    assert len(received(emu, "DeleteCachedContent")) == 2


def test_every_ttl_form_reaches_the_server_as_a_duration(client: genai.Client, emu: Emulator) -> None:
    forms: list[Any] = [dt.timedelta(minutes=2, microseconds=5), 120, 120.5, "120s", "120.25s"]
    emu.reset()
    for ttl in forms:
        client.caches.create(model=MODEL, config={"contents": DOC, "ttl": ttl}).delete()
    sent = [
        (r.cached_content.ttl.seconds, r.cached_content.ttl.nanos)
        for r in received(emu, "CreateCachedContent")
    ]
    assert sent == [(120, 5000), (120, 0), (120, 500_000_000), (120, 0), (120, 250_000_000)]


def test_a_google_genai_config_is_taken_as_it_is(client: genai.Client, emu: Emulator) -> None:
    config = gtypes.CreateCachedContentConfig(
        contents=[gtypes.Content(role="user", parts=[gtypes.Part(text=DOC)])], ttl="90s", display_name="g"
    )
    emu.reset()
    cache = client.caches.create(model=MODEL, config=config)
    assert (
        cache.display_name == "g" and received(emu, "CreateCachedContent")[0].cached_content.ttl.seconds == 90
    )
    client.caches.update(name=cache.name, config=gtypes.UpdateCachedContentConfig(ttl="30s"))
    assert received(emu, "UpdateCachedContent")[0].cached_content.ttl.seconds == 30
    cache.delete()
    with pytest.raises(ValueError, match=r"config\.kms_key_name: .*not supported"):
        client.caches.create(model=MODEL, config=gtypes.CreateCachedContentConfig(kms_key_name="k"))


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda c: c.caches.create(model=MODEL, config={"ttl": True}),
            TypeError,
            r"config\.ttl: expected .*bool",
        ),
        (lambda c: c.caches.create(model=MODEL, config={"ttl": -5}), ValueError, r"config\.ttl: .*positive"),
        (
            lambda c: c.caches.create(model=MODEL, config={"ttl": "5m"}),
            ValueError,
            r"config\.ttl: .*'300s'.*'5m'",
        ),
        (
            lambda c: c.caches.create(model=MODEL, config={"expire_time": dt.datetime(2030, 1, 1)}),
            ValueError,
            r"config\.expire_time: got a naive datetime",
        ),
        (
            lambda c: c.caches.create(model=MODEL, config={"expire_time": 1e9}),
            TypeError,
            r"config\.expire_time",
        ),
        (
            lambda c: c.caches.create(
                model=MODEL, config={"ttl": 60, "expire_time": dt.datetime.now(dt.timezone.utc)}
            ),
            ValueError,
            r"config: ttl and expire_time are exclusive",
        ),
        (lambda c: c.caches.create(model=MODEL, config={"contents": 5}), TypeError, r"config\.contents"),
        (lambda c: c.caches.create(model=MODEL, config={"tll": 5}), ValueError, r"unknown key 'tll'.*'ttl'"),
        (
            lambda c: c.caches.create(model=MODEL, config=5),
            TypeError,
            r"config: expected None, a genai\.Create",
        ),
        (
            lambda c: c.caches.create(model=MODEL, config=gtypes.UpdateCachedContentConfig(ttl="5s")),
            TypeError,
            r"config: expected None, a genai\.CreateCachedContentConfig.*got UpdateCachedContentConfig",
        ),
        (lambda c: c.caches.update(name="x", config={}), ValueError, r"config: give ttl or expire_time"),
        (lambda c: c.caches.update(name="x", config={"display_name": "n"}), ValueError, r"unknown key"),
        (lambda c: c.caches.get(name="models/x"), ValueError, r"name: expected a cache name .*'models/x'"),
        (lambda c: c.caches.delete(name=""), ValueError, r"name: expected a cache name"),
        (lambda c: c.caches.get(name=7), TypeError, r"name: expected a cache name str"),
        (lambda c: list(c.caches.list(config={"page_size": -1})), ValueError, r"config\.page_size"),
    ],
)
def test_bad_input_is_refused_before_anything_is_sent(
    client: genai.Client, emu: Emulator, call: Any, error: type[Exception], message: str
) -> None:
    emu.reset()
    with pytest.raises(error, match=message):
        call(client)
    assert [c for c in emu.calls if c.service == "CacheService"] == []


def test_the_server_refuses_what_only_it_can_judge(client: genai.Client) -> None:
    with pytest.raises(genai.errors.NotFoundError, match="models/gemini-0"):
        client.caches.create(model="gemini-0", config={"contents": DOC})
    with pytest.raises(
        genai.errors.InvalidArgumentError, match="needs contents, a system_instruction or tools"
    ):
        client.caches.create(model=MODEL)
    past = dt.datetime(2001, 1, 1, tzinfo=dt.timezone.utc)
    with pytest.raises(genai.errors.InvalidArgumentError, match=r"expire_time: must be in the future"):
        client.caches.create(model=MODEL, config={"contents": DOC, "expire_time": past})


def test_a_cache_expires_on_the_emulator_clock(client: genai.Client, clock: ManualClock) -> None:
    cache = client.caches.create(model=MODEL, config={"contents": DOC, "ttl": 60})
    clock.advance(59.999)
    assert client.caches.get(name=cache.name).name == cache.name
    client.models.generate_content(model=MODEL, contents="Hi", config={"cached_content": cache.name})
    clock.advance(0.001)
    with pytest.raises(genai.errors.NotFoundError):
        client.caches.get(name=cache.name)
    assert cache.name not in [c.name for c in client.caches.list()]
    with pytest.raises(genai.errors.NotFoundError, match="CachedContent not found"):
        client.models.generate_content(model=MODEL, contents="Hi", config={"cached_content": cache.name})
    # The default lifetime is one hour.
    default = client.caches.create(model=MODEL, config={"contents": DOC})
    assert default.expire_time == now(clock) + dt.timedelta(hours=1)
    clock.advance(3600)
    with pytest.raises(genai.errors.NotFoundError):
        default.delete()


def test_generate_with_a_cache_answers_from_it_and_reports_its_tokens(
    client: genai.Client, emu: Emulator
) -> None:
    with client.caches.create(model=MODEL, config={"contents": DOC, "system_instruction": SYSTEM}) as cache:
        cached = cache.usage_metadata.total_token_count
        assert cached == 15
        emu.reset()
        reply = client.models.generate_content(
            model=MODEL, contents="Hi", config={"cached_content": cache.name}
        )
        [sent] = [c.request for c in emu.calls if c.method == "GenerateContent"]
        assert sent.cached_content == cache.name and not sent.HasField("system_instruction")
        assert 'Instructions: "Answer from the document"' in reply.text  # the cache's system instruction
        usage = reply.usage_metadata
        assert usage.cached_content_token_count == cached
        assert usage.prompt_token_count == cached + 1  # the cache's tokens and "Hi"
        stream = client.models.generate_content_stream(
            model=MODEL, contents="Hi", config={"cached_content": cache.name.removeprefix("cachedContents/")}
        )
        assert stream.resolve().usage_metadata.cached_content_token_count == cached
        with pytest.raises(genai.errors.InvalidArgumentError, match="has to be the same"):
            client.models.generate_content(
                model="gemini-2.5-pro", contents="Hi", config={"cached_content": cache.name}
            )
        with pytest.raises(genai.errors.InvalidArgumentError, match="CachedContent can not be used"):
            client.models.generate_content(
                model=MODEL, contents="Hi", config={"cached_content": cache.name, "system_instruction": "x"}
            )
        plain = client.models.generate_content(model=MODEL, contents="Hi")
        assert plain.usage_metadata.cached_content_token_count == 0


def test_the_context_manager_deletes_the_cache_however_the_block_ends(
    client: genai.Client, emu: Emulator
) -> None:
    with client.caches.create(model=MODEL, config={"contents": DOC}) as cache:
        assert client.caches.get(name=cache.name) == cache
    with pytest.raises(genai.errors.NotFoundError):
        client.caches.get(name=cache.name)

    emu.reset()
    with (
        pytest.raises(RuntimeError, match="boom"),
        client.caches.create(model=MODEL, config={"contents": DOC}) as failing,
    ):
        raise RuntimeError("boom")
    assert [r.name for r in received(emu, "DeleteCachedContent")] == [failing.name]
    with pytest.raises(genai.errors.NotFoundError):
        client.caches.get(name=failing.name)

    with client.caches.create(model=MODEL, config={"contents": DOC}) as early:
        early.delete()  # already gone at exit: fine


def test_the_async_context_manager_deletes_when_the_block_raises(client: genai.Client, emu: Emulator) -> None:
    async def main() -> str:
        try:
            async with await client.aio.caches.create(model=MODEL, config={"contents": DOC}) as cache:
                raise KeyError("inside")
        except KeyError:
            pass
        else:
            raise AssertionError("the block's exception was swallowed")
        with pytest.raises(genai.errors.NotFoundError):
            await client.aio.caches.get(name=cache.name)
        await client.aio.aclose()
        return cache.name

    emu.reset()
    name = asyncio.run(main())
    assert [r.name for r in received(emu, "DeleteCachedContent")] == [name]
