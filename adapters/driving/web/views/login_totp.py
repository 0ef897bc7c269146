"""The login's second step for local passwords outside demo mode: the TOTP code (enrolment the first time).

The password step (views/login.py) leaves a signed pending cookie (second_factor.py); this page asks for the
code, or — when the person has no confirmed TOTP — shows a new secret once as a QR code and asks for its
first code. Only a right code creates the session.
"""

from __future__ import annotations

import hmac
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from adapters.driving.web.second_factor import PENDING_SECONDS, pending_token, pending_user
from adapters.driving.web.services import WebServices
from adapters.driving.web.views.common import (
    SESSION_COOKIE,
    PageForbidden,
    _form,
    _safe_next,
    _services,
    _set_cookie,
    render,
)

PENDING_COOKIE = "finaid_mfa"


def start(response: Response, services: WebServices, user_id: str) -> None:
    """Mark the browser as having given the right password (for :data:`PENDING_SECONDS`)."""
    issued = int(services.second_factor.now().timestamp())
    _set_cookie(response, services, PENDING_COOKIE, pending_token(user_id, issued, services.sessions.sign),
                max_age=PENDING_SECONDS)


def _pending(request: Request, services: WebServices) -> tuple[str, str] | None:
    cookie = request.cookies.get(PENDING_COOKIE)
    user_id = pending_user(cookie, int(services.second_factor.now().timestamp()), services.sessions.sign)
    return (user_id, services.sessions.sign(f"totp:{cookie}")) if user_id and cookie else None


def install(app: FastAPI) -> None:
    @app.get("/login/totp", include_in_schema=False)
    def totp_page(request: Request, next: str = "/", failed: int = 0) -> Response:  # noqa: A002
        services = _services(request)
        pending = _pending(request, services)
        if pending is None:
            return RedirectResponse(f"/login?next={quote(_safe_next(next))}", status_code=303)
        user_id, token = pending
        enrolment = services.second_factor.enrol(user_id) if services.second_factor.needs_enrolment(user_id) else None
        return render(request, "login_totp.html", token=token, next=_safe_next(next), failed=bool(failed),
                      enrolment=enrolment)

    @app.post("/login/totp", include_in_schema=False)
    async def totp_check(request: Request) -> Response:
        services = _services(request)
        form = await _form(request, None)
        next_path = _safe_next(str(form.get("next") or "/"))
        pending = _pending(request, services)
        if pending is None:
            return RedirectResponse(f"/login?next={quote(next_path)}", status_code=303)
        user_id, token = pending
        sent = form.get("csrf_token")
        if not isinstance(sent, str) or not hmac.compare_digest(sent, token):
            raise PageForbidden()
        enrolling = services.second_factor.needs_enrolment(user_id)
        result = services.second_factor.check(user_id, str(form.get("code") or "")[:16])
        if not result.ok or result.user_id is None:
            if result.failure == "totp_wrong" and enrolling:  # the same secret again: the app holds it already
                return render(request, "login_totp.html", 422, token=token, next=next_path, failed=True,
                              enrolment=services.second_factor.unconfirmed(user_id))
            if result.failure == "totp_wrong":
                return RedirectResponse(f"/login/totp?failed=1&next={quote(next_path)}", status_code=303)
            response = RedirectResponse(f"/login?failed=1&next={quote(next_path)}", status_code=303)
            response.delete_cookie(PENDING_COOKIE, path="/")
            return response
        session, _ = services.sessions.create(result.user_id, replacing=request.cookies.get(SESSION_COOKIE))
        response = RedirectResponse(next_path, status_code=303)
        _set_cookie(response, services, SESSION_COOKIE, session)
        response.delete_cookie(PENDING_COOKIE, path="/")
        return response
