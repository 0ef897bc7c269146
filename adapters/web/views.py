"""The handlers' web app: server-rendered Swedish pages (jinja2), one route per page or action.

Every route names the action it performs (:mod:`adapters.web.roles`); every page that shows a case
writes the access log first (purpose from the person's role) and shows nothing if it cannot; every
POST carries the session's CSRF token; cases outside the person's scope answer 404.
"""

from __future__ import annotations

import hmac
import json
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from adapters.db.models import Letter, SignOff
from adapters.web import queries, reason_codes
from adapters.web.app import Services
from adapters.web.auth import ActiveSession, AuthError, add_user, list_units, list_users, set_active, set_roles
from adapters.web.auth import unlock as unlock_user
from adapters.web.casefile import CaseFile, CaseNotFound, applied_for, line_group, load_case
from adapters.web.roles import ROLE_SV, Action, Role, allowed, purpose_for
from adapters.web.scope import can_see
from adapters.web.signoff import (
    OUTCOME_SV,
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
from adapters.web.templating import environment, month_sv
from audit.access import AccessLogError
from audit.chain import now
from decision.errors import ConfigurationError, FinaidError, InputError
from decision.states import State

SESSION_COOKIE = "finaid_session"
LOGIN_COOKIE = "finaid_login"
MAX_FORM_BYTES = 256 * 1024

STATE_SV = {
    "received": "Mottagen", "fetched": "Registeruppgifter hämtade", "proposed": "Förslag väntar på beslut",
    "awaiting_second_signature": "Väntar på andra underskrift", "signed": "Beslutad",
    "returned": "Återförd för komplettering", "auto_approved": "Automatiserat beslut", "failed": "Tekniskt fel",
    "failed_permanent": "Tekniskt fel (kräver drift)",
}
PROPOSAL_SV = {"GRANT": "Bifall", "PARTIAL": "Delvis bifall", "REJECT": "Avslag", "MANUAL": "Bedömning krävs"}
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


class LoginRequired(Exception):
    def __init__(self, next_path: str = "/") -> None:
        self.next_path = next_path


class PageForbidden(Exception):
    pass


class PageNotFound(Exception):
    pass


class AccessNotRecorded(Exception):
    pass


@dataclass
class Ctx:
    request: Request
    services: Services
    session: ActiveSession

    @property
    def identity(self) -> Any:
        return self.session.identity

    def require(self, action: Action) -> None:
        if not allowed(self.identity.roles, action):
            raise PageForbidden()

    def can(self, action: str) -> bool:
        return allowed(self.identity.roles, Action(action))

    @property
    def purpose(self) -> str:
        return purpose_for(self.identity.roles)

    def record(self, action: str, subject: str, persons: list[str]) -> None:
        try:
            self.services.access.record(self.identity.actor, self.purpose, "web", action, subject, persons)
        except AccessLogError:
            raise AccessNotRecorded() from None


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def _ctx(request: Request) -> Ctx:
    services = _services(request)
    session = services.sessions.load(request.cookies.get(SESSION_COOKIE))
    if session is None:
        raise LoginRequired(request.url.path)
    return Ctx(request, services, session)


def render(request: Request, name: str, status: int = 200, ctx: Ctx | None = None, **data: Any) -> HTMLResponse:
    template = environment().get_template(name)
    html = template.render(
        ctx=ctx, csrf=ctx.session.csrf_token if ctx else "", identity=ctx.identity if ctx else None,
        ROLE_SV=ROLE_SV, STATE_SV=STATE_SV, PROPOSAL_SV=PROPOSAL_SV, OUTCOME_SV=OUTCOME_SV, month_sv=month_sv,
        demo=_services(request).config.demo, **data,
    )
    return HTMLResponse(html, status_code=status)


async def _form(request: Request, ctx: Ctx | None) -> FormData:
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > MAX_FORM_BYTES):
        raise PageForbidden()
    form = await request.form(max_files=0, max_fields=2000)
    if ctx is not None:
        token = form.get("csrf_token")
        if not isinstance(token, str) or not hmac.compare_digest(token, ctx.session.csrf_token):
            raise PageForbidden()
    return form


def _set_cookie(response: Response, services: Services, name: str, value: str, max_age: int | None = None) -> None:
    response.set_cookie(name, value, max_age=max_age, path="/", secure=services.config.secure_cookies,
                        httponly=True, samesite="strict")


def _safe_next(path: str | None) -> str:
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/"
    return path


def _home(identity: Any) -> str:
    if allowed(identity.roles, Action.VIEW_QUEUE):
        return "/queue"
    if allowed(identity.roles, Action.MANAGE_USERS):
        return "/admin/users"
    return "/account"


# ------------------------------------------------------------------------------------------ routes
def install(app: FastAPI) -> None:  # noqa: PLR0915 - one place lists every page
    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse(f"/login?next={quote(_safe_next(exc.next_path))}", status_code=303)

    @app.exception_handler(PageForbidden)
    async def _forbidden(request: Request, exc: PageForbidden) -> Response:
        return render(request, "error.html", 403, title="Åtkomst nekad",
                      message="Din roll får inte göra detta, eller formuläret saknade en giltig säkerhetstoken.")

    @app.exception_handler(PageNotFound)
    async def _not_found(request: Request, exc: PageNotFound) -> Response:
        return render(request, "error.html", 404, title="Hittades inte",
                      message="Ärendet finns inte, eller så ingår det inte i det du har behörighet till.")

    @app.exception_handler(AccessNotRecorded)
    async def _no_access_log(request: Request, exc: AccessNotRecorded) -> Response:
        return render(request, "error.html", 503, title="Ingenting visas",
                      message="Åtkomstloggen kunde inte skrivas. Uppgifterna visas inte förrän loggen fungerar.")

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/", include_in_schema=False)
    def root(request: Request) -> Response:
        return RedirectResponse(_home(_ctx(request).identity), status_code=303)

    # -------------------------------------------------------------------------------- login
    @app.get("/login", include_in_schema=False)
    def login_page(request: Request, next: str = "/", failed: int = 0) -> Response:  # noqa: A002
        services = _services(request)
        nonce = secrets.token_urlsafe(24)
        response = render(request, "login.html", next=_safe_next(next), token=services.sessions.sign(nonce),
                          failed=bool(failed))
        _set_cookie(response, services, LOGIN_COOKIE, nonce, max_age=1800)
        return response

    @app.post("/login", include_in_schema=False)
    async def login(request: Request) -> Response:
        services = _services(request)
        form = await _form(request, None)
        nonce = request.cookies.get(LOGIN_COOKIE, "")
        token = form.get("csrf_token")
        if not nonce or not isinstance(token, str) or not hmac.compare_digest(token, services.sessions.sign(nonce)):
            raise PageForbidden()
        username = str(form.get("username") or "")[:64]
        password = str(form.get("password") or "")[:1024]
        next_path = _safe_next(str(form.get("next") or "/"))
        result = services.authenticator.authenticate(username, password)
        if not result.ok or result.user_id is None:
            return RedirectResponse(f"/login?failed=1&next={quote(next_path)}", status_code=303)
        old = request.cookies.get(SESSION_COOKIE)
        token_value, _ = services.sessions.create(result.user_id, replacing=old)
        response = RedirectResponse(next_path if next_path != "/" else "/", status_code=303)
        _set_cookie(response, services, SESSION_COOKIE, token_value)
        response.delete_cookie(LOGIN_COOKIE, path="/")
        return response

    @app.post("/logout", include_in_schema=False)
    async def logout(request: Request) -> Response:
        ctx = _ctx(request)
        await _form(request, ctx)
        ctx.services.sessions.end(request.cookies.get(SESSION_COOKIE))
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @app.get("/account", include_in_schema=False)
    def account(request: Request) -> Response:
        ctx = _ctx(request)
        return render(request, "account.html", ctx=ctx)

    # -------------------------------------------------------------------------------- the queue
    @app.get("/queue", include_in_schema=False)
    def queue_page(request: Request, outcome: str = "", finding: str = "", month: str = "", days: str = "",
                   state: str = "") -> Response:
        ctx = _ctx(request)
        ctx.require(Action.VIEW_QUEUE)
        f = queries.QueueFilter(
            outcome=outcome if outcome in PROPOSAL_SV else None,
            finding=finding[:64] or None,
            month=month if re.fullmatch(r"\d{4}-\d{2}", month) else None,
            min_days=int(days) if days.isdigit() and int(days) < 10000 else None,
            state=state if state in queries.QUEUE_STATES else None,
        )
        ctx.record("view_queue", "queue", [])
        with ctx.services.db.read() as s:
            rows, codes = queries.queue(s, ctx.identity, f)
        return render(request, "queue.html", ctx=ctx, rows=rows, codes=codes, f=f)

    # -------------------------------------------------------------------------------- a case
    def _case(ctx: Ctx, s: Any, app_id: str) -> CaseFile:
        try:
            case = load_case(s, app_id)
        except CaseNotFound:
            raise PageNotFound() from None
        if not can_see(s, ctx.identity, case.app):
            raise PageNotFound()
        return case

    def _show_case(request: Request, ctx: Ctx, app_id: str, msg: str = "", errors: list[str] | None = None,
                   form: dict[str, Any] | None = None, status: int = 200) -> Response:
        with ctx.services.db.read() as s:
            case = _case(ctx, s, app_id)
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
        today = now().date()
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
            case = _case(ctx, s, app_id)
        errors: list[str] = []
        overrides = []
        for i, line in enumerate(case.basis.lines):
            raw = form.get(f"amount_{i}")
            if raw is None or line_group(line.rule) == "result":
                continue
            amount = _parse_amount(str(raw))
            if amount is None:
                errors.append(f"Rad {i + 1}: beloppet ska anges i kronor, t.ex. 2400 eller 2400,50")
                continue
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
                                                 ctx.services.policy, ctx.services.letters)
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
            _case(ctx, s, app_id)
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
                ctx.services.policy,
            ),
        )

    @app.post("/case/{app_id}/countersign", include_in_schema=False)
    async def case_countersign(request: Request, app_id: str) -> Response:
        return await _case_action(
            request, app_id, Action.SECOND_SIGN, "countersigned",
            lambda ctx, form: countersign(
                ctx.services.db, ctx.identity, app_id, str(form.get("first_id") or ""), ctx.services.letters
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
                ctx.services.policy,
            ),
        )

    @app.post("/case/{app_id}/fetch", include_in_schema=False)
    async def case_fetch(request: Request, app_id: str) -> Response:
        ctx = _ctx(request)
        ctx.require(Action.FETCH_AGAIN)
        await _form(request, ctx)
        with ctx.services.db.read() as s:
            case = _case(ctx, s, app_id)
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
        from adapters.service import decide_and_store
        from decision.pipeline import Pipeline
        from rules.evaluator import PackEvaluator

        unsealed = case.bundle.model_copy(update={"registry": None})
        try:
            await run_in_threadpool(
                decide_and_store,
                unsealed, pipeline=Pipeline(PackEvaluator(ctx.services.catalog), registry=source),
                catalog=ctx.services.catalog, store=ctx.services.store, access=ctx.services.access,
                actor=ctx.identity.actor, purpose=ctx.purpose, channel="web",
            )
        except (FinaidError, InputError) as e:
            return _case_with_errors(request, ctx, app_id, [f"Hämtningen misslyckades ({type(e).__name__})."], {})
        return RedirectResponse(f"/case/{quote(app_id)}?msg=fetched", status_code=303)

    # -------------------------------------------------------------------------------- the letter
    def _letter(ctx: Ctx, app_id: str) -> tuple[Letter, list[str]]:
        with ctx.services.db.read() as s:
            case = _case(ctx, s, app_id)
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

    # -------------------------------------------------------------------------------- reports
    @app.get("/statistics", include_in_schema=False)
    def statistics(request: Request, month_from: str = "", month_to: str = "") -> Response:
        ctx = _ctx(request)
        ctx.require(Action.VIEW_STATISTICS)
        f = queries.StatsFilter(
            month_from=month_from if re.fullmatch(r"\d{4}-\d{2}", month_from) else None,
            month_to=month_to if re.fullmatch(r"\d{4}-\d{2}", month_to) else None,
        )
        ctx.record("view_statistics", "statistics", [])
        with ctx.services.db.read() as s:
            stats = queries.override_statistics(s, ctx.identity, f)
        labels: dict[str, str] = {}
        for code in {c["reason_code"] for c in stats["reason_codes"]}:
            labels[code] = reason_codes.for_municipality("*", ctx.services.config.reason_codes_dir).label(code)
        return render(request, "statistics.html", ctx=ctx, stats=stats, f=f, labels=labels)

    @app.get("/access-log", include_in_schema=False)
    def access_log(request: Request, before: int = 0) -> Response:
        ctx = _ctx(request)
        ctx.require(Action.VIEW_ACCESS_LOG)
        ctx.record("view_access_log", "access_log", [])
        with ctx.services.db.read() as s:
            entries = queries.access_entries(s, 200, before or None)
        return render(request, "access_log.html", ctx=ctx, entries=entries)

    # -------------------------------------------------------------------------------- administration
    @app.get("/admin/users", include_in_schema=False)
    def admin_users(request: Request, error: str = "") -> Response:
        ctx = _ctx(request)
        ctx.require(Action.MANAGE_USERS)
        return render(request, "admin_users.html", ctx=ctx, users=list_users(ctx.services.db),
                      units=list_units(ctx.services.db), roles=list(Role), errors=[error[:200]] if error else [])

    @app.post("/admin/users", include_in_schema=False)
    async def admin_add_user(request: Request) -> Response:
        ctx = _ctx(request)
        ctx.require(Action.MANAGE_USERS)
        form = await _form(request, ctx)
        try:
            add_user(ctx.services.db, str(form.get("username") or ""), str(form.get("display_name") or "")[:128],
                     str(form.get("password") or ""), [str(r) for r in form.getlist("roles")],
                     [str(u) for u in form.getlist("units")], ctx.identity.actor,
                     title=str(form.get("title") or "")[:128] or None)
        except AuthError as e:
            return RedirectResponse(f"/admin/users?error={quote(str(e))}", status_code=303)
        return RedirectResponse("/admin/users", status_code=303)

    @app.post("/admin/users/{username}", include_in_schema=False)
    async def admin_change_user(request: Request, username: str) -> Response:
        ctx = _ctx(request)
        ctx.require(Action.MANAGE_USERS)
        form = await _form(request, ctx)
        op = str(form.get("op") or "")
        try:
            if op == "roles":
                set_roles(ctx.services.db, username, [str(r) for r in form.getlist("roles")], ctx.identity.actor)
            elif op == "unlock":
                unlock_user(ctx.services.db, username, ctx.identity.actor)
            elif op in ("disable", "enable"):
                set_active(ctx.services.db, username, op == "enable", ctx.identity.actor)
            else:
                raise PageForbidden()
        except AuthError as e:
            return RedirectResponse(f"/admin/users?error={quote(str(e))}", status_code=303)
        return RedirectResponse("/admin/users", status_code=303)


def _parse_amount(text: str) -> int | None:
    t = text.strip().replace("\u00a0", "").replace(" ", "").replace("kr", "").replace(",", ".")
    m = re.fullmatch(r"(\d{1,9})(?:\.(\d{1,2}))?", t)
    if not m:
        return None
    return int(m.group(1)) * 100 + int((m.group(2) or "0").ljust(2, "0"))


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
