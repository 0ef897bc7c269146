"""The case's e-service block (docs/etjanst.md): the applicant's attachments with their sha256 and a download of
each (access-logged, served as a download with the stored media type), and asking the applicant for more
information (komplettering: a message and a due date) — the proposal is returned and the applicant answers in the
e-service; the answer is a new revision, decided again and back in the queue."""

from __future__ import annotations

import re
from datetime import date

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from adapters.driven.db.etjanst import EtjanstStore
from adapters.driven.db.models import Application
from adapters.driven.notify import configured_notifier
from adapters.driving.web.roles import Action
from adapters.driving.web.views.common import Ctx, PageNotFound, _ctx, _form, render, visible_case
from adapters.driving.web.views.gate import purpose_form, stating
from decision.services.etjanst import CannotRequest, Notifier, request_information

MAX_MESSAGE = 2000
EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}


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
                      files=store.attachments_of_application(app_id), file_links=True, requests=store.requests(app_id),
                      errors=errors or {}, form=form or {})

    @app.get("/case/{app_id}/etjanst", include_in_schema=False)
    def etjanst_block(request: Request, app_id: str) -> Response:
        ctx = _ctx(request)
        ctx.require(Action.VIEW_CASE)
        if stating(ctx):  # an inspector states a purpose and a reference first, as for the case page
            return purpose_form(request, ctx, app_id)
        return page(request, ctx, app_id)

    @app.get("/case/{app_id}/bilaga/{attachment_id}", include_in_schema=False)
    def download(request: Request, app_id: str, attachment_id: str) -> Response:
        """One of the applicant's files: for a person who may see the case (else 404, as the case page), after
        the access log is written; always a download (never shown inline) in its stored media type."""
        ctx = _ctx(request)
        ctx.require(Action.VIEW_CASE)
        if stating(ctx):
            return purpose_form(request, ctx, app_id)
        with ctx.services.db.read() as s:
            case = visible_case(ctx, s, app_id)
        found = store_of(ctx).application_file(app_id, attachment_id)
        if found is None:
            raise PageNotFound()
        ctx.record("download_attachment", f"attachment:{found.id}", list(case.household))
        return Response(found.content, media_type=found.media_type, headers={
            "Content-Disposition": f'attachment; filename="bilaga-{found.id}{EXTENSIONS.get(found.media_type, "")}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
        })

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
