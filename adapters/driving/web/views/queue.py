"""The queue: proposals waiting for a handler, filtered, a page at a time (``PAGE_SIZE`` oldest first, with the
count and links to the other pages that keep the filter)."""

from __future__ import annotations

import math
import re
from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import Response

from adapters.driving.web import casework, household, queries
from adapters.driving.web.presentation import PROPOSAL_SV
from adapters.driving.web.roles import Action
from adapters.driving.web.views.common import _ctx, render

PAGE_SIZE = 50
MAX_PAGE = 100_000


def pages(page: int, count: int, args: dict[str, str]) -> dict[str, Any]:
    """The page links: the first, the previous, a few around this one, the next and the last (each a plain
    link, reached with Tab like any other: the filter's query string with ``sida``)."""
    last = max(1, math.ceil(min(count, queries.COUNT_CAP) / PAGE_SIZE))
    page = min(page, last)

    def href(n: int) -> str:
        return "/queue?" + urlencode({**{k: v for k, v in args.items() if v}, "sida": str(n)})

    near = sorted({1, last, *range(max(1, page - 2), min(last, page + 2) + 1)})
    return {"page": page, "last": last, "count": min(count, queries.COUNT_CAP), "more": count > queries.COUNT_CAP,
            "first_row": (page - 1) * PAGE_SIZE + 1 if count else 0, "last_row": min(count, page * PAGE_SIZE),
            "links": [(n, href(n)) for n in near],
            "prev": href(page - 1) if page > 1 else None, "next": href(page + 1) if page < last else None}


def install(app: FastAPI) -> None:
    @app.get("/queue", include_in_schema=False)
    def queue_page(request: Request, outcome: str = "", finding: str = "", month: str = "", days: str = "",
                   state: str = "", sida: str = "") -> Response:
        ctx = _ctx(request)
        ctx.require(Action.VIEW_QUEUE)
        page = int(sida) if sida.isdigit() and 0 < int(sida) <= MAX_PAGE else 1
        f = queries.QueueFilter(
            outcome=outcome if outcome in PROPOSAL_SV else None,
            finding=finding[:64] or None,
            month=month if re.fullmatch(r"[0-9]{4}-(0[1-9]|1[0-2])", month) else None,
            min_days=int(days) if days.isdigit() and int(days) < 10000 else None,
            state=state if state in queries.QUEUE_STATES else None,
            limit=PAGE_SIZE,
        )
        ctx.record("view_queue", "queue", [])
        with ctx.services.db.read() as s:
            count = queries.queue_count(s, ctx.identity, f, ctx.services.clock)
            nav = pages(page, count, {"outcome": f.outcome or "", "finding": f.finding or "", "month": f.month or "",
                                      "days": str(f.min_days) if f.min_days is not None else "",
                                      "state": f.state or ""})
            f = replace(f, offset=(nav["page"] - 1) * PAGE_SIZE)
            rows, codes = queries.queue(s, ctx.identity, f, ctx.services.clock)
            held = casework.held(s, ctx.identity)  # kommunicering: shown apart, with the reply-by date
            assigned = household.user_names(s, {r["app"].assigned_to for r in rows if r["app"].assigned_to})
        now = ctx.services.clock.now()
        for h in held:
            h["overdue"] = casework.is_overdue(h["reply_by"], now)
            h["sent_at"] = casework.aware(h["sent_at"]) if h["sent_at"] else None
        return render(request, "queue.html", ctx=ctx, rows=rows, codes=codes, f=f, held=held, assigned=assigned,
                      nav=nav)
