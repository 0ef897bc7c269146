"""``finaid db upgrade``: apply the database migrations (adapters/driven/db/migrations) and, on PostgreSQL,
create and grant the runtime and purge roles (adapters/driven/db/roles.py; docs/operations.md)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from adapters.driving.cli.common import services

NAME = "db"
app = typer.Typer(help="The database: apply migrations, create and grant the roles, back up SQLite.",
                  no_args_is_help=True)


@app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Apply the database migrations (FINAID_DB_URL; SQLite file by default) as the owner role.

    On PostgreSQL it then creates the roles finaid_runtime and finaid_purge where this user may, grants
    them least privileges, and says what it created and granted; a role it could not create is a warning.
    """
    from sqlalchemy.exc import SQLAlchemyError

    from adapters.driven.db import migrate
    from adapters.driven.db.engine import Database, where
    from adapters.driven.db.problems import explain

    cfg = services(ctx).settings
    db = Database(cfg.db_url, cfg.db_schema)  # not services.database: that one refuses an old schema
    print(f"finaid: database {where(db.url, db.schema)}", file=sys.stderr)
    try:
        before = migrate.current(db)
        report = migrate.upgrade(db)
        after = migrate.current(db)
    except SQLAlchemyError as e:
        raise explain(e, db.url, db.schema) from None
    for line in report:
        print(line, file=sys.stderr)
    moved = f"from {before or 'an empty database'} to {after}" if before != after else f"already at {after}"
    print(f"database at revision {after} ({moved})", file=sys.stderr)


@app.command("backup")
def db_backup(
    ctx: typer.Context,
    folder: Annotated[Path, typer.Argument(help="Where backups go (created mode 0700).")],
    keep_days: Annotated[int, typer.Option(help="Delete backups older than this (at most 90: gallring).")] = 35,
) -> None:
    """Back up the embedded SQLite database online (a consistent snapshot while finaid runs); rotate old ones.

    The access-log key (FINAID_HMAC_KEY or access-log.key beside the database) is not in the backup: keep it
    in the municipality's key backup. PostgreSQL: pg_dump (docs/operations.md "Backups").
    """
    from adapters.driven.db.backup import backup, sqlite_file

    cfg = services(ctx).settings
    print(f"finaid: database SQLite file {sqlite_file(cfg.db_url)}", file=sys.stderr)
    result = backup(cfg.db_url, folder, services(ctx).clock.now(), keep_days)
    for old in result.deleted:
        print(f"deleted {old} (older than {keep_days} days)", file=sys.stderr)
    print(result.path)
