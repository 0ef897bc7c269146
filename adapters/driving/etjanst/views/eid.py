"""Logging in with e-identification (OpenID Connect through the operations' client): ``/login/eid`` sends the
browser to the broker, ``/login/eid/callback`` brings it back; the personnummer comes from the configured
claim. The login's state, nonce and PKCE verifier travel in a signed cookie (SameSite=Lax, for the broker's
redirect back); a refused or broken login says so without detail (the reason is an audit event)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from adapters.driven.identity import flowstate
from adapters.driving.etjanst.common import (
    N_,
    SESSION_COOKIE,
    NotFound,
    TooMany,
    gettext_for,
    render,
    safe_next,
    services_of,
    set_cookie,
)
from adapters.driving.etjanst.identity import OidcCitizens
from adapters.driving.etjanst.services import EtjanstServices

FLOW_COOKIE = "finaid_etjanst_eid"
FLOW_SECONDS = 600


def _seal(services: EtjanstServices, data: dict[str, str]) -> str:
    return flowstate.seal(services.store.sign, "eid", data)


def _unseal(services: EtjanstServices, value: str | None) -> dict[str, str] | None:
    return flowstate.unseal(services.store.sign, "eid", value)


def _refused(request: Request, status: int = 403) -> Response:
    _ = gettext_for(request)
    response = render(request, "error.html", status, title=_(N_("The login did not work")),
                      message=_(N_("We could not log you in with e-identification. Try again.")))
    response.delete_cookie(FLOW_COOKIE, path="/login/eid")
    return response


def install(app: FastAPI) -> None:
    @app.get("/login/eid", include_in_schema=False)
    async def begin(request: Request, next: str = "/") -> Response:  # noqa: A002
        services = services_of(request)
        identity = services.identity
        if not isinstance(identity, OidcCitizens):
            raise NotFound()
        wait = services.login_limit.hit(request.client.host if request.client else "unknown")
        if wait is not None:
            raise TooMany(wait)
        try:
            url, blob = await run_in_threadpool(identity.client.begin, identity.redirect_uri)
        except Exception:  # noqa: BLE001 - the broker did not answer: a refusal page, no detail
            return _refused(request, 502)
        response = RedirectResponse(url, status_code=303)
        response.set_cookie(FLOW_COOKIE, _seal(services, {"flow": blob, "next": safe_next(next)}),
                            max_age=FLOW_SECONDS, path="/login/eid", secure=services.config.secure_cookies,
                            httponly=True, samesite="lax")
        return response

    @app.get("/login/eid/callback", include_in_schema=False)
    async def callback(request: Request) -> Response:
        services = services_of(request)
        identity = services.identity
        if not isinstance(identity, OidcCitizens):
            raise NotFound()
        flow = _unseal(services, request.cookies.get(FLOW_COOKIE))
        if flow is None or not isinstance(flow.get("flow"), str):
            return _refused(request, 400)
        try:
            claims = await run_in_threadpool(identity.client.finish, dict(request.query_params), flow["flow"])
        except Exception:  # noqa: BLE001 - refused by the broker, a forged or stale callback: no detail shown
            services.store.audit("anonymous", "etjanst_login_failed", "citizen:unknown", {"reason": "oidc"})
            return _refused(request, 400)
        pnr = identity.personnummer({"claims": getattr(claims, "claims", {})})
        if pnr is None:
            services.store.audit("anonymous", "etjanst_login_failed", "citizen:unknown", {"reason": "claim"})
            return _refused(request)
        token = services.store.open_session(pnr, services.config.idle_minutes,
                                            replacing=request.cookies.get(SESSION_COOKIE))
        target = safe_next(str(flow.get("next") or "/"))
        # through a page of ours, so that the Strict session cookie travels on the next request
        _ = gettext_for(request)
        response = render(request, "continue.html", url=target)
        set_cookie(response, services, SESSION_COOKIE, token)
        response.delete_cookie(FLOW_COOKIE, path="/login/eid")
        return response
