"""The asyncio connection pool: per event loop, up to ``pool_size`` channels opened as load needs them.

>>> AioPool.__name__
'AioPool'
"""

from __future__ import annotations

import asyncio
from typing import Any

import grpc.aio

from genai._transport.channels import CallKey, build_callable, open_aio_channel
from genai._transport.settings import ChannelSettings

__all__ = ["AioPool", "AioSlot", "close_pools_soon"]


class AioSlot:
    """One asyncio channel of a pool: its callables and how many calls/streams it carries now."""

    __slots__ = ("cache", "channel", "inflight")

    def __init__(self, channel: grpc.aio.Channel) -> None:
        self.channel = channel
        self.cache: dict[CallKey, Any] = {}
        self.inflight = 0

    def build(self, key: CallKey) -> Any:
        fn = self.cache[key] = build_callable(self.channel, key)
        return fn


class AioPool:
    """Up to ``pool_size`` asyncio channels for one event loop, opened as the load needs them.

    A call goes to the least busy open channel (ties to the lowest index). Another channel, with a
    connection of its own, opens only when every open one already carries ``streams_per_channel``
    calls: Google's front ends let about 100 streams share one HTTP/2 connection and queue the rest,
    while below that one warm connection costs the least CPU on both ends. Long streams count for
    their whole life, so they keep new calls off the busy connections.
    """

    __slots__ = ("settings", "slots")

    def __init__(self, settings: ChannelSettings) -> None:
        self.settings = settings
        self.slots = [AioSlot(open_aio_channel(settings))]

    def pick(self) -> AioSlot:
        slots = self.slots
        best = slots[0]
        if best.inflight:
            for slot in slots:
                if slot.inflight < best.inflight:
                    best = slot
            settings = self.settings
            if best.inflight >= settings.streams_per_channel and len(slots) < settings.pool_size:
                best = AioSlot(open_aio_channel(settings))
                slots.append(best)
        return best

    async def close(self) -> None:
        await asyncio.gather(*(slot.channel.close(None) for slot in self.slots))


def close_pools_soon(pools: dict[asyncio.AbstractEventLoop, AioPool]) -> None:
    """Close each pool on its own loop when that loop is running (from any thread); empties ``pools``.

    A pool whose loop has stopped or closed cannot be closed politely: its channels are destroyed
    when collected.
    """
    items = list(pools.items())
    pools.clear()
    for loop, pool in items:
        if loop.is_running() and not loop.is_closed():
            asyncio.run_coroutine_threadsafe(pool.close(), loop)
