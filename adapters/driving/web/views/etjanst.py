"""The case's e-service block (docs/etjanst.md): the applicant's attachments with their sha256, and asking the
applicant for more information (komplettering: a message and a due date) — the proposal is returned and the
applicant answers in the e-service; the answer is a new revision, decided again and back in the queue."""

from __future__ import annotations

import re
from datetime import date

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from adapters.driven.db.etjanst import EtjanstStore
from adapters.driven.db.models import Application
from adapters.driven.notify import configured_notifier
from adapters.driving.web.roles import Action
from adapters.driving.web.views.common import Ctx, _ctx, _form, render, visible_case
from decision.services.etjanst import CannotRequest, Notifier, request_information

MAX_MESSAGE = 2000


def notifier(request: Request) -> Notifier:
    """The app's notifier: ``app.state.notifier`` when one was wired (tests), else the configured one
    (``FINAID_NOTIFY``; a log line in demo mode), built once per app."""
    found = getattr(request.app.state, "notifier", None)
    if found is None:
        services = request.app.state.services
        found = request.app.state.notifier = configured_notifier(services.db, services.clock)
    return found


def store_of(ctx: Ctx) -> EtjanstStore:
    services = ctx.services
    return EtjanstStore(services.db, services.config.session_secret, services.store.person_key or str,
                        services.clock.now)


def install(app: FastAPI) -> None:
    def page(request: Request, ctx: Ctx, app_id: str, errors: dict[str, str] | None = None,
             form: dict[str, str] | None = None, status: int = 200) -> Response:
        with ctx.services.db.read() as s:
            case = visible_case(ctx, s, app_id)
        ctx.record("view_case", f"application:{app_id}", list(case.household))
        store = store_of(ctx)
        return render(request, "etjanst_case.html", status, ctx=ctx, app=case.app,
                      attachments=store.attachments_of_application(app_id), requests=store.requests(app_id),
                      errors=errors or {}, form=form or {})

    @app.get("/case/{app_id}/etjanst", include_in_schema=False)
    def etjanst_block(request: Request, app_id: str) -> Response:
        ctx = _ctx(request)
        ctx.require(Action.VIEW_CASE)
        return page(request, ctx, app_id)

    @app.post("/case/{app_id}/etjanst", include_in_schema=False)
    async def ask(request: Request, app_id: str) -> Response:
        ctx = _ctx(request)
        ctx.require(Action.RETURN)
        form = await _form(request, ctx)
        with ctx.services.db.read() as s:
            visible_case(ctx, s, app_id)
        message = str(form.get("message") or "").strip()
        due = str(form.get("due_date") or "").strip()
        errors: dict[str, str] = {}
        if not message or len(message) > MAX_MESSAGE:
            errors["message"] = f"Skriv vad den sökande ska komplettera med (högst {MAX_MESSAGE} tecken)."
        today = ctx.services.clock.now().date()
        if not re.fullmatch(r"\d{4}-\d\d-\d\d", due):
            errors["due_date"] = "Skriv sista dag som ÅÅÅÅ-MM-DD."
        else:
            try:
                if date.fromisoformat(due) < today:
                    errors["due_date"] = "Sista dag kan inte vara före i dag."
            except ValueError:
                errors["due_date"] = "Datumet finns inte."
        if errors:
            return page(request, ctx, app_id, errors, {"message": message, "due_date": due}, 422)
        store = store_of(ctx)
        request_id = store.add_request(app_id, message, due, ctx.identity.actor)
        try:
            request_information(ctx.services.uow(), ctx.services.clock, app_id, ctx.identity.actor, request_id, due)
        except CannotRequest:
            store.drop_request(request_id)
            return page(request, ctx, app_id, {"message": "Komplettering kan bara begäras när ett förslag väntar."},
                        {"message": message, "due_date": due}, 409)
        with ctx.services.db.read() as s:
            key = s.get(Application, app_id).household_key  # type: ignore[union-attr]
        if key:
            notifier(request).notify(key, "information_requested")  # that something happened, never what
        return RedirectResponse(f"/case/{app_id}/etjanst?sent=1", status_code=303)
