"""What every e-service page shares: the logged-in applicant, the language, rendering, CSRF-checked forms,
cookies and the error pages. Another household's case answers 404, never 403 (no probing for ids)."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException

from adapters.driven.db.etjanst import CitizenLogin, DraftRow
from adapters.driven.render.templating import month_sv
from adapters.driving.etjanst import i18n
from adapters.driving.etjanst.services import EtjanstServices
from adapters.driving.etjanst.upload import ABSOLUTE_FACTOR, RequestTooLarge, read_files_form
from adapters.driving.web.presentation import when
from audit.access import AccessLogError
from decision.money import format_kr_sv

SESSION_COOKIE = "finaid_etjanst_session"
LOGIN_COOKIE = "finaid_etjanst_login"
LANG_COOKIE = "finaid_etjanst_lang"
MAX_FORM_BYTES = 256 * 1024
TEMPLATES = Path(__file__).resolve().parent / "templates"


class LoginRequired(Exception):
    def __init__(self, next_path: str = "/") -> None:
        self.next_path = next_path


class Forbidden(Exception):
    pass


class NotFound(Exception):
    pass


class NotRecorded(Exception):
    pass


class TooMany(Exception):
    def __init__(self, wait: float) -> None:
        self.wait = wait


def N_(text: str) -> str:  # noqa: N802 - gettext's name: marks a text for extraction, translated later
    return text


@dataclass
class Ctx:
    request: Request
    services: EtjanstServices
    login: CitizenLogin

    @property
    def actor(self) -> str:
        return f"citizen:{self.login.person_key[:16]}"

    def record(self, action: str, subject: str, persons: list[str]) -> None:
        """The applicant reads personal data (their own household's): written to the access log first."""
        try:
            self.services.access.record(self.actor, "registerutdrag", "etjanst", action, subject, persons)
        except AccessLogError:
            raise NotRecorded() from None


def own_draft(ctx: Ctx, draft_id: str) -> DraftRow:
    """A draft the person writes or signs (as applicant or partner); else 404."""
    draft = ctx.services.store.draft(ctx.login.person_key, draft_id)
    if draft is None:
        raise NotFound()
    return draft


def services_of(request: Request) -> EtjanstServices:
    services: EtjanstServices = request.app.state.etjanst
    return services


def lang_of(request: Request) -> str:
    return i18n.pick(request.cookies.get(LANG_COOKIE))


def gettext_for(request: Request) -> Callable[[str], str]:
    return i18n.translations(lang_of(request)).gettext


def ctx_of(request: Request) -> Ctx:
    services = services_of(request)
    login = services.store.session(request.cookies.get(SESSION_COOKIE), services.config.idle_minutes)
    if login is None:
        raise LoginRequired(request.url.path)
    return Ctx(request, services, login)


_env: jinja2.Environment | None = None


def environment() -> jinja2.Environment:
    global _env  # noqa: PLW0603 - one environment per process (templates compiled once)
    if _env is None:
        env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True)
        env.filters["when"] = when
        env.filters["ore_kr"] = format_kr_sv
        _env = env
    return _env


def month_en(month: str) -> str:
    import calendar

    year, number = month.split("-")
    return f"{calendar.month_name[int(number)]} {year}"


def render(request: Request, name: str, status: int = 200, ctx: Ctx | None = None, **data: Any) -> HTMLResponse:
    lang = lang_of(request)
    gettext = i18n.translations(lang).gettext
    html = environment().get_template(name).render(
        _=gettext, translated=lambda d: [(k, gettext(v)) for k, v in d.items()], lang=lang,
        LANGUAGES=i18n.LANGUAGES, ctx=ctx,
        csrf=ctx.login.csrf_token if ctx else "", demo=services_of(request).config.demo,
        month_name=month_sv if lang == "sv" else month_en, here=request.url.path, **data,
    )
    return HTMLResponse(html, status_code=status)


async def form_of(request: Request, ctx: Ctx | None, files: int = 0) -> FormData:
    length = request.headers.get("content-length")
    file_limit = services_of(request).config.max_upload_bytes
    limit = MAX_FORM_BYTES + (ABSOLUTE_FACTOR * file_limit if files else 0)
    if length is not None and (not length.isdigit() or int(length) > limit):
        raise TooLarge()
    if files and request.headers.get("content-type", "").startswith("multipart/form-data"):
        try:  # a file over the limit is cut one byte over it: its message beside the field, the rest kept
            form = await read_files_form(request.headers, request.stream(), file_limit, MAX_FORM_BYTES, files)
        except RequestTooLarge:
            raise TooLarge() from None
        except ValueError:
            raise HTTPException(400) from None
    else:
        form = await request.form(max_files=files, max_fields=2000, max_part_size=limit)
    if ctx is not None:
        token = form.get("csrf_token")
        if not isinstance(token, str) or not hmac.compare_digest(token, ctx.login.csrf_token):
            raise Forbidden()
    return form


class TooLarge(Exception):
    pass


def set_cookie(response: Response, services: EtjanstServices, name: str, value: str,
               max_age: int | None = None) -> None:
    response.set_cookie(name, value, max_age=max_age, path="/", secure=services.config.secure_cookies,
                        httponly=True, samesite="lax" if name == LANG_COOKIE else "strict")


def safe_next(path: str | None) -> str:
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/"
    return path


def install(app: FastAPI) -> None:
    def error(request: Request, status: int, title: str, message: str) -> HTMLResponse:
        _ = gettext_for(request)
        return render(request, "error.html", status, title=_(title), message=_(message))

    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse(f"/login?next={quote(safe_next(exc.next_path))}", status_code=303)

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, exc: Forbidden) -> Response:
        return error(request, 403, N_("The form has expired"),
                     N_("The page was open too long or came from somewhere else. Go back, reload the page and try "
                        "again. Nothing has been sent."))

    @app.exception_handler(NotFound)
    async def _not_found(request: Request, exc: NotFound) -> Response:
        return error(request, 404, N_("Page not found"),
                     N_("There is no such page or application among yours."))

    @app.exception_handler(NotRecorded)
    async def _not_recorded(request: Request, exc: NotRecorded) -> Response:
        return error(request, 503, N_("Nothing can be shown right now"),
                     N_("We could not record that you read your information, so it is not shown. Try again "
                        "later."))

    @app.exception_handler(TooLarge)
    async def _too_large(request: Request, exc: TooLarge) -> Response:
        return error(request, 413, N_("The file is too large"),
                     N_("What you sent is larger than we accept. Go back and choose a smaller file."))

    @app.exception_handler(TooMany)
    async def _too_many(request: Request, exc: TooMany) -> Response:
        response = error(request, 429, N_("Too many attempts"),
                         N_("You have tried many times in a short while. Wait a moment and try again."))
        response.headers["Retry-After"] = str(int(exc.wait + 0.999))
        return response

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/sprak/{lang}", include_in_schema=False)
    def language(request: Request, lang: str, next: str = "/") -> Response:  # noqa: A002
        response = RedirectResponse(safe_next(next), status_code=303)
        set_cookie(response, services_of(request), LANG_COOKIE, i18n.pick(lang), max_age=365 * 24 * 3600)
        return response

    @app.get("/tillganglighet", include_in_schema=False)
    def accessibility(request: Request) -> Response:
        return render(request, "accessibility.html")
