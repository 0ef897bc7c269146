"""Mina ärenden: the cases assigned to me; take a case ("Ta ärendet") and hand it over to another handler of
the same unit ("Lämna över"). Each change is an audit event (adapters/driven/db/assignments.py)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from adapters.driven.db.assignments import AssignmentError, colleagues, hand_over, take
from adapters.driving.web import household
from adapters.driving.web.auth import aware, load_identity
from adapters.driving.web.roles import Action, allowed
from adapters.driving.web.scope import can_see
from adapters.driving.web.views.common import Ctx, _ctx, _form, render, visible_case

MESSAGES = {"taken": "Du har tagit ärendet.", "handed_over": "Ärendet är överlämnat."}


def handover_candidates(ctx: Ctx, s: Session, app: Any) -> list[Any]:
    """Colleagues of my units who may handle this case (their roles, units and protected access)."""
    out = []
    for user in colleagues(s, ctx.identity.units, ctx.identity.user_id):
        who = load_identity(s, user.id, ctx.services.config.protected_roles)
        if who is not None and allowed(who.roles, Action.SIGN) and can_see(s, who, app):
            out.append(user)
    return out


def assignment(ctx: Ctx, s: Session, app: Any) -> dict[str, Any]:
    """What the case page's assignment block shows: who has the case, and whom it may be handed over to."""
    names = household.user_names(s, {app.assigned_to} if app.assigned_to else set())
    mine = app.assigned_to == ctx.identity.user_id
    return {"assigned": names.get(app.assigned_to) if app.assigned_to else None, "mine": mine,
            "at": aware(app.assigned_at), "can": ctx.can(Action.ASSIGN.value),
            "candidates": handover_candidates(ctx, s, app) if mine and ctx.can(Action.ASSIGN.value) else []}


def install(app: FastAPI) -> None:
    @app.get("/mine", include_in_schema=False)
    def mine_page(request: Request, msg: str = "") -> Response:
        ctx = _ctx(request)
        ctx.require(Action.VIEW_MINE)
        ctx.record("view_mine", "mine", [])
        with ctx.services.db.read() as s:
            rows = household.mine(s, ctx.identity)
            extra = {r["app"].id: assignment(ctx, s, r["app"]) for r in rows}
        return render(request, "mine.html", ctx=ctx, rows=rows, extra=extra, message=MESSAGES.get(msg),
                      errors={})

    @app.post("/case/{app_id}/take", include_in_schema=False)
    async def case_take(request: Request, app_id: str) -> Response:
        ctx = _ctx(request)
        ctx.require(Action.ASSIGN)
        await _form(request, ctx)
        with ctx.services.db.read() as s:
            visible_case(ctx, s, app_id)
        take(ctx.services.db, app_id, ctx.identity.user_id, ctx.identity.actor, ctx.services.clock.now())
        return RedirectResponse(f"/mine?msg=taken#{quote(app_id)}", status_code=303)

    @app.post("/case/{app_id}/handover", include_in_schema=False)
    async def case_handover(request: Request, app_id: str) -> Response:
        ctx = _ctx(request)
        ctx.require(Action.ASSIGN)
        form = await _form(request, ctx)
        to_user = str(form.get("to_user") or "")
        with ctx.services.db.read() as s:
            case = visible_case(ctx, s, app_id)
            ok = {u.id for u in handover_candidates(ctx, s, case.app)}
        try:
            hand_over(ctx.services.db, app_id, ctx.identity.user_id, to_user, ctx.identity.units,
                      ctx.identity.actor, ctx.services.clock.now(), frozenset(ok))
        except AssignmentError as e:
            with ctx.services.db.read() as s:
                rows = household.mine(s, ctx.identity)
                extra = {r["app"].id: assignment(ctx, s, r["app"]) for r in rows}
            return render(request, "mine.html", 422, ctx=ctx, rows=rows, extra=extra, message=None,
                          errors={app_id: str(e)})
        return RedirectResponse("/mine?msg=handed_over", status_code=303)
