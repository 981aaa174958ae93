"""The official google-ai-generativelanguage CacheServiceClient, over its own gRPC transport, against
our emulator: create, get, list (its pager), update with its FieldMask, delete, and a generate call
of the official GenerativeServiceClient that uses the cache."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

pytest.importorskip("google.ai.generativelanguage_v1beta")

import grpc
from google.ai import generativelanguage_v1beta as official
from google.ai.generativelanguage_v1beta.services.cache_service import transports as cache_transports
from google.ai.generativelanguage_v1beta.services.generative_service import (
    transports as generative_transports,
)
from google.api_core import exceptions as api_exceptions
from google.protobuf import field_mask_pb2

from genai.testing import Emulator, ManualClock

MODEL = "models/gemini-2.5-flash"
TIMEOUT = 5.0
METADATA = (("x-goog-api-key", "interop-key"),)
START = 1_750_000_000.0


@pytest.fixture(scope="module")
def clock() -> ManualClock:
    return ManualClock(start=START)


@pytest.fixture(scope="module")
def peers(
    clock: ManualClock,
) -> Iterator[tuple[official.CacheServiceClient, official.GenerativeServiceClient]]:
    with Emulator(clock=clock) as emulator, grpc.insecure_channel(emulator.endpoint) as channel:
        yield (
            official.CacheServiceClient(
                transport=cache_transports.CacheServiceGrpcTransport(channel=channel)
            ),
            official.GenerativeServiceClient(
                transport=generative_transports.GenerativeServiceGrpcTransport(channel=channel)
            ),
        )


def _user(text: str) -> official.Content:
    return official.Content(role="user", parts=[official.Part(text=text)])


def test_the_official_cache_client_runs_a_whole_lifecycle(
    peers: tuple[official.CacheServiceClient, official.GenerativeServiceClient], clock: ManualClock
) -> None:
    caches, generative = peers
    start = dt.datetime.fromtimestamp(START, dt.timezone.utc)
    created = caches.create_cached_content(
        cached_content=official.CachedContent(
            model=MODEL,
            display_name="interop",
            contents=[_user("The tide tables for May.")],
            system_instruction=official.Content(parts=[official.Part(text="Be brief")]),
            ttl=dt.timedelta(minutes=10),
        ),
        metadata=METADATA,
        timeout=TIMEOUT,
    )
    assert created.name.startswith("cachedContents/")
    assert (created.model, created.display_name) == (MODEL, "interop")
    assert created.expire_time == start + dt.timedelta(minutes=10)
    assert created.usage_metadata.total_token_count == 8  # The tide tables for May . + Be brief
    assert not created.contents  # the API shows metadata only

    others = [
        caches.create_cached_content(
            cached_content=official.CachedContent(model=MODEL, contents=[_user(f"doc {i}")]),
            metadata=METADATA,
            timeout=TIMEOUT,
        )
        for i in range(2)
    ]
    pager = caches.list_cached_contents(
        request=official.ListCachedContentsRequest(page_size=1), metadata=METADATA, timeout=TIMEOUT
    )
    assert [c.name for c in pager] == [created.name, *(o.name for o in others)]
    assert caches.get_cached_content(name=created.name, metadata=METADATA, timeout=TIMEOUT) == created

    clock.advance(30)
    updated = caches.update_cached_content(
        cached_content=official.CachedContent(name=created.name, ttl=dt.timedelta(hours=2)),
        update_mask=field_mask_pb2.FieldMask(paths=["ttl"]),
        metadata=METADATA,
        timeout=TIMEOUT,
    )
    assert updated.expire_time == start + dt.timedelta(seconds=30, hours=2)
    with pytest.raises(api_exceptions.InvalidArgument):
        caches.update_cached_content(
            cached_content=official.CachedContent(name=created.name, display_name="renamed"),
            update_mask=field_mask_pb2.FieldMask(paths=["display_name"]),
            metadata=METADATA,
            timeout=TIMEOUT,
        )

    reply = generative.generate_content(
        request=official.GenerateContentRequest(
            model=MODEL, contents=[_user("When is high tide?")], cached_content=created.name
        ),
        metadata=METADATA,
        timeout=TIMEOUT,
    )
    assert reply.usage_metadata.cached_content_token_count == 8
    assert reply.usage_metadata.prompt_token_count == 8 + 5  # When is high tide ?

    for cache in (created, *others):
        caches.delete_cached_content(name=cache.name, metadata=METADATA, timeout=TIMEOUT)
    with pytest.raises(api_exceptions.NotFound):
        caches.get_cached_content(name=created.name, metadata=METADATA, timeout=TIMEOUT)
    with pytest.raises(api_exceptions.NotFound):
        generative.generate_content(
            request=official.GenerateContentRequest(
                model=MODEL, contents=[_user("Hi")], cached_content=created.name
            ),
            metadata=METADATA,
            timeout=TIMEOUT,
        )
