"""The application part by part (docs/etjanst.md "Part by part"): one page per part — household, incomes, costs
with their documents, assets, labour-market status — showing the prefilled part with "Stämmer" (confirm it) and
"Ändra" (its fields), "Steg 2 av 5", Back and Next; every press saves the part to the draft as typed, its
problems beside its fields. When every part is confirmed the summary (views/send.py) follows."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from adapters.driven.db.etjanst import DraftRow
from adapters.driving.etjanst import forms, parts
from adapters.driving.etjanst.common import Ctx, Forbidden, NotFound, ctx_of, form_of, own_draft, render
from adapters.driving.etjanst.views.apply import accepts_v2, page_data, partner_key_of
from adapters.driving.etjanst.views.attach import take_upload


def step_url(draft_id: str, part: parts.Part | None, change: bool = False) -> str:
    if part is None:
        return f"/ansokan/{draft_id}/sammanfattning"
    return f"/ansokan/{draft_id}/del/{part.slug}" + ("?andra=1" if change else "")


def resume_url(draft: DraftRow) -> str:
    """Where a draft is taken up again: its first part not yet confirmed, else the summary."""
    return step_url(draft.id, parts.first_unconfirmed(draft.data))


def editable(ctx: Ctx, draft: DraftRow) -> bool:
    return draft.status == "draft" and draft.applicant_key == ctx.login.person_key


def part_of(slug: str) -> parts.Part:
    part = parts.BY_SLUG.get(slug)
    if part is None:
        raise NotFound()
    return part


def problems(ctx: Ctx, draft: DraftRow, data: dict[str, Any], part: parts.Part) -> dict[str, str]:
    _, errors = forms.to_bundle(data, application_id=f"ET-{draft.id}", municipality=draft.municipality,
                                month=draft.month, kind=draft.kind, submitted_at=ctx.services.clock.now(),
                                v2=accepts_v2(ctx, draft.month))
    return parts.errors_of(part, errors)


def step_page(request: Request, ctx: Ctx, draft: DraftRow, part: parts.Part, *, editing: bool,
              errors: dict[str, str] | None = None, status: int = 200) -> Response:
    before, after = parts.neighbours(part)
    return render(request, "step.html", status, **page_data(request, ctx, draft, draft.data, errors or {}),
                  part=part, n=parts.number(part), before=before, after=after, editing=editing,
                  done=parts.confirmed(draft.data), saved=request.query_params.get("saved") == "1")


def install(app: FastAPI) -> None:
    @app.get("/ansokan/{draft_id}/del", include_in_schema=False)
    def resume(request: Request, draft_id: str) -> Response:
        ctx = ctx_of(request)
        draft = own_draft(ctx, draft_id)
        if not editable(ctx, draft):
            return RedirectResponse(step_url(draft.id, None), status_code=303)
        return RedirectResponse(resume_url(draft), status_code=303)

    @app.get("/ansokan/{draft_id}/del/{slug}", include_in_schema=False)
    def show(request: Request, draft_id: str, slug: str) -> Response:
        ctx = ctx_of(request)
        draft = own_draft(ctx, draft_id)
        part = part_of(slug)
        if not editable(ctx, draft):
            return RedirectResponse(step_url(draft.id, None), status_code=303)
        ctx.record("etjanst_draft", f"draft:{draft.id}", [ctx.login.personnummer])
        if request.query_params.get("kontroll") == "1":  # sent back from the summary: the part's problems shown
            errors = problems(ctx, draft, dict(draft.data), part)
            return step_page(request, ctx, draft, part, editing=True, errors=errors, status=422 if errors else 200)
        return step_page(request, ctx, draft, part, editing=request.query_params.get("andra") == "1")

    @app.post("/ansokan/{draft_id}/del/{slug}", include_in_schema=False)
    async def save(request: Request, draft_id: str, slug: str) -> Response:
        ctx = ctx_of(request)
        draft = own_draft(ctx, draft_id)
        part = part_of(slug)
        form = await form_of(request, ctx, files=1 if part.section == "costs" else 0)
        if not editable(ctx, draft):
            raise Forbidden()
        action = str(form.get("action") or "next")
        before, after = parts.neighbours(part)
        if action == "confirm":  # "Stämmer": the part as it is, once it has no problem
            data = dict(draft.data)
        else:
            data = parts.read_part(form, draft.data, part)
        upload_errors = await take_upload(ctx, draft, form, data) if part.section == "costs" else {}
        if action == "more_" + part.section:
            data[action] = int(data.get(action, 0)) + 1
        errors = problems(ctx, draft, data, part) if action in ("confirm", "next") else {}
        if action in ("confirm", "next") and not errors and not upload_errors:
            parts.confirm(data, part.section)
        ctx.services.store.save_draft(draft.id, data, partner_key_of(ctx, data))
        draft = own_draft(ctx, draft.id)
        if errors or upload_errors:
            ctx.record("etjanst_draft", f"draft:{draft.id}", [ctx.login.personnummer])
            return step_page(request, ctx, draft, part, editing=True, errors={**errors, **upload_errors},
                             status=422)
        if action in ("confirm", "next"):
            following = after if after is not None and after.section not in parts.confirmed(data) else None
            return RedirectResponse(step_url(draft.id, following) if following else resume_url(draft),
                                    status_code=303)
        if action == "back":
            return RedirectResponse(step_url(draft.id, before) if before else "/", status_code=303)
        if action == "save":
            return RedirectResponse(step_url(draft.id, part, change=True) + "&saved=1", status_code=303)
        anchor = "#" + action.removeprefix("more_") if action.startswith("more_") else "#upload-box"
        return RedirectResponse(step_url(draft.id, part, change=True) + anchor, status_code=303)
