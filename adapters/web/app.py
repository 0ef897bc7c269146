"""The FastAPI app factory: the handlers' web app (server-rendered, Swedish) and the JSON API.

``create_app(config, db)`` wires everything from a :class:`WebConfig` (``WebConfig.from_settings``
reads ``FINAID_*``); tests pass their own database, registry source and letter maker — no
monkeypatching. ``finaid web serve`` runs it with uvicorn on 127.0.0.1:8000 by default.
"""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint

from adapters.db.engine import Database
from adapters.db.store import CaseStore
from adapters.web.auth import DEMO_SECRET, LoginPolicy, PasswordAuthenticator, SessionPolicy, SessionStore
from adapters.web.letters import ConfiguredParticulars, LetterMaker
from adapters.web.roles import Role
from adapters.web.signoff import Policy
from audit.access import AccessLog, person_key
from decision.errors import ConfigurationError
from decision.money import parse_kronor


@dataclass
class WebConfig:
    demo: bool = False
    secure_cookies: bool = True
    session_secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    hmac_key: bytes = b""
    idle_minutes: int = 15
    max_hours: int = 10
    lockout_attempts: int = 5
    lockout_minutes: int = 15
    protected_roles: frozenset[Role] = frozenset({Role.SUPERVISOR})
    four_eyes_threshold_ore: int = 100_000
    four_eyes_findings: frozenset[str] = frozenset({"identity.protected"})
    reason_codes_dir: Path | None = None
    units_file: Path | None = None
    api_rate_per_minute: int = 120
    api_max_body_bytes: int = 1024 * 1024
    api_max_list: int = 100
    board: str = "Socialnämnden"
    municipality_names: dict[str, str] = field(default_factory=dict)
    registry_factory: Callable[[Database], Any] | None = None  # db -> RegistrySource | None
    pdf: bool = True

    @staticmethod
    def from_settings(host: str | None = None) -> WebConfig:
        from adapters import bootstrap
        from adapters.settings import settings

        cfg = settings()
        plain_http_ok = cfg.demo and _loopback(host or cfg.web_host)
        secure = cfg.web_secure_cookies
        if secure is None:
            secure = not plain_http_ok
        elif not secure and not plain_http_ok:
            raise ConfigurationError("cookies without Secure are allowed only in demo mode on a loopback address")
        if cfg.web_session_secret is not None:
            secret = cfg.web_session_secret.get_secret_value().encode("utf-8")
        elif cfg.demo:
            secret = DEMO_SECRET
        else:
            secret = secrets.token_bytes(32)  # sessions end when the process restarts
        try:
            threshold = parse_kronor(cfg.four_eyes_threshold.strip())
        except ValueError:
            raise ConfigurationError("FINAID_FOUR_EYES_THRESHOLD must be kronor, e.g. 1000") from None
        return WebConfig(
            demo=cfg.demo, secure_cookies=secure, session_secret=secret, hmac_key=bootstrap.hmac_key(),
            idle_minutes=cfg.web_idle_timeout_minutes, max_hours=cfg.web_session_max_hours,
            lockout_attempts=cfg.web_lockout_attempts, lockout_minutes=cfg.web_lockout_minutes,
            protected_roles=frozenset(Role(r.strip()) for r in cfg.web_protected_roles.split(",") if r.strip()),
            four_eyes_threshold_ore=threshold,
            four_eyes_findings=frozenset(c.strip() for c in cfg.four_eyes_findings.split(",") if c.strip()),
            reason_codes_dir=cfg.reason_codes_dir, units_file=cfg.web_units_file,
            api_rate_per_minute=cfg.api_rate_per_minute, api_max_body_bytes=cfg.api_max_body_bytes,
            api_max_list=cfg.api_max_list, board=cfg.letter_board,
            municipality_names=dict(cfg.letter_municipality_names),
            registry_factory=bootstrap.registry_source,
        )


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Services:
    """What the routes use; one per app."""

    def __init__(self, config: WebConfig, db: Database) -> None:
        if len(config.hmac_key) < 16:
            raise ConfigurationError("the web app needs the access-log HMAC key (FINAID_HMAC_KEY)")
        self.config = config
        self.db = db
        key = config.hmac_key
        self.store = CaseStore(db, person_key=lambda pnr: person_key(key, pnr))
        self.access = AccessLog(db, key)
        self.sessions = SessionStore(
            db, config.session_secret, SessionPolicy(config.idle_minutes, config.max_hours), config.protected_roles
        )
        self.authenticator = PasswordAuthenticator(
            db, LoginPolicy(config.lockout_attempts, config.lockout_minutes, config.demo)
        )
        self.policy = Policy(config.four_eyes_threshold_ore, config.four_eyes_findings, config.reason_codes_dir)
        self.letters = LetterMaker(
            ConfiguredParticulars(config.board, config.municipality_names, config.demo), pdf=config.pdf
        )

    @cached_property
    def catalog(self) -> Any:
        from adapters import bootstrap

        return bootstrap.catalog()

    @cached_property
    def pipeline(self) -> Any:
        from adapters import bootstrap

        return bootstrap.pipeline()


CSP = ("default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; script-src 'none'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")


class SecurityHeaders(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        h = response.headers
        h.setdefault("Content-Security-Policy", CSP)
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("Referrer-Policy", "no-referrer")
        h.setdefault("X-Frame-Options", "DENY")
        h.setdefault("Cache-Control", "no-store")
        return response


def create_app(config: WebConfig, db: Database) -> FastAPI:
    from adapters.web import api, views
    from adapters.web.demo_accounts import ensure_demo
    from adapters.web.scope import load_units_file

    services = Services(config, db)
    if config.units_file is not None:
        load_units_file(db, config.units_file, "system:web")
    if config.demo:
        ensure_demo(db)
    app = FastAPI(
        title="finaid API",
        version="1",
        description=(
            "Decision support for ekonomiskt bistånd: submit case bundles (finaid.case-bundle/1), read their "
            "status, the decision basis (finaid.decision-basis/1) and the signed decision "
            "(finaid.signed-decision/1). Bearer tokens per calling system with scopes; see docs/web.md."
        ),
        openapi_url="/api/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.services = services
    app.add_middleware(SecurityHeaders)
    views.install(app)
    api.install(app)
    return app


def create_app_from_settings(host: str | None = None) -> FastAPI:
    from adapters import bootstrap

    return create_app(WebConfig.from_settings(host), bootstrap.database())
