"""The queue's "waiting at least N days" filter is SQL's (the page's limit applies after it): the same rows as
counting each row's whole days waited, to the microsecond at the boundary."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from adapters.driven.clock import FixedClock
from adapters.driven.db.models import Application, DecisionUse
from adapters.driving.web.auth import aware
from adapters.driving.web.queries import QUEUE_STATES, QueueFilter, queue, queue_count
from adapters.driving.web.scope import visible
from adapters.driving.web.views.queue import PAGE_SIZE
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


def test_pages_walk_the_whole_queue_in_order_and_the_count_and_codes_match_it(web: Web) -> None:
    """Page by page (limit/offset) the queue is the same rows in the same order as in one piece; the count is
    their number; the finding codes offered are exactly the findings of the queued proposals in scope."""
    for who in (web.identity("handlaggare1"), web.identity("supervisor1")):
        with web.db.read() as s:
            whole, codes = queue(s, who, QueueFilter())
            assert len(whole) >= 3
            paged: list[str] = []
            for offset in range(0, len(whole) + 2, 2):
                page, _ = queue(s, who, QueueFilter(limit=2, offset=offset))
                paged += _ids(page)
            assert paged == _ids(whole)
            assert queue_count(s, who, QueueFilter()) == len(whole)
            for f in (QueueFilter(outcome="GRANT"), QueueFilter(state="proposed"), QueueFilter(min_days=0),
                      *(QueueFilter(finding=c) for c in codes)):
                rows, _ = queue(s, who, f)
                assert queue_count(s, who, f) == len(rows), f
            present = {str(r) for r in s.execute(
                select(DecisionUse.ref).join(Application, Application.current_decision_id == DecisionUse.decision_id)
                .where(DecisionUse.kind == "finding", Application.state.in_(QUEUE_STATES), visible(who))
            ).scalars()}
            assert codes == sorted(present) and codes


def test_the_queue_page_shows_the_count_and_one_page(web: Web) -> None:
    c = web.login("handlaggare1")
    who = web.identity("handlaggare1")
    with web.db.read() as s:
        n = queue_count(s, who, QueueFilter())
    assert 0 < n <= PAGE_SIZE
    for path in ("/queue", "/queue?sida=2", "/queue?sida=x", "/queue?sida=999999999"):
        r = c.get(path)
        assert r.status_code == 200, path
        assert f"Visar 1–{n} av {n} förslag." in r.text  # one page: no page links, a page past the end is the last
        assert "Sidor i kön" not in r.text
