"""The start page (my applications and drafts) and writing an application: a first one, the monthly continued
one prefilled from the household's last, and a tilläggsansökan for a month already decided."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from adapters.driven.db.etjanst import DraftRow
from adapters.driving.etjanst import forms, forms_files, parts
from adapters.driving.etjanst.common import Ctx, Forbidden, NotFound, ctx_of, form_of, gettext_for, own_draft, render
from adapters.driving.etjanst.views.attach import megabytes, take_upload
from adapters.driving.etjanst.views.cases import STATUS
from decision.pipeline import decision_day


def offered_month(ctx: Ctx) -> str | None:
    """Next month when a published pack covers it (as of today), else this month, else None."""
    today = decision_day(ctx.services.clock.now())
    nxt = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    for day in (nxt, today):
        month = f"{day.year:04d}-{day.month:02d}"
        try:
            ctx.services.catalog.pack_for(month, as_of=today)
        except Exception:  # noqa: BLE001, S112 - no pack covers it: try the next candidate
            continue
        return month
    return None


def accepts_v2(ctx: Ctx, month: str) -> bool:
    """Whether the rule pack that decides ``month`` (as of today) takes finaid.case-bundle/2."""
    try:
        pack: Any = ctx.services.catalog.pack_for(month, as_of=decision_day(ctx.services.clock.now()))
    except Exception:  # noqa: BLE001 - no pack: the submit refuses the month with its own message
        return False
    return forms.SCHEMA_V2 in pack.manifest.get("accepts_bundles", ["finaid.case-bundle/1"])


def page_data(request: Request, ctx: Ctx, draft: DraftRow, data: dict[str, Any],
              errors: dict[str, str]) -> dict[str, Any]:
    """What the one-page form and a part's page show: the rows of every part, the people to choose among, the
    attachments, the cost kinds the month's pack takes, the upload limit."""
    _ = gettext_for(request)
    people = parts.people_of(data)
    options = [(p["personnummer"], f"{p['personnummer'][:8]}-{p['personnummer'][8:]} ({_(forms.ROLES[p['role']])})")
               for p in people if p.get("role") in forms.ROLES]
    return {"ctx": ctx, "draft": draft, "rows": parts.rows_of(data), "errors": errors, "people": people,
            "people_options": options, "f": forms, "parts": parts.PARTS, "kronor": parts.kronor,
            "hidden": bool(data.get(parts.HIDDEN)), "attachments": ctx.services.store.attachments(draft.id),
            "kinds": forms.cost_kinds() if accepts_v2(ctx, draft.month) else forms.COST_KINDS,
            "limit": megabytes(ctx.services.config.max_upload_bytes)}


def form_page(request: Request, ctx: Ctx, draft: DraftRow, data: dict[str, Any], errors: dict[str, str],
              status: int = 200) -> Response:
    return render(request, "apply.html", status, **page_data(request, ctx, draft, data, errors), editing=True)


def partner_key_of(ctx: Ctx, data: dict[str, Any]) -> str | None:
    """The keyed HMAC of the partner living in the household (who signs too), if any."""
    partner = next((m["personnummer"] for m in data["household"]
                    if m.get("role") == "partner" and m.get("keep", True)), None)
    return ctx.services.person_key(partner) if partner else None


def install(app: FastAPI) -> None:
    @app.get("/", include_in_schema=False)
    def home(request: Request) -> Response:
        ctx = ctx_of(request)
        store = ctx.services.store
        key = ctx.login.person_key
        drafts = [d for d in store.drafts(key) if d.status in ("draft", "awaiting_partner")]
        cases = store.cases(key)
        last = store.last_bundle(ctx.login.personnummer)
        month = offered_month(ctx)
        applied = {c.month for c in cases if c.state != "withdrawn" and c.kind != "supplementary"}
        applied |= {d.month for d in drafts if d.kind != "supplementary"}
        decided = store.decided_months(key)
        first_possible = last is not None or bool(ctx.services.config.municipality)  # a first one needs a kommun
        return render(request, "home.html", ctx=ctx, drafts=drafts, cases=cases, month=month,
                      can_apply=month is not None and month not in applied and first_possible,
                      has_last=last is not None, first_possible=first_possible,
                      decided=decided, f=forms, status_of=lambda state: STATUS.get(state, "Received"))

    @app.post("/ansokan/ny", include_in_schema=False)
    async def new(request: Request) -> Response:
        ctx = ctx_of(request)
        form = await form_of(request, ctx)
        kind = str(form.get("kind") or "")
        pnr = ctx.login.personnummer
        last = ctx.services.store.last_bundle(pnr)
        if kind == "supplementary":
            month = str(form.get("month") or "")
            if month not in ctx.services.store.decided_months(ctx.login.person_key):
                raise NotFound()
            last = ctx.services.store.last_bundle(pnr, month)  # the decided month's application
        else:
            month = offered_month(ctx) or ""
            if not month:
                raise NotFound()
            kind = "reapplication" if last is not None else "first"
        data = forms.prefill(last, pnr) if last is not None else forms.empty(pnr)
        if last is not None and forms.protected_of(last) - {pnr}:
            data[parts.HIDDEN] = True  # not named: the applicant reads only that such a person exists
        municipality = last["application"]["municipality"] if last is not None else ctx.services.config.municipality
        if not municipality:
            raise NotFound()
        partner = next((m["personnummer"] for m in data["household"] if m["role"] == "partner"), None)
        draft_id = ctx.services.store.new_draft(ctx.login.person_key, ctx.services.person_key(partner)
                                                if partner else None, municipality, month, kind, data)
        return RedirectResponse(f"/ansokan/{draft_id}/del/{parts.FIRST}", status_code=303)

    @app.get("/ansokan/{draft_id}", include_in_schema=False)
    def edit(request: Request, draft_id: str) -> Response:
        ctx = ctx_of(request)
        draft = own_draft(ctx, draft_id)
        if draft.status != "draft" or draft.applicant_key != ctx.login.person_key:
            return RedirectResponse(f"/ansokan/{draft_id}/sammanfattning", status_code=303)
        ctx.record("etjanst_draft", f"draft:{draft.id}", [ctx.login.personnummer])
        return form_page(request, ctx, draft, draft.data, {})

    @app.post("/ansokan/{draft_id}", include_in_schema=False)
    async def save(request: Request, draft_id: str) -> Response:
        ctx = ctx_of(request)
        draft = own_draft(ctx, draft_id)
        if draft.status != "draft" or draft.applicant_key != ctx.login.person_key:
            raise Forbidden()
        form = await form_of(request, ctx, files=1)
        data = forms.read_form(form, draft.data)
        action = str(form.get("action") or "save")
        upload_errors = await take_upload(ctx, draft, form, data)
        if action.startswith("more_") and action.removeprefix("more_") in forms.SECTIONS:
            data[action] = int(data.get(action, 0)) + 1
        partner_key = partner_key_of(ctx, data)
        _, errors = forms.to_bundle(data, application_id=f"ET-{draft.id}", municipality=draft.municipality,
                                    month=draft.month, kind=draft.kind, submitted_at=ctx.services.clock.now(),
                                    v2=accepts_v2(ctx, draft.month),
                                    files=forms_files.attachment_entries(ctx.services.store.attachments(draft.id)))
        data.pop("errors", None)
        if action == "summary" and not errors and not upload_errors:
            parts.confirm(data, *forms.SECTIONS)  # the whole form, read on one page, is the confirmation
        ctx.services.store.save_draft(draft.id, data, partner_key)
        if upload_errors:
            return form_page(request, ctx, own_draft(ctx, draft.id), data, upload_errors, status=422)
        if action == "summary":
            if errors:
                return form_page(request, ctx, own_draft(ctx, draft.id), data, errors, status=422)
            return RedirectResponse(f"/ansokan/{draft.id}/sammanfattning", status_code=303)
        shown = errors if action == "check" else {}
        if shown:
            return form_page(request, ctx, own_draft(ctx, draft.id), data, shown, status=422)
        anchor = "#" + action.removeprefix("more_") if action.startswith("more_") else ""
        return RedirectResponse(f"/ansokan/{draft.id}?saved=1{anchor}", status_code=303)


def today_of(ctx: Ctx) -> date:
    return decision_day(ctx.services.clock.now())
