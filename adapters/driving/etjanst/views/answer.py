"""Answering a request for more information (komplettering): the applicant writes an answer and may attach
documents; the application is sent again as a new revision through the intake's ``submit`` (the night decides
it and it is back in the handler's queue). Every step is an audit event."""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from adapters.driven import attachments
from adapters.driven.db.etjanst import RETURN_PREFIX
from adapters.driving.etjanst import forms, forms_files
from adapters.driving.etjanst.common import N_, Ctx, Forbidden, NotFound, TooMany, ctx_of, form_of, render
from adapters.driving.etjanst.views.apply import accepts_v2
from adapters.driving.etjanst.views.attach import REFUSED, megabytes
from adapters.driving.etjanst.views.cases import own_case
from decision.errors import InputError
from decision.services import intake
from decision.services.etjanst import ScanFound
from decision.validation import parse_bundle

MAX_ANSWER = 4000


def open_request(ctx: Ctx, application_id: str) -> Any:
    """The open e-service request, else a proposal returned through the workbench's "return" (the same answer
    and upload form; ``EtjanstStore.workbench_return``)."""
    store = ctx.services.store
    return (next((r for r in store.requests(application_id) if r.answered_at is None), None)
            or store.workbench_return(application_id))


def stored_request(ctx: Ctx, req: Any) -> str:
    """The request's id; a workbench return is stored as a request when the applicant answers it (its sign-off
    named as who asked), so the answer and the attachments have a request to belong to."""
    if not req.id.startswith(RETURN_PREFIX):
        return str(req.id)
    return ctx.services.store.add_request(req.application_id, req.message, req.due_date, req.id)


def answer_page(request: Request, ctx: Ctx, application_id: str, errors: dict[str, str], answer: str = "",
                status: int = 200) -> Response:
    case = own_case(ctx, application_id)
    req = open_request(ctx, application_id)
    if req is None or case.state != "returned":
        raise NotFound()
    bundle = ctx.services.store.current_bundle(application_id) or {"application": {"costs": []}}
    costs = [(str(i), f"{c['kind']} {c['amount']}") for i, c in enumerate(bundle["application"].get("costs", []))]
    return render(request, "answer.html", status, ctx=ctx, case=case, req=req, errors=errors, answer=answer,
                  costs=costs if accepts_v2(ctx, case.month) else [],  # a document names a cost in /2 only
                  limit=megabytes(ctx.services.config.max_upload_bytes), f=forms)


def install(app: FastAPI) -> None:
    @app.get("/arende/{application_id}/komplettering", include_in_schema=False)
    def show(request: Request, application_id: str) -> Response:
        ctx = ctx_of(request)
        ctx.record("etjanst_request", f"application:{application_id}", [ctx.login.personnummer])
        return answer_page(request, ctx, application_id, {})

    @app.post("/arende/{application_id}/komplettering", include_in_schema=False)
    async def answer(request: Request, application_id: str) -> Response:
        ctx = ctx_of(request)
        case = own_case(ctx, application_id)
        form = await form_of(request, ctx, files=1)
        req = open_request(ctx, application_id)
        if req is None or case.state != "returned":
            raise Forbidden()
        text = str(form.get("answer") or "").strip()
        upload = form.get("upload")
        has_file = isinstance(upload, UploadFile) and bool(upload.filename)
        if not text and not has_file:
            return answer_page(request, ctx, application_id, {"answer": N_(
                "Write an answer or attach a document.")}, text, 422)
        if len(text) > MAX_ANSWER:
            return answer_page(request, ctx, application_id, {"answer": N_("The answer is too long.")}, text, 422)
        wait = ctx.services.submit_limit.hit(ctx.login.person_key)
        if wait is not None:
            raise TooMany(wait)
        current = ctx.services.store.current_bundle(application_id)
        if current is None:
            raise NotFound()
        request_id = stored_request(ctx, req)
        document: tuple[int, str] | None = None
        if has_file:
            assert isinstance(upload, UploadFile)
            config = ctx.services.config
            content = await upload.read(config.max_upload_bytes + 1)
            try:
                checked = attachments.check(content, config.max_upload_bytes, config.max_image_pixels)
                ctx.services.scanner.scan(checked.content)
            except attachments.Refused as e:
                return answer_page(request, ctx, application_id, {"upload": REFUSED[e.code]}, text, 422)
            except ScanFound:
                return answer_page(request, ctx, application_id, {"upload": REFUSED["virus"]}, text, 422)
            row = ctx.services.store.add_attachment(request_id, checked.media_type, checked.content,
                                                    str(form.get("upload_label") or "")[:200] or None, application_id)
            ctx.services.store.audit(ctx.actor, "attachment_added", f"application:{application_id}",
                                     {"attachment": row.id, "sha256": row.sha256, "request": request_id})
            target = str(form.get("upload_cost") or "")
            if target.isdigit():
                document = (int(target), forms_files.document_ref(row.id, row.sha256))
        files = forms_files.attachment_entries(ctx.services.store.attachments_of_application(application_id))
        try:  # every file of the application is listed: an answer that only adds a file is a new revision
            data = forms.answer_bundle(current, ctx.services.clock.now(), files, v2=accepts_v2(ctx, case.month),
                                       document=document)
            bundle = parse_bundle(json.dumps(data))
            intake.submit(ctx.services.uow(), ctx.services.catalog, ctx.services.clock, bundle, actor=ctx.actor)
        except InputError as e:
            return answer_page(request, ctx, application_id, {"answer": "; ".join(str(x) for x in e.errors)}, text,
                               422)
        ctx.services.store.answer_request(request_id, text)
        ctx.services.store.audit(ctx.actor, "information_answered", f"application:{application_id}",
                                 {"request": request_id, "attachment": has_file})
        ctx.services.notifier.notify(ctx.login.person_key, "information_received")
        return RedirectResponse(f"/arende/{application_id}?answered=1", status_code=303)
