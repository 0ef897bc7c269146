"""The case page's casework actions: Rätta / ändra beslut (preview, confirmation, signature), kommunicering
(send, record the answer, the kommuniceringsbrev), journal notes, and an earlier decision's letter.

Every action: the role checked (whoever may sign), the CSRF form read, the case visible to this person
(else 404), the use case run, errors shown beside the form on the case page (422), else back to the case.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from adapters.driven.db.models import Letter, SignOff
from adapters.driven.db.models_casework import CommunicationStep
from adapters.driven.letters.communication import render_communication
from adapters.driven.letters.letters import html_to_pdf
from adapters.driving.web import casework
from adapters.driving.web.roles import Action
from adapters.driving.web.signoff import Forbidden, SignOffError
from adapters.driving.web.views.case import _overrides, show_case
from adapters.driving.web.views.common import Ctx, PageForbidden, PageNotFound, _ctx, _form, visible_case
from decision.services import communicating, correcting


def install(app: FastAPI) -> None:
    def _back(app_id: str, msg: str) -> Response:
        return RedirectResponse(f"/case/{quote(app_id)}?msg={msg}", status_code=303)

    @app.post("/case/{app_id}/change", include_in_schema=False)
    async def case_change(request: Request, app_id: str) -> Response:
        """Rätta / ändra beslut: ``step`` open (the form) → preview (the rules' new total) → sign."""
        ctx = _ctx(request)
        ctx.require(Action.SIGN)
        form = await _form(request, ctx)
        step = str(form.get("step") or "open")
        with ctx.services.db.read() as s:
            case = visible_case(ctx, s, app_id)
        state: dict[str, Any] = {"step": "open"}
        if step == "open":
            return show_case(request, ctx, app_id, casework_state=state)
        overrides, errors = _overrides(case, form)
        req = correcting.ChangeRequest(
            kind=str(form.get("kind") or ""), signed_id=str(form.get("signed_id") or ""), overrides=tuple(overrides),
            reason=str(form.get("change_reason") or ""), ground=str(form.get("ground") or "") or None,
            skip_communication=casework.skip_from(form))
        services = ctx.services
        try:
            if errors:
                raise SignOffError(errors)
            if step == "sign":
                result = await run_in_threadpool(casework.change, services.db, ctx.identity, app_id, req,
                                                 services.policy, services.letters, services.clock)
                return _back(app_id, "change_awaiting" if result.needs_second else "changed")
            planned = await run_in_threadpool(casework.plan_change, services.db, ctx.identity, app_id, req,
                                              services.policy, services.clock)
        except SignOffError as e:
            return show_case(request, ctx, app_id, errors=e.errors, form=dict(form), status=422,
                             casework_state=state)
        except Forbidden:
            raise PageForbidden() from None
        state = {"step": "preview", "planned": planned}
        return show_case(request, ctx, app_id, form=dict(form), casework_state=state)

    @app.post("/case/{app_id}/communicate", include_in_schema=False)
    async def case_communicate(request: Request, app_id: str) -> Response:
        ctx = _ctx(request)
        ctx.require(Action.SIGN)
        form = await _form(request, ctx)
        with ctx.services.db.read() as s:
            visible_case(ctx, s, app_id)
        errors: list[str] = []
        raw = str(form.get("reply_by") or "").strip()
        reply_by = None
        if raw:
            try:
                reply_by = date.fromisoformat(raw)
            except ValueError:
                errors.append("Svara senast: skriv ett datum som 2026-12-10")
        req = communicating.SendRequest(str(form.get("decision_id") or ""),
                                        tuple(str(v) for v in form.getlist("item")), reply_by,
                                        str(form.get("message") or ""))
        try:
            if errors:
                raise SignOffError(errors)
            casework.send(ctx.services.db, ctx.identity, app_id, req, ctx.services.clock)
        except SignOffError as e:
            return show_case(request, ctx, app_id, errors=e.errors, form=dict(form), status=422)
        return _back(app_id, "communicated")

    @app.post("/case/{app_id}/communication/close", include_in_schema=False)
    async def case_answer(request: Request, app_id: str) -> Response:
        ctx = _ctx(request)
        ctx.require(Action.SIGN)
        form = await _form(request, ctx)
        with ctx.services.db.read() as s:
            visible_case(ctx, s, app_id)
        try:
            casework.close(ctx.services.db, ctx.identity, app_id, str(form.get("communication_id") or ""),
                           str(form.get("answer") or ""), form.get("no_answer") == "1", ctx.services.clock)
        except SignOffError as e:
            return show_case(request, ctx, app_id, errors=e.errors, form=dict(form), status=422)
        return _back(app_id, "answered")

    @app.post("/case/{app_id}/note", include_in_schema=False)
    async def case_note(request: Request, app_id: str) -> Response:
        ctx = _ctx(request)
        ctx.require(Action.SIGN)
        form = await _form(request, ctx)
        with ctx.services.db.read() as s:
            visible_case(ctx, s, app_id)
        try:
            casework.add_note(ctx.services.db, ctx.identity, app_id, str(form.get("note_text") or ""),
                              str(form.get("refers_to") or "") or None, ctx.services.clock)
        except SignOffError as e:
            return show_case(request, ctx, app_id, errors=e.errors, form=dict(form), status=422)
        return _back(app_id, "noted")

    def _communication_html(ctx: Ctx, app_id: str, communication_id: str) -> str:
        """The kommuniceringsbrev of one sent kommunicering (rendered from what was stored), access-logged."""
        with ctx.services.db.read() as s:
            case = visible_case(ctx, s, app_id)
            row = s.get(CommunicationStep, communication_id[:26])
            if row is None or row.application_id != case.app.id or row.step != "sent" or row.items_json is None:
                raise PageNotFound()
            html = render_communication(case, row, ctx.services.letters.particulars.for_case(case),  # type: ignore[arg-type]  # reads .app only
                                        casework.applicant_text)
        ctx.record("view_communication", f"communication:{row.id}", case.household)  # before anything is shown
        return html

    @app.get("/case/{app_id}/communication/{communication_id}", include_in_schema=False)
    def communication_letter(request: Request, app_id: str, communication_id: str) -> Response:
        ctx = _ctx(request)
        ctx.require(Action.VIEW_CASE)
        return HTMLResponse(_communication_html(ctx, app_id, communication_id))

    @app.get("/case/{app_id}/communication/{communication_id}/pdf", include_in_schema=False)
    def communication_pdf(request: Request, app_id: str, communication_id: str) -> Response:
        ctx = _ctx(request)
        ctx.require(Action.VIEW_CASE)
        html = _communication_html(ctx, app_id, communication_id)
        pdf = html_to_pdf(html)
        name = f"kommunicering-{communication_id[:26]}.pdf"
        return Response(pdf, media_type="application/pdf",
                        headers={"Content-Disposition": f'inline; filename="{name}"'})

    @app.get("/case/{app_id}/decision/{sign_off_id}/letter", include_in_schema=False)
    def earlier_letter(request: Request, app_id: str, sign_off_id: str) -> Response:
        """The letter of any completed decision of the case — a replaced one stays readable."""
        ctx = _ctx(request)
        ctx.require(Action.VIEW_LETTER)
        with ctx.services.db.read() as s:
            case = visible_case(ctx, s, app_id)
            row = s.execute(select(Letter).join(SignOff, SignOff.id == Letter.sign_off_id)
                            .where(Letter.sign_off_id == sign_off_id[:26], SignOff.application_id == case.app.id)
                            ).scalar_one_or_none()
            if row is None or row.html is None:
                raise PageNotFound()
            html = row.html
        ctx.record("view_letter", f"letter:{row.id}", case.household)  # before anything is shown
        return HTMLResponse(html)
