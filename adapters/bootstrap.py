"""The one place that wires finaid's real parts together."""

from __future__ import annotations

import getpass
import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import make_url

from adapters.clock import SystemClock
from adapters.db.engine import Database
from adapters.db.store import CaseStore
from adapters.evidence import MemoryEvidenceStore
from adapters.settings import settings
from audit.access import AccessLog, person_key
from decision.bundle import CaseBundle, Source
from decision.errors import ConfigurationError
from decision.pipeline import Pipeline, decision_day
from decision.ports import EvidenceStore
from decision.validation import first_of_month
from rules.catalog import Catalog
from rules.evaluator import PackEvaluator

if TYPE_CHECKING:
    from adapters.ssbtek.client import SsbtekRegistrySource

DEMO_HMAC_KEY = b"finaid-demo-access-log-key-not-a-secret"


@lru_cache(maxsize=1)
def catalog() -> Catalog:
    return Catalog()


def clock() -> SystemClock:
    """The decision's clock: the pack for a decision is the latest published as of its date."""
    return SystemClock()


def pipeline() -> Pipeline:
    """A pipeline with the installed rule packs (and ``$FINAID_RULES_DIR``), on the system clock."""
    return Pipeline(PackEvaluator(catalog()), clock=clock())


def actor() -> str:
    """Who acts on the CLI: ``FINAID_ACTOR`` or the OS user."""
    return settings().actor or f"cli:{getpass.getuser()}"


@lru_cache(maxsize=1)
def database() -> Database:
    """The configured database; an embedded SQLite file is migrated on first use."""
    cfg = settings()
    db = Database(cfg.db_url, cfg.db_schema)
    if not _schema_current(db):
        if db.engine.dialect.name != "sqlite":
            raise ConfigurationError("the database schema is missing or old: run `finaid db upgrade` first")
        from adapters.db import migrate

        migrate.upgrade(db)
    return db


def _schema_current(db: Database) -> bool:
    """Whether the schema is at the newest migration, without importing Alembic (CLI start-up time)."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from adapters.db.migrate import MIGRATIONS

    head = max(p.name.split("_", 1)[0] for p in (MIGRATIONS / "versions").glob("[0-9]*_*.py"))
    try:
        with db.engine.connect() as conn:
            current = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except DBAPIError:
        return False
    return current == head


def store() -> CaseStore:
    key = hmac_key()
    return CaseStore(database(), person_key=lambda pnr: person_key(key, pnr))


def _key_file_beside(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database).with_name("access-log.key")


def hmac_key() -> bytes:
    """The access log's HMAC key: configured, the demo key, or (embedded SQLite) a key file beside it."""
    cfg = settings()
    if cfg.hmac_key is not None:
        return cfg.hmac_key.get_secret_value().encode("utf-8")
    if cfg.demo:
        return DEMO_HMAC_KEY
    path = _key_file_beside(cfg.db_url)
    if path is None:
        raise ConfigurationError("set FINAID_HMAC_KEY (the access log identifies persons by a keyed HMAC)")
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    return path.read_text(encoding="utf-8").strip().encode("utf-8")


def access_log() -> AccessLog:
    return AccessLog(database(), hmac_key())


def registry_source(
    db: Database | None = None, evidence: EvidenceStore | None = None
) -> SsbtekRegistrySource | None:
    """The configured registry source (SSBTEK, or the sandbox in demo mode), or None.

    None when no registry is configured at all (no ``FINAID_SSBTEK_URL`` outside demo mode); a
    configured but unsafe registry (plain HTTP, key not 0600, …) is a ``ConfigurationError``.
    Raw envelopes go to ``db``'s evidence table when given, else to this process's memory.
    """
    from adapters.ssbtek.client import ClientConfig, SsbtekRegistrySource, ensure_logging

    cfg = settings()
    if not cfg.ssbtek_url and not cfg.demo:
        return None
    ensure_logging()
    if evidence is not None:
        pass
    elif db is not None:
        from adapters.db.store import DbEvidenceStore

        evidence = DbEvidenceStore(db)
    else:
        evidence = memory_evidence()
    return SsbtekRegistrySource(ClientConfig.from_settings(cfg), evidence, consulted=consulted_sources)


@lru_cache(maxsize=1)
def memory_evidence() -> MemoryEvidenceStore:
    """Raw registry envelopes kept in this process (``case fetch``; tests)."""
    return MemoryEvidenceStore()


def consulted_sources(bundle: CaseBundle) -> tuple[Source, ...]:
    """The registry sources the municipality's guideline consults in the bundle's month."""
    guideline = catalog().guideline_for(bundle.application.municipality, decision_day(clock().now()))
    param = guideline.parameters.get("guideline.registry_sources")
    value = param.at(first_of_month(bundle.application.month)) if param else None
    if value is None or not isinstance(value.value, tuple):
        return tuple(Source)
    return tuple(Source(v) for v in value.value)


def pipeline_with_registry(db: Database | None = None) -> Pipeline:
    """A pipeline that fetches registry answers for bundles without them (``case decide``, ``case fetch``).

    Refuses (``ConfigurationError``) when no registry is configured: outside demo mode that needs
    ``FINAID_SSBTEK_URL`` with certificate, key and CA.
    """
    source = registry_source(db)
    if source is None:
        raise ConfigurationError(
            "this bundle has no registry answers and no registry is configured: set FINAID_SSBTEK_URL, "
            "FINAID_SSBTEK_CERT, FINAID_SSBTEK_KEY (mode 0600), FINAID_SSBTEK_CA, "
            "FINAID_SSBTEK_ORGANISATIONSNUMMER and FINAID_SSBTEK_AKTORSID (see docs/registry.md), "
            "or use FINAID_MODE=demo with the sandbox (finaid sandbox serve)"
        )
    return Pipeline(PackEvaluator(catalog()), registry=source, clock=clock())


def batch_pipeline(db: Database, evidence: EvidenceStore | None = None) -> Pipeline:
    """A pipeline for a batch worker: its own rule engine, the registry source, and the evidence
    store (the batch buffers raw envelopes and writes them with the chunk's transaction)."""
    source = registry_source(db, evidence)
    return Pipeline(PackEvaluator(Catalog()), source, clock=clock())

