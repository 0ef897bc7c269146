"""Health, readiness and metrics of the process that serves the web app and the API (docs/operations.md
"Health checks and metrics").

- ``GET /healthz``: 200 while the process answers (no database touched).
- ``GET /readyz``: 200 when the database answers and its schema is at the release's revision; else 503 with
  the reason (the kind of problem only: no host, user or password).
- ``GET /metrics``: Prometheus text format — the database's figures (adapters/driven/db/metrics.py), the
  registry client's and the notifications to applicants (``finaid_notifications_total``), observed in this
  process. With ``FINAID_METRICS_TOKEN`` set it asks for ``Authorization: Bearer <token>`` from anywhere;
  without it only a loopback client that came through no proxy (no ``Forwarded``/``X-Forwarded-For`` header) may scrape.

None of them needs a login, writes the access log, or shows personal data.
"""

from __future__ import annotations

import hmac
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from adapters.driven.ssbtek.config import is_loopback
from adapters.driving.web.services import WebServices

PROXY_HEADERS = ("forwarded", "x-forwarded-for", "x-real-ip")


def install(app: FastAPI, registry_metrics: Any = None) -> None:
    """Add the three routes; ``registry_metrics``: the bootstrap's ``RegistryMetrics`` (the registry client
    this process uses reports to it), or None (a fresh, empty one)."""
    from prometheus_client import CollectorRegistry
    from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest

    from adapters.driven.db.metrics import figures, not_ready
    from adapters.driven.db.migrate import head
    from adapters.driven.metrics import FiguresCollector, RegistryMetrics
    from adapters.driven.notify import NOTIFICATIONS

    services: WebServices = app.state.services
    registry = CollectorRegistry(auto_describe=False)
    registry.register(FiguresCollector(lambda: figures(services.db, services.clock.now())))
    registry.register(registry_metrics if registry_metrics is not None else RegistryMetrics())
    registry.register(NOTIFICATIONS)  # this process's notifications to applicants (adapters/driven/notify.py)
    release = head()

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> Response:
        return JSONResponse({"status": "ok"})

    @app.get("/readyz", include_in_schema=False)
    def readyz() -> Response:
        reason = not_ready(services.db, release)
        if reason is not None:
            return JSONResponse({"status": "unavailable", "reason": reason}, status_code=503)
        return JSONResponse({"status": "ready", "revision": release})

    @app.get("/metrics", include_in_schema=False)
    def metrics(request: Request) -> Response:
        refused = metrics_refused(request, services.config.metrics_token)
        if refused is not None:
            return refused
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


def metrics_refused(request: Request, token: bytes | None) -> Response | None:
    if token:
        given = request.headers.get("authorization", "")
        scheme, _, value = given.partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(value.strip().encode("utf-8"), token):
            return None
        return JSONResponse({"errors": [{"path": "", "message": "a bearer token is required (FINAID_METRICS_TOKEN)"}]},
                            status_code=401, headers={"WWW-Authenticate": "Bearer"})
    client = request.client.host if request.client else ""
    if is_loopback(client) and not any(h in request.headers for h in PROXY_HEADERS):
        return None
    return JSONResponse({"errors": [{"path": "", "message": "metrics are served to loopback only; set "
                                     "FINAID_METRICS_TOKEN to scrape from elsewhere"}]}, status_code=403)
