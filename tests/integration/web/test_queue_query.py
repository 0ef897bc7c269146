"""The queue's "waiting at least N days" filter is SQL's (the page's limit applies after it): the same rows as
counting each row's whole days waited, to the microsecond at the boundary."""

from __future__ import annotations

from datetime import timedelta

from adapters.driven.clock import FixedClock
from adapters.driving.web.auth import aware
from adapters.driving.web.queries import QueueFilter, queue
from tests.integration.web.conftest import Web


def _ids(rows: list[dict[str, object]]) -> list[str]:
    return [r["app"].id for r in rows]  # type: ignore[attr-defined]


def test_min_days_keeps_exactly_the_rows_waiting_that_many_whole_days(web: Web, ids: dict[str, str]) -> None:
    who = web.identity("handlaggare1")
    with web.db.read() as s:
        rows, _ = queue(s, who, QueueFilter())
        assert len(rows) >= 2
        first = aware(rows[0]["decision"].decided_at)
        assert first is not None
        boundary = first + timedelta(days=3)  # the oldest proposal has waited exactly 3 days
        for at in (boundary, boundary - timedelta(microseconds=1), boundary + timedelta(days=2)):
            every, _ = queue(s, who, QueueFilter(), FixedClock(at))
            for days in (1, 3, 4, 5):
                filtered, _ = queue(s, who, QueueFilter(min_days=days), FixedClock(at))
                assert _ids(filtered) == [r["app"].id for r in every if r["days"] >= days], (at, days)
                assert all(r["days"] >= days for r in filtered)
        at_boundary, _ = queue(s, who, QueueFilter(min_days=3), FixedClock(boundary))
        just_before, _ = queue(s, who, QueueFilter(min_days=3), FixedClock(boundary - timedelta(microseconds=1)))
        assert rows[0]["app"].id in _ids(at_boundary) and rows[0]["app"].id not in _ids(just_before)
        limited, _ = queue(s, who, QueueFilter(min_days=1, limit=1), FixedClock(boundary))
        assert _ids(limited) == _ids(at_boundary)[:1]
