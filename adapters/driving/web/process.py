"""The entry point of a web worker process when ``finaid web serve`` runs several (``FINAID_WEB_WORKERS``;
uvicorn's ``factory``, each worker spawned): it builds its own services with the bootstrap — one of the entry
points allowed to (adapters/bootstrap.py), as a batch worker does (adapters/driving/batch/process.py) — and
its own app and database pool from the same ``FINAID_*`` settings. The parent prepared the database (units
file, demo accounts) before the workers started."""

from __future__ import annotations

from fastapi import FastAPI

from adapters.bootstrap import bootstrap
from adapters.driven.logging import configure
from adapters.driving.web.app import create_app_from_services


def worker_app() -> FastAPI:
    configure()  # JSON lines on stderr, as the parent's
    services = bootstrap()
    return create_app_from_services(services, services.settings.web_host, prepare=False)
