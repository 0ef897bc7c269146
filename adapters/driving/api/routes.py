"""The HTTP API (JSON; OpenAPI 3 at ``/api/openapi.json``) for the e-service and the case system.

``POST /api/v1/applications`` stores a case bundle as received (202 with its id; the same content
again is the same revision) — the nightly batch decides it. ``GET`` reads the status, the decision
basis and the signed decision; every read of a case goes through the access log first. Tokens
belong to calling systems and carry scopes (``submit``, ``status:read``, ``basis:read``,
``decision:read``); they are stored as sha256 (``finaid tokens add/revoke``). Each token has a rate
limit; bodies and listings have size limits. Every error is ``{"errors": [{"path", "message"}]}``
with the contract's field paths and never echoes the input.
"""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException as StarletteHTTPException

from adapters.driven.db.models import ApiToken, Application, Revision
from adapters.driving.api.errors import ApiError, error_response
from adapters.driving.api.models import ERRORS, Listing, Status, Submitted
from adapters.driving.api.tokens import SCOPES, Caller, RateLimiter, add_token, list_tokens, revoke_token, token_hash
from adapters.driving.web.services import WebServices
from adapters.driving.web.signoff import signed_record
from audit.access import AccessLogError
from decision.basis import DecisionBasis
from decision.bundle import CaseBundle
from decision.errors import InputError
from decision.services import intake
from decision.validation import parse_bundle

__all__ = ["SCOPES", "add_token", "install", "list_tokens", "revoke_token"]

PURPOSE = "handlaggning"
APP_ID = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$"


bearer = HTTPBearer(auto_error=False, description="a calling system's token (finaid tokens add)")


def _services(request: Request) -> WebServices:
    services: WebServices = request.app.state.services
    return services


def caller(request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> Caller:  # noqa: B008
    if credentials is None or credentials.scheme.lower() != "bearer" or len(credentials.credentials) > 200:
        raise ApiError(401, "a bearer token is required", headers={"WWW-Authenticate": "Bearer"})
    services = _services(request)
    with services.db.read() as s:
        row = s.execute(select(ApiToken).where(ApiToken.token_hash == token_hash(credentials.credentials))
                        ).scalar_one_or_none()
    if row is None or row.revoked_at is not None:
        raise ApiError(401, "unknown or revoked token", headers={"WWW-Authenticate": "Bearer"})
    c = Caller(row.id, row.client, frozenset(row.scopes.split()), row.rate_per_minute)
    request.state.actor = c.actor  # the request's log line names the calling system (web/requestlog.py)
    limiter: RateLimiter = request.app.state.rate_limiter
    wait = limiter.check(c.token_id, c.rate)
    if wait is not None:
        raise ApiError(429, "rate limit exceeded", headers={"Retry-After": str(int(wait + 0.999))})
    return c


def _need(c: Caller, scope: str) -> None:
    if scope not in c.scopes:
        raise ApiError(403, f"the token lacks the scope {scope}")


def _record(services: WebServices, c: Caller, action: str, subject: str, persons: list[str]) -> None:
    try:
        services.access.record(c.actor, PURPOSE, "api", action, subject, persons)
    except AccessLogError:
        raise ApiError(503, "the access log could not be written: nothing is shown") from None


def _household(s: Any, app: Application) -> list[str]:
    rev = s.get(Revision, app.current_revision_id) if app.current_revision_id else None
    if rev is None or rev.bundle_json is None:
        return []
    return [m["personnummer"] for m in json.loads(rev.bundle_json)["application"]["household"]]


def _status(s: Any, app: Application) -> Status:
    from adapters.driven.db.models import Decision

    d = s.get(Decision, app.current_decision_id) if app.current_decision_id else None
    return Status(
        id=app.id, state=app.state, state_reason=app.state_reason, month=app.month, municipality=app.municipality,
        decision_id=d.id if d else None, outcome=d.outcome if d else None,
        signed=app.state in ("signed", "auto_approved"), updated_at=app.updated_at.isoformat(),
    )


def _app(s: Session, app_id: str) -> Application:
    """The application, if the API may answer for it. The API's visibility rule is the listing's: a
    protected identity (skyddade personuppgifter) is never answered — no token has a role that may see
    it — so it is 404 exactly like an application that does not exist (docs/web.md, "Visibility")."""
    if not re.fullmatch(APP_ID, app_id):
        raise ApiError(404, "no such application")
    app = s.get(Application, app_id)
    if app is None or not _answerable(app.protected, app.purged_at):
        raise ApiError(404, "no such application")
    return app


def _answerable(protected: Any, purged_at: Any) -> bool:
    return not protected and purged_at is None


def _schema_components(app: FastAPI) -> None:
    """OpenAPI with the contract's JSON Schemas as components (the bundle, the basis)."""
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        spec = original()
        comps = spec.setdefault("components", {}).setdefault("schemas", {})
        for model, name in ((CaseBundle, "CaseBundle"), (DecisionBasis, "DecisionBasis")):
            schema = model.model_json_schema(by_alias=True, ref_template="#/components/schemas/{model}")
            for k, v in schema.pop("$defs", {}).items():
                comps.setdefault(k, v)
            comps[name] = schema
        post = spec["paths"]["/api/v1/applications"]["post"]
        post["requestBody"] = {"required": True, "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/CaseBundle"}}}}
        basis = spec["paths"]["/api/v1/applications/{application_id}/basis"]["get"]
        basis["responses"]["200"]["content"] = {
            "application/json": {"schema": {"$ref": "#/components/schemas/DecisionBasis"}}}
        app.openapi_schema = spec
        return spec

    app.openapi = openapi  # type: ignore[method-assign]


def install(app: FastAPI) -> None:
    app.state.rate_limiter = RateLimiter()

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> Response:
        return error_response(exc.status, exc.errors, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        errors = []
        for err in exc.errors():
            loc = [str(p) for p in err.get("loc", ())]
            errors.append({"path": ".".join(loc), "message": str(err.get("msg", "invalid")).replace("Input", "value")})
        return error_response(422, errors or [{"path": "", "message": "invalid request"}])

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if request.url.path.startswith("/api/") or exc.status_code != 404:
            message = {404: "not found", 405: "method not allowed"}.get(exc.status_code, "request refused")
            return error_response(exc.status_code, [{"path": "", "message": message}],
                                  dict(exc.headers) if exc.headers else None)
        from adapters.driving.web.views.common import render

        return render(request, "error.html", 404, title="Hittades inte", message="Sidan finns inte.")

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        return error_response(500, [{"path": "", "message": f"internal error ({type(exc).__name__})"}])

    @app.post("/api/v1/applications", status_code=202, response_model=Submitted, responses=ERRORS,
              summary="Submit an application (a case bundle); stored as received for the nightly batch",
              tags=["applications"])
    async def submit(request: Request, c: Caller = Depends(caller)) -> Any:  # noqa: B008
        _need(c, "submit")
        services = _services(request)
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype != "application/json":
            raise ApiError(415, "the body must be application/json")
        limit = services.config.api_max_body_bytes
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            raise ApiError(413, f"the body is larger than {limit} bytes")
        body = bytearray()
        async for chunk in request.stream():
            body.extend(chunk)
            if len(body) > limit:
                raise ApiError(413, f"the body is larger than {limit} bytes")
        try:
            bundle = parse_bundle(bytes(body))
            services.catalog.pack_for(bundle.application.month)
            # a supplementary application without a signed decision for its month is refused here too
            stored = intake.submit(services.uow(), services.catalog, services.clock, bundle, c.actor)
        except InputError as e:
            errors = [{"path": err.path, "message": err.message} for err in e.errors]
            for err in errors:
                if err["path"] == "application.month" and "no rule pack" in err["message"]:
                    err["message"] = "no rule pack covers this month"
            raise ApiError(422, "", errors=errors) from None
        with services.db.read() as s:
            app_row = s.get(Application, bundle.application.id)
            state = app_row.state if app_row else "received"
        return JSONResponse(Submitted(id=bundle.application.id, revision=stored.revision_id,
                                      content_hash=stored.content_hash, state=state,
                                      created=stored.created).model_dump(), status_code=202)

    @app.get("/api/v1/applications", response_model=Listing, responses=ERRORS, tags=["applications"],
             summary="List applications, most recently changed first (protected identities never listed)")
    def listing(request: Request, state: str | None = None, limit: int = 50,
                c: Caller = Depends(caller)) -> Any:  # noqa: B008
        _need(c, "status:read")
        services = _services(request)
        if limit < 1 or limit > services.config.api_max_list:
            raise ApiError(422, f"must be between 1 and {services.config.api_max_list}", path="query.limit")
        if state is not None and not re.fullmatch(r"[a-z_]{1,32}", state):
            raise ApiError(422, "not a state", path="query.state")
        _record(services, c, "list", "applications", [])
        with services.db.read() as s:
            q = select(Application).where(Application.protected.is_(False), Application.purged_at.is_(None))
            if state:
                q = q.where(Application.state == state)
            rows = s.execute(q.order_by(Application.updated_at.desc()).limit(limit)).scalars().all()
            return Listing(applications=[_status(s, a) for a in rows])

    @app.get("/api/v1/applications/{application_id}", response_model=Status, responses=ERRORS,
             tags=["applications"], summary="The status of one application")
    def status(request: Request, application_id: str, c: Caller = Depends(caller)) -> Any:  # noqa: B008
        _need(c, "status:read")
        services = _services(request)
        with services.db.read() as s:
            app_row = _app(s, application_id)
            people = _household(s, app_row)
            out = _status(s, app_row)
        _record(services, c, "status", f"application:{application_id}", people)
        return out

    @app.get("/api/v1/applications/{application_id}/basis", responses=ERRORS, tags=["applications"],
             summary="The current proposal's decision basis (finaid.decision-basis/2; /1 from the older packs)")
    def basis(request: Request, application_id: str, c: Caller = Depends(caller)) -> Any:  # noqa: B008
        _need(c, "basis:read")
        services = _services(request)
        from adapters.driven.db.models import Decision

        with services.db.read() as s:
            app_row = _app(s, application_id)
            d = s.get(Decision, app_row.current_decision_id) if app_row.current_decision_id else None
            if d is None or d.basis_json is None:
                raise ApiError(404, "the application has no proposal yet")
            people = _household(s, app_row)
            body = d.basis_json
        _record(services, c, "basis", f"decision:{d.id}", people)
        return Response(body, media_type="application/json")

    @app.get("/api/v1/applications/{application_id}/decision", responses=ERRORS, tags=["applications"],
             summary="The signed decision (finaid.signed-decision/1), once it is signed")
    def decision(request: Request, application_id: str, c: Caller = Depends(caller)) -> Any:  # noqa: B008
        _need(c, "decision:read")
        services = _services(request)
        with services.db.read() as s:
            app_row = _app(s, application_id)
            row = signed_record(s, application_id) if app_row.state in ("signed", "auto_approved") else None
            if row is None or row.record_json is None:
                raise ApiError(404, "the application has no signed decision")
            people = _household(s, app_row)
            body = row.record_json
        _record(services, c, "decision", f"sign_off:{row.id}", people)
        return Response(body, media_type="application/json")

    _schema_components(app)
