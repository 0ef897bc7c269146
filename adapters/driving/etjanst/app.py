"""The e-service's app factory: ``create_etjanst_app(config, db, …)`` — its own origin (port), sessions,
templates, CSS and catalogues, apart from the handlers' app. ``finaid etjanst serve`` runs it (docs/etjanst.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import FastAPI
from fastapi.responses import Response
from starlette.requests import Request

from adapters.driven.db.engine import Database
from adapters.driving.etjanst.config import EtjanstConfig
from adapters.driving.etjanst.identity import CitizenIdentity
from adapters.driving.etjanst.services import EtjanstServices
from adapters.driving.web.app import SecurityHeaders
from decision.errors import ConfigurationError
from decision.ports import Clock
from decision.services.etjanst import Notifier, VirusScanner

if TYPE_CHECKING:
    from adapters.bootstrap import Services


def create_etjanst_app(config: EtjanstConfig, db: Database, services: Services | None = None, *,
                       identity: CitizenIdentity | None = None, scanner: VirusScanner | None = None,
                       notifier: Notifier | None = None, clock: Clock | None = None) -> FastAPI:
    from adapters.driving.etjanst.views import install

    app = FastAPI(title="finaid e-tjänst", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.etjanst = EtjanstServices(config, db, services, identity, scanner, notifier, clock)
    app.add_middleware(SecurityHeaders)
    install(app)

    @app.get("/etjanst.css", include_in_schema=False)
    def css(request: Request) -> Response:
        from adapters.driving.etjanst.common import TEMPLATES

        return Response((TEMPLATES / "etjanst.css").read_bytes(), media_type="text/css",
                        headers={"Cache-Control": "public, max-age=3600"})

    @app.get("/metrics", include_in_schema=False)
    def metrics(request: Request) -> Response:
        """This process's notifications to applicants, as the workbench's /metrics is guarded (health.py)."""
        from prometheus_client import CollectorRegistry
        from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest

        from adapters.driven.notify import NOTIFICATIONS
        from adapters.driving.web.health import metrics_refused

        token = services.settings.metrics_token if services is not None else None
        denied = metrics_refused(request, token.get_secret_value().encode("utf-8") if token else None)
        if denied is not None:
            return denied
        registry = CollectorRegistry(auto_describe=False)
        registry.register(NOTIFICATIONS)
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return app


def create_etjanst_app_from_services(services: Services, host: str | None = None) -> FastAPI:
    """The app as ``finaid etjanst serve`` runs it: configured from the services' settings, on their database."""
    cfg = services.settings
    config = EtjanstConfig.from_settings(cfg, host)
    identity: CitizenIdentity | None = None
    if cfg.etjanst_oidc_issuer is not None:
        from adapters.driven.identity.oidc import OidcClient, OidcConfig
        from adapters.driving.etjanst.identity import OidcCitizens

        if not (cfg.etjanst_oidc_client_id and cfg.etjanst_oidc_client_secret and cfg.etjanst_oidc_redirect_uri):
            raise ConfigurationError("FINAID_ETJANST_OIDC_ISSUER needs FINAID_ETJANST_OIDC_CLIENT_ID, "
                                     "FINAID_ETJANST_OIDC_CLIENT_SECRET and FINAID_ETJANST_OIDC_REDIRECT_URI")
        client = OidcClient(OidcConfig(cfg.etjanst_oidc_issuer, cfg.etjanst_oidc_client_id,
                                       cfg.etjanst_oidc_client_secret.get_secret_value(), scopes=("openid",),
                                       claims=(cfg.etjanst_pnr_claim,)))
        identity = OidcCitizens(client, cfg.etjanst_oidc_redirect_uri, cfg.etjanst_pnr_claim)
    scanner: VirusScanner | None = None
    if cfg.etjanst_clamd is not None:
        from adapters.driven.virus import ClamdScanner

        scanner = ClamdScanner(cfg.etjanst_clamd)
    from adapters.driven.notify import notifier_from_settings

    notifier = notifier_from_settings(cfg, services.database, services.hmac_key, services.clock)
    return create_etjanst_app(config, services.database, services, identity=identity, scanner=scanner,
                              notifier=notifier)
