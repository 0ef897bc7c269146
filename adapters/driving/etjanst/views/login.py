"""Logging in (demo citizens in demo mode; the e-identification otherwise) and out."""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from adapters.driving.etjanst import forms
from adapters.driving.etjanst.common import (
    LOGIN_COOKIE,
    SESSION_COOKIE,
    Forbidden,
    TooMany,
    ctx_of,
    form_of,
    render,
    safe_next,
    services_of,
    set_cookie,
)


def install(app: FastAPI) -> None:
    @app.get("/login", include_in_schema=False)
    def login_page(request: Request, next: str = "/", failed: int = 0) -> Response:  # noqa: A002
        services = services_of(request)
        nonce = secrets.token_urlsafe(24)
        citizens = services.identity.citizens() if services.identity.kind == "demo" else []
        response = render(request, "login.html", next=safe_next(next), token=services.store.sign(nonce),
                          failed=bool(failed), citizens=citizens[: services.config.demo_citizens],
                          kind=services.identity.kind, f=forms)
        set_cookie(response, services, LOGIN_COOKIE, nonce, max_age=1800)
        return response

    @app.post("/login", include_in_schema=False)
    async def login(request: Request) -> Response:
        services = services_of(request)
        client = request.client.host if request.client else "unknown"
        wait = services.login_limit.hit(client)
        if wait is not None:
            raise TooMany(wait)
        form = await form_of(request, None)
        nonce = request.cookies.get(LOGIN_COOKIE, "")
        token = form.get("csrf_token")
        if not nonce or not isinstance(token, str) or not hmac.compare_digest(token, services.store.sign(nonce)):
            raise Forbidden()
        next_path = safe_next(str(form.get("next") or "/"))
        pnr = services.identity.personnummer({k: v for k, v in form.items() if isinstance(v, str)})
        if pnr is None:
            return RedirectResponse(f"/login?failed=1&next={quote(next_path)}", status_code=303)
        token_value = services.store.open_session(pnr, services.config.idle_minutes,
                                                  replacing=request.cookies.get(SESSION_COOKIE))
        response = RedirectResponse(next_path, status_code=303)
        set_cookie(response, services, SESSION_COOKIE, token_value)
        response.delete_cookie(LOGIN_COOKIE, path="/")
        return response

    @app.post("/logout", include_in_schema=False)
    async def logout(request: Request) -> Response:
        ctx = ctx_of(request)
        await form_of(request, ctx)
        ctx.services.store.end_session(request.cookies.get(SESSION_COOKIE))
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response
