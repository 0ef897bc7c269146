"""``finaid db upgrade``: apply the database migrations (adapters/driven/db/migrations) and, on PostgreSQL,
create and grant the runtime and purge roles (adapters/driven/db/roles.py; docs/operations.md)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from adapters.driving.cli.common import services

if TYPE_CHECKING:
    from adapters.driven.db.backup import Rotation

NAME = "db"
app = typer.Typer(help="The database: apply migrations, create and grant the roles, back up, rotate and restore.",
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


def _rotation(ctx: typer.Context, keep_days: int | None, keep: int | None) -> Rotation:
    from adapters.driven.db.backup import Rotation

    cfg = services(ctx).settings
    return Rotation(keep_days if keep_days is not None else cfg.backup_keep_days, cfg.backup_gallring_days,
                    keep if keep is not None else cfg.backup_keep,
                    "--keep-days" if keep_days is not None else "FINAID_BACKUP_KEEP_DAYS")


KeepDays = Annotated[int | None, typer.Option(
    help="Delete backups older than this many days (default FINAID_BACKUP_KEEP_DAYS, 35; never above "
         "FINAID_BACKUP_GALLRING_DAYS).")]
Keep = Annotated[int | None, typer.Option(help="Keep only the newest this many (default FINAID_BACKUP_KEEP).")]


@app.command("backup")
def db_backup(
    ctx: typer.Context,
    folder: Annotated[Path | None, typer.Argument(help="Where backups go (default FINAID_BACKUP_DIR; 0700).")] = None,
    keep_days: KeepDays = None,
    keep: Keep = None,
) -> None:
    """Back up the embedded SQLite database online (a consistent snapshot while finaid runs), then rotate.

    The access-log key (FINAID_HMAC_KEY or access-log.key beside the database) is not in the backup: keep it
    in the municipality's key backup. PostgreSQL: pg_dump, then `finaid db rotate` (docs/operations.md "Backups").
    """
    from adapters.driven.db.backup import backup, sqlite_file

    s = services(ctx)
    rotation = _rotation(ctx, keep_days, keep)
    print(f"finaid: database SQLite file {sqlite_file(s.settings.db_url)}", file=sys.stderr)
    result = backup(s.settings.db_url, folder or s.settings.backup_dir, s.clock.now(), rotation)
    _said(result.deleted, rotation)
    print(result.path)


@app.command("rotate")
def db_rotate(
    ctx: typer.Context,
    folder: Annotated[Path | None, typer.Argument(help="The backup folder (default FINAID_BACKUP_DIR).")] = None,
    keep_days: KeepDays = None,
    keep: Keep = None,
) -> None:
    """Delete the backups (finaid-*.db, and pg_dump's finaid-*.dump) the rotation no longer keeps."""
    from adapters.driven.db.backup import rotate

    s = services(ctx)
    rotation = _rotation(ctx, keep_days, keep)
    _said(rotate(folder or s.settings.backup_dir, s.clock.now(), rotation), rotation)


def _said(deleted: list[Path], rotation: Rotation) -> None:
    for old in deleted:
        why = f"older than {rotation.keep_days} days" if rotation.keep is None else \
            f"older than {rotation.keep_days} days or beyond the newest {rotation.keep}"
        print(f"deleted {old} ({why})", file=sys.stderr)


@app.command("restore")
def db_restore(
    ctx: typer.Context,
    backup_file: Annotated[Path | None, typer.Argument(
        help="The SQLite backup (default: the newest finaid-*.db in FINAID_BACKUP_DIR).")] = None,
) -> None:
    """Restore an SQLite backup into a fresh database (FINAID_DB_URL must name a file that does not exist yet).

    Then check it: `finaid audit verify --expected-head SEQ:HASH` with the head you published (docs/audit.md).
    PostgreSQL: pg_restore (docs/operations.md "Backups").
    """
    from adapters.driven.db.backup import newest, restore

    cfg = services(ctx).settings
    chosen = backup_file or newest(cfg.backup_dir, "db")
    target = restore(chosen, cfg.db_url)
    print(f"finaid: database SQLite file {target}", file=sys.stderr)
    print(f"restored {chosen} to {target}", file=sys.stderr)
    if cfg.hmac_key is None and not target.with_name("access-log.key").exists():
        print(f"warning: no access-log key: set FINAID_HMAC_KEY, or put access-log.key from the key backup in "
              f"{target.parent} (mode 0600)", file=sys.stderr)
