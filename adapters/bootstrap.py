"""The one place that wires finaid's real parts together."""

from __future__ import annotations

import getpass
import os
import secrets
from functools import lru_cache
from pathlib import Path

from sqlalchemy.engine import make_url

from adapters.db.engine import Database
from adapters.db.store import CaseStore
from adapters.settings import settings
from audit.access import AccessLog
from decision.errors import ConfigurationError
from decision.pipeline import Pipeline
from rules.catalog import Catalog
from rules.evaluator import PackEvaluator

DEMO_HMAC_KEY = b"finaid-demo-access-log-key-not-a-secret"


@lru_cache(maxsize=1)
def catalog() -> Catalog:
    return Catalog()


def pipeline() -> Pipeline:
    """A pipeline with the installed rule packs (and ``$FINAID_RULES_DIR``)."""
    return Pipeline(PackEvaluator(catalog()))


def actor() -> str:
    """Who acts on the CLI: ``FINAID_ACTOR`` or the OS user."""
    return settings().actor or f"cli:{getpass.getuser()}"


@lru_cache(maxsize=1)
def database() -> Database:
    """The configured database; an embedded SQLite file is migrated on first use."""
    cfg = settings()
    db = Database(cfg.db_url, cfg.db_schema)
    from adapters.db import migrate

    if migrate.current(db) is None:
        if db.engine.dialect.name != "sqlite":
            raise ConfigurationError("the database has no schema yet: run `finaid db upgrade` first")
        migrate.upgrade(db)
    return db


def store() -> CaseStore:
    return CaseStore(database())


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


def registry_source(db: Database | None = None) -> object | None:
    """The configured registry source (SSBTEK, or the sandbox in demo mode), or None."""
    return None


def batch_pipeline(db: Database) -> Pipeline:
    """A pipeline for a batch worker: its own rule engine, the registry source, evidence in ``db``."""
    source = registry_source(db)
    return Pipeline(PackEvaluator(Catalog()), source)  # type: ignore[arg-type]
