"""Following a case: its status in plain language, the decision letter (HTML and PDF) once signed — when it
was made available and first opened are recorded — how to appeal, and withdrawing a sent application until
it is decided. Another household's case id answers 404."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from adapters.driven.db.etjanst import CaseRow
from adapters.driving.etjanst.common import N_, Ctx, NotFound, ctx_of, form_of, render
from decision.services.etjanst import NotWithdrawable, withdraw

STATUS = {
    "received": N_("Received"), "fetched": N_("Received"), "failed": N_("Received"),
    "failed_permanent": N_("Received"), "proposed": N_("Being handled"),
    "awaiting_second_signature": N_("Being handled"), "returned": N_("More information requested"),
    "signed": N_("Decided"), "auto_approved": N_("Decided"), "withdrawn": N_("Withdrawn"),
}
EXPLAIN = {
    "Received": N_("We have received your application. It will be handled soon."),
    "Being handled": N_("A case worker is handling your application."),
    "More information requested": N_("We need more information from you before we can decide. See below."),
    "Decided": N_("The decision is made. You can read the decision letter below."),
    "Withdrawn": N_("You have withdrawn this application. It will not be decided."),
}
WITHDRAWABLE = ("received", "fetched", "failed", "failed_permanent", "proposed")
OUTCOME = {"beviljat": N_("Granted"), "delvis_beviljat": N_("Partly granted"), "avslag": N_("Refused")}


def own_case(ctx: Ctx, application_id: str) -> CaseRow:
    case = ctx.services.store.case(ctx.login.person_key, application_id)
    if case is None:
        raise NotFound()
    return case


def requests_of(ctx: Ctx, case: CaseRow) -> list[Any]:
    """The e-service's requests, and a proposal returned through the workbench while none is open (answered
    with the same form)."""
    asked: list[Any] = ctx.services.store.requests(case.id)
    if case.state == "returned" and all(r.answered_at is not None for r in asked):
        back = ctx.services.store.workbench_return(case.id)
        if back is not None:
            asked.append(back)
    return asked


def install(app: FastAPI) -> None:
    @app.get("/arende/{application_id}", include_in_schema=False)
    def case_page(request: Request, application_id: str, answered: int = 0) -> Response:
        ctx = ctx_of(request)
        case = own_case(ctx, application_id)
        ctx.record("etjanst_case", f"application:{case.id}", [ctx.login.personnummer])
        made = opened = None
        if case.letter_id:
            made, opened = ctx.services.store.letter_times(case.letter_id)
        status = STATUS.get(case.state, "Received")
        return render(request, "case.html", ctx=ctx, case=case, status_text=status, explain=EXPLAIN[status],
                      withdrawable=case.state in WITHDRAWABLE, made=made, opened=opened,
                      outcome=OUTCOME.get(case.outcome or ""), requests=requests_of(ctx, case),
                      answered=bool(answered))

    def letter(ctx: Ctx, application_id: str) -> tuple[CaseRow, str | None, bytes | None]:
        case = own_case(ctx, application_id)
        if case.letter_id is None:
            raise NotFound()
        found = ctx.services.store.letter(ctx.login.person_key, case.id, case.letter_id)
        if found is None:
            raise NotFound()
        ctx.record("etjanst_letter", f"letter:{case.letter_id}", [ctx.login.personnummer])
        ctx.services.store.opened(case.letter_id, case.id, ctx.actor)
        return case, found[0], found[1]

    @app.get("/arende/{application_id}/beslut", include_in_schema=False)
    def letter_html(request: Request, application_id: str) -> Response:
        ctx = ctx_of(request)
        _case, html, _pdf = letter(ctx, application_id)
        if html is None:
            raise NotFound()
        return HTMLResponse(html)

    @app.get("/arende/{application_id}/beslut.pdf", include_in_schema=False)
    def letter_pdf(request: Request, application_id: str) -> Response:
        ctx = ctx_of(request)
        case, _html, pdf = letter(ctx, application_id)
        if pdf is None:
            raise NotFound()
        return Response(pdf, media_type="application/pdf",
                        headers={"Content-Disposition": f'inline; filename="beslut-{case.id}.pdf"'})

    @app.post("/arende/{application_id}/aterkalla", include_in_schema=False)
    async def withdraw_case(request: Request, application_id: str) -> Response:
        ctx = ctx_of(request)
        case = own_case(ctx, application_id)
        form = await form_of(request, ctx)
        if form.get("confirm") != "on":
            return render(request, "withdraw.html", 422 if form.get("asked") else 200, ctx=ctx, case=case,
                          asked=bool(form.get("asked")))
        try:
            withdraw(ctx.services.uow(), ctx.services.clock, case.id, ctx.actor)
        except NotWithdrawable:
            return RedirectResponse(f"/arende/{case.id}?not_withdrawn=1", status_code=303)
        return RedirectResponse(f"/arende/{case.id}", status_code=303)
