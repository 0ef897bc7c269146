"""The decision letter of a signed case (HTML and PDF), read from storage."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from adapters.driven.db.models import Letter
from adapters.driving.web.roles import Action
from adapters.driving.web.signoff import (
    signed_record,
)
from adapters.driving.web.views.common import (
    Ctx,
    PageNotFound,
    _ctx,
    visible_case,
)


def install(app: FastAPI) -> None:
    def _letter(ctx: Ctx, app_id: str) -> tuple[Letter, list[str]]:
        with ctx.services.db.read() as s:
            case = visible_case(ctx, s, app_id)
            final = signed_record(s, app_id)
            row = s.execute(select(Letter).where(Letter.sign_off_id == final.id)).scalar_one_or_none() \
                if final else None
        if row is None or row.html is None:
            raise PageNotFound()
        return row, case.household

    @app.get("/case/{app_id}/letter", include_in_schema=False)
    def letter_html(request: Request, app_id: str) -> Response:
        ctx = _ctx(request)
        ctx.require(Action.VIEW_LETTER)
        row, people = _letter(ctx, app_id)
        ctx.record("view_letter", f"letter:{row.id}", people)
        return HTMLResponse(row.html or "")

    @app.get("/case/{app_id}/letter.pdf", include_in_schema=False)
    def letter_pdf(request: Request, app_id: str) -> Response:
        ctx = _ctx(request)
        ctx.require(Action.VIEW_LETTER)
        row, people = _letter(ctx, app_id)
        if row.pdf is None:
            raise PageNotFound()
        ctx.record("view_letter_pdf", f"letter:{row.id}", people)
        return Response(row.pdf, media_type="application/pdf",
                        headers={"Content-Disposition": f'inline; filename="beslut-{row.id}.pdf"'})
