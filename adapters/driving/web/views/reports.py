"""Reports: override statistics and the access log."""

from __future__ import annotations

import re

from fastapi import FastAPI, Request
from fastapi.responses import Response

from adapters.driving.web import queries, reason_codes
from adapters.driving.web.roles import Action
from adapters.driving.web.views.common import (
    _ctx,
    render,
)


def install(app: FastAPI) -> None:
    @app.get("/statistics", include_in_schema=False)
    def statistics(request: Request, month_from: str = "", month_to: str = "") -> Response:
        ctx = _ctx(request)
        ctx.require(Action.VIEW_STATISTICS)
        f = queries.StatsFilter(
            month_from=month_from if re.fullmatch(r"[0-9]{4}-(0[1-9]|1[0-2])", month_from) else None,
            month_to=month_to if re.fullmatch(r"[0-9]{4}-(0[1-9]|1[0-2])", month_to) else None,
        )
        ctx.record("view_statistics", "statistics", [])
        with ctx.services.db.read() as s:
            stats = queries.override_statistics(s, ctx.identity, f)
        labels: dict[str, str] = {}
        for code in {c["reason_code"] for c in stats["reason_codes"]}:
            labels[code] = reason_codes.for_municipality("*", ctx.services.config.reason_codes_dir).label(code)
        return render(request, "statistics.html", ctx=ctx, stats=stats, f=f, labels=labels)

    @app.get("/access-log", include_in_schema=False)
    def access_log(request: Request, before: int = 0) -> Response:
        ctx = _ctx(request)
        ctx.require(Action.VIEW_ACCESS_LOG)
        ctx.record("view_access_log", "access_log", [])
        with ctx.services.db.read() as s:
            entries = queries.access_entries(s, 200, before or None)
        return render(request, "access_log.html", ctx=ctx, entries=entries)
