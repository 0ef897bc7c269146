"""What every page shares: the request's context (the person, their session, the access log), rendering,
CSRF-checked forms, cookies, the errors pages answer with, and the case a person may see (else 404).

Every route names the action it performs (:mod:`adapters.driving.web.roles`); every page that shows a case
writes the access log first (purpose from the person's role) and shows nothing if it cannot; every
POST carries the session's CSRF token; cases outside the person's scope answer 404.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from adapters.driven.db.casefile import CaseFile, CaseNotFound, load_case
from adapters.driving.batch import report as batch_report
from adapters.driving.web import presentation
from adapters.driving.web.auth import ActiveSession
from adapters.driving.web.presentation import PROPOSAL_SV
from adapters.driving.web.roles import ROLE_SV, Action, allowed, purpose_for
from adapters.driving.web.scope import can_see
from adapters.driving.web.services import WebServices
from adapters.driving.web.signoff import OUTCOME_SV
from adapters.driving.web.templating import environment, month_sv
from audit.access import AccessLogError

STATE_SV = batch_report.STATE_SV  # one list of state names: the morning report and the pages
SESSION_COOKIE = "finaid_session"
LOGIN_COOKIE = "finaid_login"
MAX_FORM_BYTES = 256 * 1024



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
    services: WebServices
    session: ActiveSession
    stated_purpose: str | None = None  # a purpose the person stated for this request (search, tillsyn)

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
        return self.stated_purpose or purpose_for(self.identity.roles)

    def record(self, action: str, subject: str, persons: list[str]) -> None:
        try:
            self.services.access.record(self.identity.actor, self.purpose, "web", action, subject, persons)
        except AccessLogError:
            raise AccessNotRecorded() from None

    def record_reads(self, reads: list[tuple[str, str, list[str]]]) -> None:
        """Several reads one page shows (action, subject, persons): an entry each, written together."""
        try:
            self.services.access.record_reads(self.identity.actor, self.purpose, "web", reads)
        except AccessLogError:
            raise AccessNotRecorded() from None


def _services(request: Request) -> WebServices:
    services: WebServices = request.app.state.services
    return services


def _ctx(request: Request) -> Ctx:
    services = _services(request)
    session = services.sessions.load(request.cookies.get(SESSION_COOKIE))
    if session is None:
        raise LoginRequired(request.url.path)
    request.state.actor = session.identity.actor  # the request's log line names who (requestlog.py)
    return Ctx(request, services, session)


def render(request: Request, name: str, status: int = 200, ctx: Ctx | None = None, **data: Any) -> HTMLResponse:
    template = environment().get_template(name)
    html = template.render(
        ctx=ctx, csrf=ctx.session.csrf_token if ctx else "", identity=ctx.identity if ctx else None,
        ROLE_SV=ROLE_SV, STATE_SV=STATE_SV, PROPOSAL_SV=PROPOSAL_SV, OUTCOME_SV=OUTCOME_SV, month_sv=month_sv,
        demo=_services(request).config.demo, EVENT_SV=presentation.EVENT_SV, ANSWER_SV=presentation.ANSWER_SV,
        ACCESS_SV=presentation.ACCESS_SV, CHANNEL_SV=presentation.CHANNEL_SV, PURPOSE_SV=presentation.PURPOSE_SV,
        event_details=presentation.event_details, finding_sv=presentation.finding_sv,
        KOMMUN_NAMN=_services(request).config.municipality_names, **data,
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


def _set_cookie(response: Response, services: WebServices, name: str, value: str, max_age: int | None = None) -> None:
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


def visible_case(ctx: Ctx, s: Any, app_id: str) -> CaseFile:
    """The case, if it exists and is in the person's scope; else 404 (never 403: no probing for ids)."""
    try:
        case = load_case(s, app_id)
    except CaseNotFound:
        raise PageNotFound() from None
    if not can_see(s, ctx.identity, case.app):
        raise PageNotFound()
    return case


def install(app: FastAPI) -> None:
    """The error pages, the health check and the home redirect."""
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
