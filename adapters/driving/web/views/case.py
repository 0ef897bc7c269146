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

from adapters.driven.db.casefile import CaseFile, applied_for, line_group
from adapters.driven.db.models import Letter, SignOff
from adapters.driving.web import queries, reason_codes
from adapters.driving.web.roles import Action
from adapters.driving.web.signoff import (
    Forbidden,
    Override,
    Resolution,
    SignOffError,
    SignRequest,
    countersign,
    pending_first,
    refuse,
    return_for_information,
    sign,
    signed_record,
)
from adapters.driving.web.views.common import (
    STATE_SV,
    Ctx,
    PageForbidden,
    _ctx,
    _form,
    render,
    visible_case,
)
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
    "fetched": "Registeruppgifterna är hämtade igen; ett nytt förslag har ersatt det tidigare.",
    "no_registry": "Registret är inte konfigurerat: uppgifterna kan inte hämtas igen. Kontakta systemförvaltningen.",
}
HINTS = {
    "application.first": "Förstagångsansökan: utred hushållets situation (besök, underlag) innan beslut.",
    "application.household_changed": "Hushållet har ändrats: kontrollera vilka som ingår och från när.",
    "registry.unavailable": "En källa svarade inte: välj Hämta igen, eller begär underlag från den sökande.",
    "registry.not_consulted": "En källa har inte tillfrågats: välj Hämta igen.",
    "registry.stale": "Uppgifterna är gamla: välj Hämta igen.",
    "income.registry_mismatch": "Uppgiven inkomst skiljer sig från registret: begär lönespecifikation eller "
                                "utbetalningsbesked.",
    "identity.protected": "Skyddade personuppgifter: hantera enligt rutin; adress får inte framgå.",
    "cost.other": "Övrig kostnad: pröva individuellt och ange beslutat belopp i beräkningen.",
    "assets.above_buffer": "Tillgångar över buffert: bedöm om de ska användas först.",
    "labour.not_registered": "Står den vuxne till arbetsmarknadens förfogande? Finns godtagbart skäl?",
    "labour.studying": "Studier: är studierna förenliga med rätten till bistånd?",
    "labour.af_not_confirmed": "Arbetsförmedlingen bekräftar inte inskrivning: kontrollera.",
    "labour.missing": "Uppgift om arbetsmarknad saknas för en vuxen: komplettera.",
    "residence.not_valid": "Uppehållsrätt: kontrollera beslut från Migrationsverket.",
    "income.child_other_kind": "Barnets egen inkomst: bedöm hur mycket som ska gå till hushållet.",
    "household.young_adult_separate": "Ung vuxen som inte går i skolan: egen hushållsbedömning.",
    "norm.preschool_lunch_unknown": "Förskolelunch: normbelopp saknas för året – bedöm normen.",
}


def install(app: FastAPI) -> None:
    def _show_case(request: Request, ctx: Ctx, app_id: str, msg: str = "", errors: list[str] | None = None,
                   form: dict[str, Any] | None = None, status: int = 200) -> Response:
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
        ctx.record("view_case", f"application:{case.app.id}", case.household)
        if previous is not None:
            ctx.record("view_previous_month", f"application:{previous['app'].id}", case.household)
        codes = reason_codes.for_municipality(case.app.municipality, ctx.services.config.reason_codes_dir)
        today = ctx.services.clock.now().date()
        return render(
            request, "case.html", status, ctx=ctx, case=case, view=_case_view(case), previous=previous,
            history=hist, waiting=_record(waiting), waiting_row=waiting, final=_record(final), final_row=final,
            returned=_record(returned), letter=letter, message=MESSAGES.get(msg),
            override_codes=codes.offered("override", today), finding_codes=codes.offered("finding", today),
            reject_codes=codes.offered("reject", today), return_codes=codes.offered("return", today),
            refuse_codes=codes.offered("refuse", today), hints=HINTS, errors=errors or [],
            form={k: str(v) for k, v in (form or {}).items()},
        )

    @app.get("/case/{app_id}", include_in_schema=False)
    def case_page(request: Request, app_id: str, msg: str = "") -> Response:
        ctx = _ctx(request)
        ctx.require(Action.VIEW_CASE)
        return _show_case(request, ctx, app_id, msg)

    @app.post("/case/{app_id}/sign", include_in_schema=False)
    async def case_sign(request: Request, app_id: str) -> Response:
        ctx = _ctx(request)
        ctx.require(Action.SIGN)
        form = await _form(request, ctx)
        action = str(form.get("action") or "")
        if action not in ("approve", "amend", "reject"):
            raise PageForbidden()
        with ctx.services.db.read() as s:
            case = visible_case(ctx, s, app_id)
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
        resolutions = tuple(
            Resolution(i, str(form.get(f"resolution_{i}") or ""), str(form.get(f"resolution_motivation_{i}") or ""))
            for i, f in enumerate(case.basis.findings) if f.severity == "manual"
        )
        req = SignRequest(
            action=action,  # type: ignore[arg-type]
            decision_id=str(form.get("decision_id") or ""),
            overrides=tuple(overrides), resolutions=resolutions,
            reason_code=str(form.get("reject_reason") or "") or None,
            motivation=str(form.get("reject_motivation") if action == "reject" else form.get("note") or "") or None,
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
        return _case_with_errors(request, ctx, app_id, errors, dict(form))

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
        ctx = _ctx(request)
        ctx.require(Action.FETCH_AGAIN)
        await _form(request, ctx)
        with ctx.services.db.read() as s:
            case = visible_case(ctx, s, app_id)
        if case.app.state not in (State.PROPOSED, State.RETURNED):
            return _case_with_errors(request, ctx, app_id, [f"Uppgifterna kan inte hämtas igen i läget "
                                                            f"{STATE_SV.get(case.app.state, case.app.state)}."], {})
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
            await run_in_threadpool(lambda: deciding.fetch_again(
                services.uow(), Pipeline(PackEvaluator(services.catalog), registry=source), services.catalog,
                services.access, services.clock, case.bundle, actor=ctx.identity.actor,
                code_version=code_version(), purpose=ctx.purpose, channel="web",
            ))
        except (FinaidError, InputError) as e:
            return _case_with_errors(request, ctx, app_id, [f"Hämtningen misslyckades ({type(e).__name__})."], {})
        return RedirectResponse(f"/case/{quote(app_id)}?msg=fetched", status_code=303)


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


def _case_view(case: CaseFile) -> dict[str, Any]:
    """What the case page shows, in the basis's order: lines with the amount applied for, persons by label."""
    basis = case.basis
    unverified = {i for f in basis.findings if f.code == "parameter.not_verified" for i in f.inputs}
    lines = []
    for i, line in enumerate(basis.lines):
        claimed = applied_for(case.bundle, line)
        lines.append({
            "index": i, "line": line, "group": line_group(line.rule), "applied": claimed,
            "unverified": any(x in unverified for x in line.inputs),
        })
    labels: dict[str, str] = {}
    children = 0
    for m in case.bundle.application.household:
        if m.role.value == "child":
            children += 1
            labels[m.personnummer] = f"child:{children}"
        else:
            labels[m.personnummer] = m.role.value
    registry = [
        {"source": e.source.value, "person": labels.get(e.person, "?"), "status": e.status.value,
         "fetched_at": e.fetched_at.isoformat(), "request_id": e.request_id, "error": e.error,
         "facts": [_fact_text(f) for f in e.facts]}
        for e in case.bundle.registry or []
    ]
    return {
        "lines": lines,
        "manual": [(i, f) for i, f in enumerate(basis.findings) if f.severity == "manual"],
        "notices": [f for f in basis.findings if f.severity == "notice"],
        "registry": registry,
        "members": [labels[m.personnummer] for m in case.bundle.application.household],
        "facts": [f for f in basis.facts if f.source != "application" and not f.id.startswith("param:")],
    }


def _fact_text(fact: Any) -> str:
    kind = getattr(fact, "kind", "")
    kind = getattr(kind, "value", kind)
    if hasattr(fact, "amount"):
        from decision.money import format_kr_sv

        return f"{kind} {fact.month}: {format_kr_sv(fact.amount)}"
    value = getattr(fact, "value", None)
    value = getattr(value, "value", value)
    return f"{kind}: {value}"
