"""The queue: proposals waiting for a handler, filtered."""

from __future__ import annotations

import re

from fastapi import FastAPI, Request
from fastapi.responses import Response

from adapters.driving.web import casework, household, queries
from adapters.driving.web.presentation import PROPOSAL_SV
from adapters.driving.web.roles import Action
from adapters.driving.web.views.common import _ctx, render


def install(app: FastAPI) -> None:
    @app.get("/queue", include_in_schema=False)
    def queue_page(request: Request, outcome: str = "", finding: str = "", month: str = "", days: str = "",
                   state: str = "") -> Response:
        ctx = _ctx(request)
        ctx.require(Action.VIEW_QUEUE)
        f = queries.QueueFilter(
            outcome=outcome if outcome in PROPOSAL_SV else None,
            finding=finding[:64] or None,
            month=month if re.fullmatch(r"[0-9]{4}-(0[1-9]|1[0-2])", month) else None,
            min_days=int(days) if days.isdigit() and int(days) < 10000 else None,
            state=state if state in queries.QUEUE_STATES else None,
        )
        ctx.record("view_queue", "queue", [])
        with ctx.services.db.read() as s:
            rows, codes = queries.queue(s, ctx.identity, f, ctx.services.clock)
            held = casework.held(s, ctx.identity)  # kommunicering: shown apart, with the reply-by date
            assigned = household.user_names(s, {r["app"].assigned_to for r in rows if r["app"].assigned_to})
        now = ctx.services.clock.now()
        for h in held:
            h["overdue"] = casework.is_overdue(h["reply_by"], now)
            h["sent_at"] = casework.aware(h["sent_at"]) if h["sent_at"] else None
        return render(request, "queue.html", ctx=ctx, rows=rows, codes=codes, f=f, held=held, assigned=assigned)
