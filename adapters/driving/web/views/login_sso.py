"""Single sign-on pages: ``/login/oidc`` sends the browser to the municipality's identity provider,
``/login/oidc/callback`` brings it back (adapters/driving/web/sso.py decides roles and units), and logout
ends the provider's session too (:func:`provider_logout`).

The login's state, nonce and PKCE verifier travel in a signed cookie (SameSite=Lax: the provider's redirect
back is a cross-site navigation, which Strict cookies do not follow); after the callback the browser moves on
through a page of ours (``continue.html``), so that the Strict session cookie is sent on the next request.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from adapters.driven.identity import flowstate
from adapters.driven.identity.oidc import OidcError
from adapters.driving.web.services import WebServices
from adapters.driving.web.sso import REFUSED_SV, sign_in
from adapters.driving.web.views.common import SESSION_COOKIE, PageNotFound, _safe_next, _services, _set_cookie, render

FLOW_COOKIE = "finaid_oidc"
IDP_COOKIE = "finaid_idp"  # the ID token, sent only to /logout (the provider's logout wants it as a hint)
FLOW_SECONDS = 600


def _seal(services: WebServices, data: dict[str, str]) -> str:
    return flowstate.seal(services.sessions.sign, "oidc", data)


def _unseal(services: WebServices, value: str | None) -> dict[str, str] | None:
    return flowstate.unseal(services.sessions.sign, "oidc", value)


def _refused(request: Request, reason: str, status: int = 403) -> Response:
    response = render(request, "error.html", status, title="Inloggningen nekades", message=REFUSED_SV[reason])
    response.delete_cookie(FLOW_COOKIE, path="/login/oidc")
    return response


def install(app: FastAPI) -> None:
    @app.get("/login/oidc", include_in_schema=False)
    async def oidc_begin(request: Request, next: str = "/") -> Response:  # noqa: A002
        services = _services(request)
        client, sso = services.oidc, services.config.sso
        if client is None or sso is None:
            raise PageNotFound()
        try:
            url, blob = await run_in_threadpool(client.begin, sso.redirect_uri)
        except OidcError:
            return _refused(request, "provider", 502)
        response = RedirectResponse(url, status_code=303)
        response.set_cookie(FLOW_COOKIE, _seal(services, {"flow": blob, "next": _safe_next(next)}),
                            max_age=FLOW_SECONDS, path="/login/oidc", secure=services.config.secure_cookies,
                            httponly=True, samesite="lax")
        return response

    @app.get("/login/oidc/callback", include_in_schema=False)
    async def oidc_callback(request: Request) -> Response:
        services = _services(request)
        client, sso = services.oidc, services.config.sso
        if client is None or sso is None:
            raise PageNotFound()
        flow = _unseal(services, request.cookies.get(FLOW_COOKIE))
        if flow is None or not isinstance(flow.get("flow"), str):
            return _refused(request, "provider", 400)
        try:
            claims = await run_in_threadpool(client.finish, dict(request.query_params), flow["flow"])
        except OidcError:
            return _refused(request, "provider", 400)
        result = await run_in_threadpool(sign_in, services.db, claims, sso, services.clock)
        if not result.ok or result.user_id is None:
            return _refused(request, result.failure or "provider")
        token, _ = services.sessions.create(result.user_id, replacing=request.cookies.get(SESSION_COOKIE))
        target = _safe_next(str(flow.get("next") or "/"))
        response = render(request, "continue.html", url=target, title="Inloggad",
                          message="Du är inloggad via kommunens inloggning.")
        _set_cookie(response, services, SESSION_COOKIE, token)
        response.set_cookie(IDP_COOKIE, claims.id_token, max_age=services.config.max_hours * 3600, path="/logout",
                            secure=services.config.secure_cookies, httponly=True, samesite="strict")
        response.delete_cookie(FLOW_COOKIE, path="/login/oidc")
        return response


async def provider_logout(request: Request, services: WebServices) -> Response | None:
    """After finaid's session has ended: a page that sends the browser on to the provider's logout, or None
    when this was not a single sign-on session (or the provider has no logout endpoint)."""
    id_token = request.cookies.get(IDP_COOKIE)
    client, sso = services.oidc, services.config.sso
    if not id_token or client is None or sso is None:
        return None
    try:
        url = await run_in_threadpool(client.logout_url, id_token, sso.after_logout_uri)
    except OidcError:
        url = None
    if url is None:
        return None
    response = render(request, "continue.html", url=url, title="Utloggad",
                      message="Du är utloggad från finaid. Nu loggas du ut från kommunens inloggning också.")
    response.delete_cookie(IDP_COOKIE, path="/logout")
    return response


def login_link(services: WebServices, next_path: str) -> str | None:
    """The login page's single sign-on link, when configured."""
    return f"/login/oidc?next={quote(next_path)}" if services.config.sso is not None else None
