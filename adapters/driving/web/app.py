"""The FastAPI app factory: the handlers' web app (server-rendered, Swedish; views/ one module per page) and
the JSON API (adapters/driving/api).

``create_app(config, db, services)`` wires everything from a :class:`WebConfig` (``WebConfig.from_settings``
reads ``FINAID_*``) and the bootstrap's services; tests pass their own database, registry source and letter
maker — no monkeypatching. ``finaid web serve`` runs it with uvicorn on 127.0.0.1:8000 by default.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import FastAPI
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from adapters.driven.db.engine import Database
from adapters.driving.web.config import WebConfig
from adapters.driving.web.requestlog import RequestLog
from adapters.driving.web.services import WebServices

if TYPE_CHECKING:
    from adapters.bootstrap import Services
    from decision.ports import Clock

__all__ = ["WebConfig", "WebServices", "create_app", "create_app_from_services", "prepare_database"]

CSP = ("default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; script-src 'none'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")


class SecurityHeaders:
    """Pure ASGI middleware (cheaper than BaseHTTPMiddleware): the headers every answer carries unless the
    route set its own."""

    HEADERS = (("Content-Security-Policy", CSP), ("X-Content-Type-Options", "nosniff"),
               ("Referrer-Policy", "no-referrer"), ("X-Frame-Options", "DENY"), ("Cache-Control", "no-store"))

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                h = MutableHeaders(scope=message)
                for name, value in self.HEADERS:
                    h.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(config: WebConfig, db: Database, services: Services | None = None, *, prepare: bool = True) -> FastAPI:
    """The app; ``prepare`` loads the units file and the demo accounts first (``finaid web serve`` with several
    worker processes does that once, before they start, and the workers pass False)."""
    from adapters.driving.api import routes as api
    from adapters.driving.web import health, views

    web_services = WebServices(config, db, services)
    if prepare:
        prepare_database(config, db, web_services.clock)
    app = FastAPI(
        title="finaid API",
        version="1",
        description=(
            "Decision support for ekonomiskt bistånd: submit case bundles (finaid.case-bundle/1 or /2), read their "
            "status, the decision basis (finaid.decision-basis/2, or /1 for decisions of the older packs) and the "
            "signed decision (finaid.signed-decision/1). Bearer tokens per calling system with scopes; see docs/web.md."
        ),
        openapi_url="/api/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.services = web_services
    app.add_middleware(SecurityHeaders)
    app.add_middleware(RequestLog)  # outermost: one log line per request, with its request id
    health.install(app, services.registry_observer if services is not None else None)
    views.install(app)
    api.install(app)
    return app


def prepare_database(config: WebConfig, db: Database, clock: Clock) -> None:
    """What the app writes once at start: the units file's mapping and, in demo mode, the demo accounts."""
    from adapters.driving.web.demo_accounts import ensure_demo
    from adapters.driving.web.scope import load_units_file

    if config.units_file is not None:
        load_units_file(db, config.units_file, "system:web", clock)
    if config.demo:
        ensure_demo(db, clock)


def create_app_from_services(services: Services, host: str | None = None, *, prepare: bool = True) -> FastAPI:
    """The app as ``finaid web serve`` runs it: configured from the services' settings, on their database."""
    from adapters.driven.notify import channel_from_settings

    config = WebConfig.from_settings(host, services.settings, registry_factory=services.registry_source)
    if services.settings.notify != "log":
        channel_from_settings(services.settings)  # a bad FINAID_NOTIFY* setting stops the start, named
    return create_app(config, services.database, services, prepare=prepare)
