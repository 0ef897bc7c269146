"""``finaid db upgrade``: apply the database migrations (adapters/driven/db/migrations)."""

from __future__ import annotations

import sys

import typer

from adapters.driving.cli.common import services

NAME = "db"
app = typer.Typer(help="The database: apply migrations.", no_args_is_help=True)


@app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Apply the database migrations (FINAID_DB_URL; SQLite file by default)."""
    from adapters.driven.db import migrate
    from adapters.driven.db.engine import Database

    cfg = services(ctx).settings
    db = Database(cfg.db_url, cfg.db_schema)  # not services.database: that one refuses an old schema
    migrate.upgrade(db)
    print(f"database at revision {migrate.current(db)}", file=sys.stderr)
