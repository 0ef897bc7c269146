"""The registry client's connections are split over small httpx pools (adapters/driven/ssbtek/pool.py)."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack

import httpx
from hypothesis import given
from hypothesis import strategies as st

from adapters.driven.ssbtek.pool import SHARD, ClientPool, shard_sizes


@given(st.integers(min_value=1, max_value=500), st.integers(min_value=1, max_value=64))
def test_the_pools_hold_exactly_the_configured_connections_none_above_the_shard(concurrency: int, shard: int) -> None:
    sizes = shard_sizes(concurrency, shard)
    assert sum(sizes) == concurrency
    assert max(sizes) <= shard
    assert max(sizes) - min(sizes) <= 1


def test_a_small_concurrency_is_one_pool() -> None:
    assert shard_sizes(SHARD) == [SHARD]
    assert shard_sizes(1) == [1]


def test_calls_in_flight_never_exceed_a_pools_connections() -> None:
    limits: list[int] = []

    def make(n: int) -> httpx.AsyncClient:
        limits.append(n)
        return httpx.AsyncClient(transport=httpx.MockTransport(lambda _: httpx.Response(200)))

    async def run() -> list[list[int]]:
        seen: list[list[int]] = []
        async with ClientPool(make, 10, shard=4) as pool, AsyncExitStack() as stack:
            for _ in range(10):  # ten calls in flight at once: the process limit's maximum
                await stack.enter_async_context(pool.lease())
                seen.append(list(pool.busy))
        assert pool.busy == [0, 0, 0]
        return seen

    seen = asyncio.run(run())
    assert limits == [4, 3, 3]
    assert seen[-1] == [4, 3, 3]
    assert all(b <= s for row in seen for b, s in zip(row, limits, strict=True))


def test_a_pools_client_is_made_when_a_call_first_needs_it() -> None:
    made: list[int] = []

    def make(n: int) -> httpx.AsyncClient:
        made.append(n)
        return httpx.AsyncClient(transport=httpx.MockTransport(lambda _: httpx.Response(200)))

    async def run() -> None:
        async with ClientPool(make, 16, shard=1) as pool:
            assert made == []
            for _ in range(3):  # one call after another: the same kept-alive connection's client
                async with pool.lease():
                    pass
            assert made == [1]
            async with pool.lease(), pool.lease():  # two at once: a second connection, a second client
                pass
            assert made == [1, 1]
            assert pool.busy == [0] * 16

    asyncio.run(run())
