"""CacheService on the emulator, through plain generated stubs: validation as the real API does it,
metadata-only answers, paging, update masks, expiry on the store's clock, and generate with a cache."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import grpc
import pytest
from genai_protos import (
    cache_service_pb2,
    cache_service_pb2_grpc,
    cached_content_pb2,
    content_pb2,
    generative_service_pb2,
    generative_service_pb2_grpc,
)
from google.rpc import error_details_pb2, status_pb2

from genai.testing import Emulator, ManualClock

cs = cache_service_pb2
gs = generative_service_pb2
CachedContent = cached_content_pb2.CachedContent
MODEL = "models/gemini-2.5-flash"
TIMEOUT = 5.0


def user(text: str) -> content_pb2.Content:
    return content_pb2.Content(role="user", parts=[content_pb2.Part(text=text)])


@pytest.fixture(scope="module")
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture(scope="module")
def stubs(clock: ManualClock) -> Iterator[tuple[Any, Any]]:
    with Emulator(clock=clock) as emu, grpc.insecure_channel(emu.endpoint) as channel:
        yield (
            cache_service_pb2_grpc.CacheServiceStub(channel),
            generative_service_pb2_grpc.GenerativeServiceStub(channel),
        )


@pytest.fixture
def caches(stubs: tuple[Any, Any]) -> Any:
    return stubs[0]


@pytest.fixture
def gen(stubs: tuple[Any, Any]) -> Any:
    return stubs[1]


def create(caches: Any, **fields: Any) -> CachedContent:
    fields.setdefault("model", MODEL)
    request = cs.CreateCachedContentRequest(cached_content=CachedContent(**fields))
    created: CachedContent = caches.CreateCachedContent(request, timeout=TIMEOUT)
    return created


def refused(call: Any) -> tuple[grpc.StatusCode, str, list[str]]:
    """(code, details, BadRequest field paths) of a call that must fail."""
    with pytest.raises(grpc.RpcError) as caught:
        call()
    error: Any = caught.value
    fields: list[str] = []
    for key, value in error.trailing_metadata() or ():
        if key == "grpc-status-details-bin":
            for detail in status_pb2.Status.FromString(value).details:
                bad = error_details_pb2.BadRequest()
                if detail.Unpack(bad):
                    fields += [v.field for v in bad.field_violations]
    return error.code(), error.details(), fields


def test_answers_carry_the_metadata_and_never_the_cached_prompt(caches: Any, clock: ManualClock) -> None:
    tool = content_pb2.Tool(function_declarations=[content_pb2.FunctionDeclaration(name="look_up")])
    created = create(
        caches,
        contents=[user("Hello, world!")],
        system_instruction=content_pb2.Content(parts=[content_pb2.Part(text="Be brief")]),
        tools=[tool],
        display_name="greeting",
        ttl={"seconds": 30},
    )
    assert created.name.startswith("cachedContents/")
    assert created.display_name == "greeting"
    # Hello , world ! (4) + Be brief (2) + look_up (1): the emulator's token rule.
    assert created.usage_metadata.total_token_count == 7
    assert created.expire_time.ToNanoseconds() == clock.now_ns() + 30 * 10**9
    assert created.create_time.ToNanoseconds() == created.update_time.ToNanoseconds() == clock.now_ns()
    got = caches.GetCachedContent(cs.GetCachedContentRequest(name=created.name), timeout=TIMEOUT)
    listed = caches.ListCachedContents(cs.ListCachedContentsRequest(page_size=1000), timeout=TIMEOUT)
    for answer in (created, got, *[c for c in listed.cached_contents if c.name == created.name]):
        assert not answer.contents and not answer.tools
        assert not answer.HasField("system_instruction") and not answer.HasField("tool_config")
    assert got == created
    caches.DeleteCachedContent(cs.DeleteCachedContentRequest(name=created.name), timeout=TIMEOUT)


@pytest.mark.parametrize(
    ("fields", "code", "where"),
    [
        ({"model": ""}, grpc.StatusCode.INVALID_ARGUMENT, "cached_content.model"),
        ({"model": "gemini-2.5-flash"}, grpc.StatusCode.INVALID_ARGUMENT, "cached_content.model"),
        ({"model": "models/no-such-model", "contents": [user("x")]}, grpc.StatusCode.NOT_FOUND, ""),
        ({}, grpc.StatusCode.INVALID_ARGUMENT, "cached_content.contents"),
        ({"contents": [content_pb2.Content(role="robot", parts=[content_pb2.Part(text="x")])]},
         grpc.StatusCode.INVALID_ARGUMENT, "cached_content.contents[0].role"),
        ({"contents": [content_pb2.Content(role="user")]}, grpc.StatusCode.INVALID_ARGUMENT,
         "cached_content.contents[0].parts"),
        ({"system_instruction": content_pb2.Content()}, grpc.StatusCode.INVALID_ARGUMENT,
         "cached_content.system_instruction.parts"),
        ({"contents": [user("x")], "tools": [content_pb2.Tool(
            function_declarations=[content_pb2.FunctionDeclaration(name="1 bad")])]},
         grpc.StatusCode.INVALID_ARGUMENT, "cached_content.tools[0].function_declarations[0].name"),
        ({"contents": [user("x")], "ttl": {"seconds": -1}}, grpc.StatusCode.INVALID_ARGUMENT,
         "cached_content.ttl"),
        ({"contents": [user("x")], "expire_time": {"seconds": 1}}, grpc.StatusCode.INVALID_ARGUMENT,
         "cached_content.expire_time"),
    ],
)  # fmt: skip
def test_create_is_checked_like_the_real_api(
    caches: Any, fields: dict[str, Any], code: grpc.StatusCode, where: str
) -> None:
    fields.setdefault("model", MODEL)
    got_code, details, violations = refused(lambda: create(caches, **fields))
    assert got_code == code, details
    if where:
        assert where in violations, (details, violations)


def test_system_instruction_or_tools_alone_may_be_cached(caches: Any) -> None:
    only_system = create(
        caches, system_instruction=content_pb2.Content(parts=[content_pb2.Part(text="Be kind")])
    )
    assert only_system.usage_metadata.total_token_count == 2
    caches.DeleteCachedContent(cs.DeleteCachedContentRequest(name=only_system.name), timeout=TIMEOUT)


def test_names_are_checked_and_unknown_ones_are_not_found(caches: Any) -> None:
    for name in ("", "files/x", "cachedContents/", "cachedContents/a/b"):
        code, _, fields = refused(lambda n=name: caches.GetCachedContent(cs.GetCachedContentRequest(name=n)))
        assert (code, fields) == (grpc.StatusCode.INVALID_ARGUMENT, ["name"]), name
    for call in (
        lambda: caches.GetCachedContent(cs.GetCachedContentRequest(name="cachedContents/nope")),
        lambda: caches.DeleteCachedContent(cs.DeleteCachedContentRequest(name="cachedContents/nope")),
        lambda: caches.UpdateCachedContent(
            cs.UpdateCachedContentRequest(
                cached_content=CachedContent(name="cachedContents/nope", ttl={"seconds": 5}),
                update_mask={"paths": ["ttl"]},
            )
        ),
    ):
        assert refused(call)[0] == grpc.StatusCode.NOT_FOUND


def test_update_takes_only_ttl_or_expire_time_and_needs_a_mask(caches: Any, clock: ManualClock) -> None:
    cache = create(caches, contents=[user("x")], ttl={"seconds": 30})

    def update(paths: list[str], **fields: Any) -> CachedContent:
        request = cs.UpdateCachedContentRequest(
            cached_content=CachedContent(name=cache.name, **fields), update_mask={"paths": paths}
        )
        updated: CachedContent = caches.UpdateCachedContent(request, timeout=TIMEOUT)
        return updated

    for paths, fields in (([], {"ttl": {"seconds": 60}}), (["display_name"], {"display_name": "n"}),
                          (["model"], {"model": "models/gemini-2.5-pro"}), (["nope"], {})):  # fmt: skip
        code, details, violations = refused(lambda p=paths, f=fields: update(p, **f))
        assert (code, violations) == (grpc.StatusCode.INVALID_ARGUMENT, ["update_mask"]), details
    clock.advance(10)
    moved = update(["ttl"], ttl={"seconds": 60})
    assert moved.expire_time.ToNanoseconds() == clock.now_ns() + 60 * 10**9
    assert moved.update_time.ToNanoseconds() == clock.now_ns() != moved.create_time.ToNanoseconds()
    assert moved.display_name == "" and moved.model == MODEL  # nothing else changed
    at = clock.now_ns() // 10**9 + 5
    fixed = update(["expire_time"], expire_time={"seconds": at})
    assert fixed.expire_time.seconds == at
    clock.advance(5)
    assert refused(lambda: caches.GetCachedContent(cs.GetCachedContentRequest(name=cache.name)))[0] == (
        grpc.StatusCode.NOT_FOUND
    )


def test_list_pages_with_tokens(caches: Any) -> None:
    made = [create(caches, contents=[user(f"doc {i}")]).name for i in range(5)]
    names: list[str] = []
    token = ""
    while True:
        page = caches.ListCachedContents(cs.ListCachedContentsRequest(page_size=2, page_token=token))
        assert len(page.cached_contents) <= 2
        names += [c.name for c in page.cached_contents]
        token = page.next_page_token
        if not token:
            break
    assert [n for n in names if n in made] == made
    code, _, fields = refused(
        lambda: caches.ListCachedContents(cs.ListCachedContentsRequest(page_token="junk"))
    )
    assert (code, fields) == (grpc.StatusCode.INVALID_ARGUMENT, ["page_token"])
    for name in made:
        caches.DeleteCachedContent(cs.DeleteCachedContentRequest(name=name))


def test_generate_with_a_cache(caches: Any, gen: Any, clock: ManualClock) -> None:
    cache = create(
        caches,
        contents=[user("The launch code is 42.")],
        system_instruction=content_pb2.Content(parts=[content_pb2.Part(text="Be brief")]),
        ttl={"seconds": 60},
    )

    def generate(**fields: Any) -> gs.GenerateContentResponse:
        fields.setdefault("model", MODEL)
        fields.setdefault("cached_content", cache.name)
        request = gs.GenerateContentRequest(contents=[user("Hi")], **fields)
        response: gs.GenerateContentResponse = gen.GenerateContent(request, timeout=TIMEOUT)
        return response

    reply = generate()
    # The cache's system instruction and contents come first; the usage counts them as cached.
    assert 'Instructions: "Be brief"' in reply.candidates[0].content.parts[0].text
    usage = reply.usage_metadata
    # The launch code is 42 . (6) + Be brief (2)
    assert usage.cached_content_token_count == cache.usage_metadata.total_token_count == 8
    assert usage.prompt_token_count == 8 + 1
    assert usage.total_token_count == usage.prompt_token_count + usage.candidates_token_count
    streamed = gs.GenerateContentRequest(model=MODEL, contents=[user("Hi")], cached_content=cache.name)
    chunks = list(gen.StreamGenerateContent(streamed, timeout=TIMEOUT))
    assert chunks[-1].usage_metadata == usage

    clash = refused(lambda: generate(tools=[content_pb2.Tool(code_execution={})]))
    assert clash[0] == grpc.StatusCode.INVALID_ARGUMENT and "CachedContent can not be used" in clash[1]
    other_model = refused(lambda: generate(model="models/gemini-2.5-pro"))
    assert other_model[0] == grpc.StatusCode.INVALID_ARGUMENT and "has to be the same" in other_model[1]
    assert refused(lambda: generate(cached_content="bad"))[2] == ["cached_content"]
    assert refused(lambda: generate(cached_content="cachedContents/none"))[0] == grpc.StatusCode.NOT_FOUND
    clock.advance(60)
    code, details, _ = refused(generate)
    assert code == grpc.StatusCode.NOT_FOUND and cache.name in details
