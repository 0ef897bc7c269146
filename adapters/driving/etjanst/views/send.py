"""The summary before sending (with what the registries will be asked), signing — a partner signs with their
own login before it is sent — sending through the intake's ``submit`` (the same use case as the API), the
receipt (kvittens), and throwing a draft away."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from adapters.driven.db.etjanst import DraftRow
from adapters.driving.etjanst import forms, forms_files, parts
from adapters.driving.etjanst.common import N_, Ctx, Forbidden, NotFound, TooMany, ctx_of, form_of, own_draft, render
from adapters.driving.etjanst.field_errors import plain
from adapters.driving.etjanst.views.apply import accepts_v2
from decision.bundle import CaseBundle, Role
from decision.errors import FinaidError, InputError
from decision.pipeline import decision_day
from decision.services import intake

SOURCES = {
    "skatteverket": N_("Skatteverket: income from work, and whether someone has a protected identity"),
    "forsakringskassan": N_("Försäkringskassan: benefits such as child allowance, housing allowance, sickness "
                            "and parental benefit"),
    "pensionsmyndigheten": N_("Pensionsmyndigheten: pensions"),
    "arbetsformedlingen": N_("Arbetsförmedlingen: whether you are registered as a job seeker"),
    "akassa": N_("Unemployment funds (a-kassa): unemployment benefit"),
    "csn": N_("CSN: student aid"),
    "migrationsverket": N_("Migrationsverket: residence permit"),
}


def bundle_of(ctx: Ctx, draft: DraftRow) -> tuple[CaseBundle | None, dict[str, str]]:
    return forms.to_bundle(draft.data, application_id=f"ET-{draft.id}", municipality=draft.municipality,
                           month=draft.month, kind=draft.kind, submitted_at=ctx.services.clock.now(),
                           v2=accepts_v2(ctx, draft.month),
                           files=forms_files.attachment_entries(ctx.services.store.attachments(draft.id)))


def is_partner(ctx: Ctx, draft: DraftRow) -> bool:
    return draft.partner_key == ctx.login.person_key and draft.applicant_key != ctx.login.person_key


def summary_page(request: Request, ctx: Ctx, draft: DraftRow, status: int = 200, error: str | None = None) -> Response:
    bundle, errors = bundle_of(ctx, draft)
    if bundle is None:  # the part with the first problem, its problems beside its fields
        return RedirectResponse(f"/ansokan/{draft.id}/del/{parts.part_of_field(next(iter(errors))).slug}"
                                "?kontroll=1", status_code=303)
    from rules.sources import consulted_sources

    try:
        sources = consulted_sources(ctx.services.catalog, bundle, decision_day(ctx.services.clock.now()))
    except FinaidError:
        sources = ()
    adults = [m for m in bundle.application.household if m.role is not Role.CHILD]
    ctx.record("etjanst_summary", f"draft:{draft.id}", [m.personnummer for m in bundle.application.household])
    return render(request, "summary.html", status, ctx=ctx, draft=draft, bundle=bundle, f=forms,
                  sources=[SOURCES[s.value] for s in sources], adults=adults, partner=is_partner(ctx, draft),
                  has_partner=draft.partner_key is not None, error=error, parts=parts.BY_SLUG,
                  editable=draft.status == "draft" and draft.applicant_key == ctx.login.person_key,
                  attachments=ctx.services.store.attachments(draft.id))


def send(ctx: Ctx, draft: DraftRow, bundle: CaseBundle) -> str:
    """The application becomes a case bundle through the intake's submit; the draft names it."""
    services = ctx.services
    stored = intake.submit(services.uow(), services.catalog, services.clock, bundle, actor=ctx.actor)
    app_id = bundle.application.id
    services.store.link_attachments(draft.id, app_id)
    services.store.save_draft(draft.id, status="sent", application_id=app_id, sent_at=services.clock.now())
    for key in {draft.applicant_key, draft.partner_key} - {None}:
        services.notifier.notify(str(key), "application_received")
    return stored.revision_id


def install(app: FastAPI) -> None:
    @app.get("/ansokan/{draft_id}/sammanfattning", include_in_schema=False)
    def summary(request: Request, draft_id: str) -> Response:
        ctx = ctx_of(request)
        draft = own_draft(ctx, draft_id)
        if draft.status == "sent":
            return RedirectResponse(f"/kvittens/{draft.id}", status_code=303)
        if draft.status not in ("draft", "awaiting_partner"):
            raise NotFound()
        todo = parts.first_unconfirmed(draft.data)
        if draft.status == "draft" and draft.applicant_key == ctx.login.person_key and todo is not None:
            return RedirectResponse(f"/ansokan/{draft.id}/del/{todo.slug}", status_code=303)  # each part confirmed
        return summary_page(request, ctx, draft)

    @app.post("/ansokan/{draft_id}/signera", include_in_schema=False)
    async def sign(request: Request, draft_id: str) -> Response:
        ctx = ctx_of(request)
        draft = own_draft(ctx, draft_id)
        form = await form_of(request, ctx)
        if draft.status not in ("draft", "awaiting_partner"):
            raise Forbidden()
        if form.get("confirm") != "on":
            return summary_page(request, ctx, draft, 422, error=N_(
                "Tick the box to confirm that what you have written is true and complete."))
        bundle, _errors = bundle_of(ctx, draft)
        if bundle is None:
            return summary_page(request, ctx, draft)  # back to the part with the problem
        wait = ctx.services.submit_limit.hit(ctx.login.person_key)
        if wait is not None:
            raise TooMany(wait)
        now = ctx.services.clock.now()
        partner = is_partner(ctx, draft)
        if partner:
            if draft.status != "awaiting_partner":
                raise Forbidden()
            ctx.services.store.save_draft(draft.id, partner_signed_at=now)
        else:
            ctx.services.store.save_draft(draft.id, applicant_signed_at=now)
            if draft.partner_key is not None and draft.partner_signed_at is None:
                ctx.services.store.save_draft(draft.id, status="awaiting_partner")
                ctx.services.notifier.notify(draft.partner_key, "signature_requested")
                return RedirectResponse(f"/ansokan/{draft.id}/sammanfattning", status_code=303)
        try:
            send(ctx, own_draft(ctx, draft.id), bundle)
        except InputError as e:  # a month no published pack covers any longer, and the like
            return summary_page(request, ctx, draft, 422, error=plain(e.errors[0].message) if e.errors else None)
        return RedirectResponse(f"/kvittens/{draft.id}", status_code=303)

    @app.post("/ansokan/{draft_id}/tillbaka", include_in_schema=False)
    async def back_to_edit(request: Request, draft_id: str) -> Response:
        """The applicant changes a draft waiting for the partner: the signatures start over."""
        ctx = ctx_of(request)
        draft = own_draft(ctx, draft_id)
        await form_of(request, ctx)
        if draft.applicant_key != ctx.login.person_key or draft.status not in ("draft", "awaiting_partner"):
            raise Forbidden()
        ctx.services.store.save_draft(draft.id, status="draft", applicant_signed_at=None, partner_signed_at=None)
        return RedirectResponse(f"/ansokan/{draft.id}/del/{parts.FIRST}", status_code=303)

    @app.post("/ansokan/{draft_id}/kasta", include_in_schema=False)
    async def discard(request: Request, draft_id: str) -> Response:
        ctx = ctx_of(request)
        draft = own_draft(ctx, draft_id)
        await form_of(request, ctx)
        if draft.applicant_key != ctx.login.person_key or draft.status not in ("draft", "awaiting_partner"):
            raise Forbidden()
        ctx.services.store.save_draft(draft.id, status="discarded")
        return RedirectResponse("/?discarded=1", status_code=303)

    @app.get("/kvittens/{draft_id}", include_in_schema=False)
    def receipt(request: Request, draft_id: str) -> Response:
        ctx = ctx_of(request)
        draft = own_draft(ctx, draft_id)
        if draft.status != "sent" or draft.application_id is None:
            raise NotFound()
        return render(request, "receipt.html", ctx=ctx, draft=draft, f=forms,
                      attachments=ctx.services.store.attachments(draft.id))
