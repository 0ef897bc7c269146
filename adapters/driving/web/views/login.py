"""Login, logout and the person's own account page."""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import deque
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from adapters.driving.web.views import login_sso, login_totp
from adapters.driving.web.views.common import (
    LOGIN_COOKIE,
    SESSION_COOKIE,
    PageForbidden,
    _ctx,
    _form,
    _safe_next,
    _services,
    _set_cookie,
    render,
)

CLIENT_FAILURES = 20  # failed logins per client (whatever the usernames, known or not) …
CLIENT_WINDOW = 600.0  # … within this many seconds; then the client waits (429) without a password check


class ClientThrottle:
    """Failed logins per client address, in this process: the per-user lockout (auth.py) does not stop
    guessing over unknown or many usernames from one client."""

    def __init__(self, limit: int = CLIENT_FAILURES, window: float = CLIENT_WINDOW) -> None:
        self.limit, self.window = limit, window
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def wait(self, client: str) -> float | None:
        """None when the client may try, else seconds until it may."""
        t = time.monotonic()
        with self._lock:
            failures = self._failures.get(client)
            while failures and t - failures[0] >= self.window:
                failures.popleft()
            if failures is not None and not failures:
                del self._failures[client]
            if failures and len(failures) >= self.limit:
                return max(1.0, self.window - (t - failures[0]))
            return None

    def failed(self, client: str) -> None:
        with self._lock:
            self._failures.setdefault(client, deque()).append(time.monotonic())


def install(app: FastAPI) -> None:
    app.state.login_throttle = ClientThrottle()

    @app.get("/login", include_in_schema=False)
    def login_page(request: Request, next: str = "/", failed: int = 0) -> Response:  # noqa: A002
        services = _services(request)
        nonce = secrets.token_urlsafe(24)
        response = render(request, "login.html", next=_safe_next(next), token=services.sessions.sign(nonce),
                          failed=bool(failed), sso_link=login_sso.login_link(services, _safe_next(next)))
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
        throttle: ClientThrottle = request.app.state.login_throttle
        client = request.client.host if request.client else "unknown"
        wait = throttle.wait(client)
        if wait is not None:
            refused = render(request, "error.html", 429, title="För många inloggningsförsök",
                             message="För många misslyckade inloggningar härifrån. Försök igen om en stund.")
            refused.headers["Retry-After"] = str(int(wait + 0.999))
            return refused
        result = services.authenticator.authenticate(username, password)
        if result.second_factor and result.user_id and not result.failure:  # a TOTP code still to give
            response = RedirectResponse(f"/login/totp?next={quote(next_path)}", status_code=303)
            login_totp.start(response, services, result.user_id)
            response.delete_cookie(LOGIN_COOKIE, path="/")
            return response
        if not result.ok or result.user_id is None:
            throttle.failed(client)
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
        response = await login_sso.provider_logout(request, ctx.services) or RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @app.get("/account", include_in_schema=False)
    def account(request: Request) -> Response:
        ctx = _ctx(request)
        return render(request, "account.html", ctx=ctx)
