"""Tillsyn: an inspector (IVO, JO) opens a case only after stating the purpose (tillsyn) and the supervision
case's reference; the case page is then the POST's answer, logged in the access log with purpose ``tillsyn``
and an audit event ``supervision_access`` naming the reference. Read-only: the inspector role holds no
action that changes a case (adapters/driving/web/roles.py). Protected identities included."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import Response

from adapters.driven.db.trail import append_event
from adapters.driving.web.roles import Action
from adapters.driving.web.views.case import show_case
from adapters.driving.web.views.common import PageForbidden, _ctx, _form, visible_case
from adapters.driving.web.views.gate import purpose_form, reference_error, stating


def install(app: FastAPI) -> None:
    @app.post("/case/{app_id}/tillsyn", include_in_schema=False)
    async def case_supervision(request: Request, app_id: str) -> Response:
        ctx = _ctx(request)
        ctx.require(Action.VIEW_CASE)
        if not stating(ctx):
            raise PageForbidden()
        form = await _form(request, ctx)
        reference = str(form.get("reference") or "").strip()
        if error := reference_error(reference):
            return purpose_form(request, ctx, app_id, error, 422)
        with ctx.services.db.transaction() as s:
            visible_case(ctx, s, app_id)
            append_event(s, ctx.identity.actor, "supervision_access", f"application:{app_id}",
                         {"purpose": "tillsyn", "reference": reference}, ctx.services.clock.now())
        ctx.stated_purpose = "tillsyn"
        return show_case(request, ctx, app_id)
