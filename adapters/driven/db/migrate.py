"""Applying Alembic migrations programmatically (``finaid db upgrade``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from adapters.driven.db.engine import Database

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head() -> str:
    """The newest migration's revision (file names start with it), without importing Alembic."""
    return max(p.name.split("_", 1)[0] for p in (MIGRATIONS / "versions").glob("[0-9]*_*.py"))


def upgrade(db: Database, revision: str = "head") -> list[str]:
    """Migrate, then (on PostgreSQL) create the roles where allowed and grant them: what was done, by line."""
    from alembic import command

    from adapters.driven.db import roles

    cfg = alembic_config()
    with db.engine.connect() as conn:
        before = roles.existing_roles(conn) if conn.dialect.name == "postgresql" else set()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
        conn.commit()
        if revision != "head":  # an older schema keeps that release's grants (tests of upgrades)
            return []
        report = roles.apply(conn)
        conn.commit()
        created = sorted(roles.existing_roles(conn) - before) if conn.dialect.name == "postgresql" else []
    return [f"created role {r}" for r in created if f"created role {r}" not in report] + report


def current(db: Database) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
