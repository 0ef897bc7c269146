"""The registry client's connections: one small httpx connection pool per connection instead of one large one.

httpcore (under httpx 0.28 / httpcore 1.0) walks every connection of a pool, polling each idle socket,
whenever a request enters the pool and whenever a response is closed, so its CPU per call grows with
the pool's size (encode/httpcore#1035, still open). With the night's 64 calls in flight that walk was
most of the client's own CPU. The same connections split over pools of at most :data:`SHARD` keep each
walk short; a call takes the pool with the most free connections, so no pool queues while another has
room. A pool's httpx client is made when a call first needs it (a single case's two or three calls make
two or three, not ``concurrency``). Keep-alive (HTTP/1.1), TLS settings, timeouts and limits are the same
httpx client settings as before, once per pool; the total number of connections stays ``concurrency``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import httpx

SHARD = 1
"""Connections per httpx pool at most: one, measured the cheapest per call (benchmarks/README.md, issue 17)."""


def shard_sizes(concurrency: int, shard: int = SHARD) -> list[int]:
    """``concurrency`` connections split as evenly as possible into pools of at most ``shard``."""
    total = max(1, concurrency)
    n = -(-total // max(1, shard))
    return [total // n + (1 if i < total % n else 0) for i in range(n)]


class ClientPool:
    """httpx clients of at most :data:`SHARD` connections each; :meth:`lease` picks the least busy."""

    def __init__(self, make: Callable[[int], httpx.AsyncClient], concurrency: int, shard: int = SHARD) -> None:
        self.sizes = shard_sizes(concurrency, shard)
        self.make = make
        self.clients: list[httpx.AsyncClient | None] = [None] * len(self.sizes)
        self.busy = [0] * len(self.sizes)

    @asynccontextmanager
    async def lease(self) -> AsyncIterator[httpx.AsyncClient]:
        i = max(range(len(self.sizes)), key=lambda j: self.sizes[j] - self.busy[j])
        client = self.clients[i]
        if client is None:
            client = self.clients[i] = self.make(self.sizes[i])
        self.busy[i] += 1
        try:
            yield client
        finally:
            self.busy[i] -= 1

    async def aclose(self) -> None:
        for client in self.clients:
            if client is not None:
                await client.aclose()

    async def __aenter__(self) -> ClientPool:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
