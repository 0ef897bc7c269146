"""The case page and its actions: show the proposal, sign (approve / amend / reject), return, countersign,
refuse, fetch the registry again."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from adapters.driven.db.casefile import CaseFile, line_group
from adapters.driven.db.models import Decision, Letter, SignOff
from adapters.driving.web import casework, queries, reason_codes
from adapters.driving.web.roles import Action
from adapters.driving.web.signoff import (
    Forbidden,
    Override,
    Preview,
    Resolution,
    SignOffError,
    SignRequest,
    countersign,
    pending_first,
    preview,
    refuse,
    return_for_information,
    sign,
    signed_record,
)
from adapters.driving.web.views.case_view import HINTS, case_view, fetch_comparison
from adapters.driving.web.views.common import (
    STATE_SV,
    Ctx,
    PageForbidden,
    _ctx,
    _form,
    render,
    visible_case,
)
from adapters.driving.web.views.day import day_view
from adapters.driving.web.views.etjanst import store_of
from adapters.driving.web.views.gate import purpose_form, stating
from decision.basis import DecisionBasis
from decision.errors import ConfigurationError, FinaidError, InputError
from decision.overrides import line_ore
from decision.states import State
from decision.strict import FORM_MESSAGE, parse_form_kronor

MESSAGES = {
    "signed": "Beslutet är fattat och beslutsbrevet är skapat.",
    "awaiting": "Beslutet väntar på en andra underskrift av en arbetsledare (fyra ögon).",
    "countersigned": "Beslutet är underskrivet och beslutsbrevet är skapat.",
    "refused": "Beslutet är återvisat till handläggaren.",
    "returned": "Ärendet är återfört för komplettering.",
    "fetched": "Registeruppgifterna är hämtade igen och alla källor svarade; det nya förslaget gäller nu.",
    "no_registry": "Registret är inte konfigurerat: uppgifterna kan inte hämtas igen. Kontakta systemförvaltningen.",
}
def show_case(request: Request, ctx: Ctx, app_id: str, msg: str = "", errors: list[str] | None = None,
              form: dict[str, Any] | None = None, status: int = 200, *, edit: bool = False,
              preview: Preview | None = None, confirm: str = "", fetched: dict[str, Any] | None = None,
              earlier: str = "", casework_state: dict[str, Any] | None = None) -> Response:
    """The case page; ``edit`` shows the amount fields (Ändra), ``preview`` the rules' recomputation of the
    changed amounts, ``confirm`` the confirmation of an approval or a rejection before signing,
    ``fetched`` the comparison after Hämta igen (``earlier``: the decision it replaced)."""
    with ctx.services.db.read() as s:
        case = visible_case(ctx, s, app_id)
        previous = queries.previous_month(s, ctx.identity, case.app)
        hist = queries.history(s, case.app.id)
        waiting = pending_first(s, case.app.id, case.decision.id) if case.app.state == \
            State.AWAITING_SECOND_SIGNATURE else None
        final = signed_record(s, case.app.id)
        returned = s.execute(
            select(SignOff).where(SignOff.application_id == case.app.id, SignOff.action == "return")
            .order_by(SignOff.at.desc()).limit(1)
        ).scalar_one_or_none() if case.app.state == State.RETURNED else None
        letter = s.execute(select(Letter.id, Letter.html_sha256, Letter.pdf_sha256, Letter.template_hash)
                           .where(Letter.sign_off_id == final.id)).first() if final else None
        day = day_view(ctx, s, case.app, case.bundle)  # wb-day: assignment and the household's decisions
        replaced = s.get(Decision, earlier) if earlier else None
        if replaced is not None and replaced.application_id == case.app.id and replaced.id != case.decision.id \
                and replaced.basis_json is not None:
            fetched = fetched or fetch_comparison(case, DecisionBasis.model_validate_json(replaced.basis_json),
                                                  case.basis, kept=False)
        cw = casework.page(s, case.app.id, case.decision.id)  # decision history, kommunicering, journal notes
    files = store_of(ctx).attachments_of_application(case.app.id)  # the applicant's e-service files
    reads = [("view_case", f"application:{case.app.id}", case.household)]
    if cw.notes:  # journal notes are personal data of their own
        reads.append(("view_notes", f"application:{case.app.id}", case.household))
    if previous is not None:
        reads.append(("view_previous_month", f"application:{previous['app'].id}", case.household))
    ctx.record_reads(reads)  # one transaction, an entry each
    codes = reason_codes.for_municipality(case.app.municipality, ctx.services.config.reason_codes_dir)
    today = ctx.services.clock.now().date()
    override_codes = codes.offered("override", today)
    return render(
        request, "case.html", status, ctx=ctx, case=case,
        view=case_view(case, override_codes, preview.decided if preview and edit else None), previous=previous,
        history=hist, waiting=_record(waiting), waiting_row=waiting, final=_record(final), final_row=final,
        returned=_record(returned), letter=letter, message=MESSAGES.get(msg) or casework.MESSAGES.get(msg),
        cw=cw, cw_state=casework_state or {}, cw_exceptions=casework.EXCEPTIONS, cw_grounds=casework.GROUNDS,
        cw_now=ctx.services.clock.now(),
        finding_codes=codes.offered("finding", today),
        reject_codes=codes.offered("reject", today), return_codes=codes.offered("return", today),
        refuse_codes=codes.offered("refuse", today), hints=HINTS, errors=errors or [],
        form={k: str(v) for k, v in (form or {}).items()}, edit=edit, preview=preview,
        confirm=confirm, fetched=fetched, reason_label=codes.label, day=day,
        files=files, file_links=not stating(ctx),
    )


def install(app: FastAPI) -> None:
    _show_case = show_case

    @app.get("/case/{app_id}", include_in_schema=False)
    def case_page(request: Request, app_id: str, msg: str = "", andra: str = "", fore: str = "") -> Response:
        ctx = _ctx(request)
        ctx.require(Action.VIEW_CASE)
        if stating(ctx):  # an inspector states a purpose and a reference first (views/inspect.py)
            return purpose_form(request, ctx, app_id)
        return _show_case(request, ctx, app_id, msg, edit=andra == "1", earlier=fore[:64])

    @app.post("/case/{app_id}/sign", include_in_schema=False)
    async def case_sign(request: Request, app_id: str) -> Response:
        ctx = _ctx(request)
        ctx.require(Action.SIGN)
        form = await _form(request, ctx)
        action = str(form.get("action") or "")
        if action not in ("approve", "amend", "reject", "preview", "confirm_approve", "confirm_reject", "edit"):
            raise PageForbidden()
        with ctx.services.db.read() as s:
            case = visible_case(ctx, s, app_id)
        if action == "edit":  # Ändra: the amount fields, what was filled in kept
            return _show_case(request, ctx, app_id, "", [], dict(form), edit=True)
        overrides, errors = _overrides(case, form)
        resolutions = tuple(
            Resolution(i, str(form.get(f"resolution_{i}") or ""), str(form.get(f"resolution_motivation_{i}") or ""))
            for i, f in enumerate(case.basis.findings) if f.severity == "manual"
        )
        if action in ("preview", "confirm_approve", "confirm_reject"):
            errors += _before_confirming(action, case, overrides, resolutions, form)
            if errors:
                return _show_case(request, ctx, app_id, "", errors, dict(form), 422, edit=action == "preview")
            shown = preview(case, overrides, reject=action == "confirm_reject")
            return _show_case(request, ctx, app_id, "", [], dict(form), edit=action == "preview", preview=shown,
                              confirm="" if action == "preview" else action[len("confirm_"):])
        req = SignRequest(
            action=action,  # type: ignore[arg-type]
            decision_id=str(form.get("decision_id") or ""),
            overrides=tuple(overrides), resolutions=resolutions,
            reason_code=str(form.get("reject_reason") or "") or None,
            motivation=str(form.get("reject_motivation") if action == "reject" else form.get("note") or "") or None,
            skip_communication=casework.skip_from(form),
        )
        if not errors:
            try:
                result = await run_in_threadpool(sign, ctx.services.db, ctx.identity, app_id, req,
                                                 ctx.services.policy, ctx.services.letters, ctx.services.clock)
            except SignOffError as e:
                errors = e.errors
            except Forbidden:
                raise PageForbidden() from None
            else:
                msg = "awaiting" if result.needs_second else "signed"
                return RedirectResponse(f"/case/{quote(app_id)}?msg={msg}", status_code=303)
        return _show_case(request, ctx, app_id, "", errors, dict(form), 422, edit=action == "amend")

    def _case_with_errors(request: Request, ctx: Ctx, app_id: str, errors: list[str],
                          form: dict[str, Any]) -> Response:
        return _show_case(request, ctx, app_id, "", errors, form, 422)

    async def _case_action(
        request: Request, app_id: str, action: Action, msg: str, run: Callable[[Ctx, FormData], object],
        threaded: bool = False,
    ) -> Response:
        """A sign-off step on one case: role checked, CSRF form read, the case visible to this
        person (else 404), the step run, errors shown on the case page, else back to the case."""
        ctx = _ctx(request)
        ctx.require(action)
        form = await _form(request, ctx)
        with ctx.services.db.read() as s:
            visible_case(ctx, s, app_id)
        try:
            if threaded:
                await run_in_threadpool(run, ctx, form)
            else:
                run(ctx, form)
        except SignOffError as e:
            return _case_with_errors(request, ctx, app_id, e.errors, dict(form))
        return RedirectResponse(f"/case/{quote(app_id)}?msg={msg}", status_code=303)

    @app.post("/case/{app_id}/return", include_in_schema=False)
    async def case_return(request: Request, app_id: str) -> Response:
        return await _case_action(
            request, app_id, Action.RETURN, "returned",
            lambda ctx, form: return_for_information(
                ctx.services.db, ctx.identity, app_id, str(form.get("decision_id") or ""),
                str(form.get("return_reason") or ""), str(form.get("return_motivation") or ""),
                ctx.services.policy, ctx.services.clock,
            ),
        )

    @app.post("/case/{app_id}/countersign", include_in_schema=False)
    async def case_countersign(request: Request, app_id: str) -> Response:
        return await _case_action(
            request, app_id, Action.SECOND_SIGN, "countersigned",
            lambda ctx, form: countersign(
                ctx.services.db, ctx.identity, app_id, str(form.get("first_id") or ""), ctx.services.letters,
                ctx.services.clock,
            ),
            threaded=True,  # renders and stores the letter (PDF)
        )

    @app.post("/case/{app_id}/refuse", include_in_schema=False)
    async def case_refuse(request: Request, app_id: str) -> Response:
        return await _case_action(
            request, app_id, Action.SECOND_SIGN, "refused",
            lambda ctx, form: refuse(
                ctx.services.db, ctx.identity, app_id, str(form.get("first_id") or ""),
                str(form.get("refuse_reason") or ""), str(form.get("refuse_motivation") or ""),
                ctx.services.policy, ctx.services.clock,
            ),
        )

    @app.post("/case/{app_id}/fetch", include_in_schema=False)
    async def case_fetch(request: Request, app_id: str) -> Response:
        """Hämta igen: when a source does not answer the current proposal stays current and both are shown;
        the handler may choose the new one (``use_new``: the registry is asked again and its answer used)."""
        ctx = _ctx(request)
        ctx.require(Action.FETCH_AGAIN)
        form = await _form(request, ctx)
        use_new = form.get("use_new") == "1"
        with ctx.services.db.read() as s:
            case = visible_case(ctx, s, app_id)
        if case.app.state not in (State.PROPOSED, State.RETURNED):
            return _case_with_errors(request, ctx, app_id, [f"Uppgifterna kan inte hämtas igen i läget "
                                                            f"{STATE_SV.get(case.app.state, 'okänt')}."], {})
        factory = ctx.services.config.registry_factory
        try:
            source = factory(ctx.services.db) if factory is not None else None
        except ConfigurationError:
            source = None
        if source is None:
            return RedirectResponse(f"/case/{quote(app_id)}?msg=no_registry", status_code=303)
        from decision.pipeline import Pipeline
        from decision.services import deciding
        from rules.evaluator import PackEvaluator
        from rules.version import code_version

        services = ctx.services
        try:
            outcome = await run_in_threadpool(lambda: deciding.fetch_again(
                services.uow(), Pipeline(PackEvaluator(services.catalog), registry=source), services.catalog,
                services.access, services.clock, case.bundle, actor=ctx.identity.actor,
                code_version=code_version(), purpose=ctx.purpose, channel="web", keep_current_if_failed=not use_new,
            ))
        except (FinaidError, InputError):
            return _case_with_errors(request, ctx, app_id, ["Hämtningen misslyckades: registret kunde inte "
                                                            "frågas. Försök igen senare."], {})
        if outcome.kept:
            fetched = fetch_comparison(case, case.basis, outcome.decided.basis, kept=True,
                                       bundle=outcome.decided.bundle)
            return _show_case(request, ctx, app_id, "", [], {}, fetched=fetched)
        return RedirectResponse(f"/case/{quote(app_id)}?fore={quote(case.decision.id)}&msg=fetched", status_code=303)


def _overrides(case: CaseFile, form: FormData) -> tuple[list[Override], list[str]]:
    """The changed amounts of the form (a field equal in öre to the proposal is not a change)."""
    errors: list[str] = []
    overrides = []
    for i, line in enumerate(case.basis.lines):
        raw = form.get(f"amount_{i}")
        if raw is None or line_group(line.rule) == "result":
            continue
        amount = _parse_amount(str(raw))
        if amount is None:
            errors.append(f"Rad {i + 1}: {FORM_MESSAGE}")
            continue
        if amount == line_ore(line.amount):
            continue  # the proposal's own amount, however it was written: not a change
        overrides.append(Override(i, amount, str(form.get(f"reason_{i}") or ""),
                                  str(form.get(f"motivation_{i}") or "")))
    return overrides, errors


def _before_confirming(action: str, case: CaseFile, overrides: list[Override], resolutions: tuple[Resolution, ...],
                       form: FormData) -> list[str]:
    """What must be filled in before the confirmation (or the preview) is shown; the use case checks it
    all again when the decision is signed."""
    errors = []
    if action == "preview" and not overrides:
        errors.append("Ändra: inget belopp är ändrat – ändra minst ett belopp, eller godkänn förslaget som det är")
    for o in overrides:
        if not o.reason_code or not o.motivation.strip():
            errors.append(f"Rad {o.line + 1}: välj en orsak och skriv en motivering till ändringen")
    if action == "confirm_approve" and overrides:
        errors.append("Godkänn: förslaget godkänns utan ändrade belopp (välj Ändra för att ändra)")
    motivation = str(form.get("reject_motivation") or "").strip()
    if action == "confirm_reject" and (not form.get("reject_reason") or not motivation):
        errors.append("Avslag: välj en orsak och skriv en motivering")
    if action != "confirm_reject":
        for r in resolutions:
            if not r.reason_code or not r.motivation.strip():
                errors.append(f"Fynd {r.finding + 1}: ange hur fyndet har bedömts, med motivering")
    return errors


def _parse_amount(text: str) -> int | None:
    """An amount as a Swedish person writes it ("8 200,50"), in öre; None when it is not one."""
    try:
        return parse_form_kronor(text)
    except ValueError:
        return None


def _record(row: SignOff | None) -> dict[str, Any] | None:
    if row is None or row.record_json is None:
        return None
    data: dict[str, Any] = json.loads(row.record_json)
    return data
