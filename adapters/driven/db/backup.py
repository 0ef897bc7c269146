"""Backups and their rotation (``finaid db backup``, ``db rotate``, ``db restore``; docs/operations.md "Backups").

SQLite's online backup API copies a consistent snapshot while finaid runs. Each backup is a file
``finaid-YYYYMMDDTHHMMSSZ.db`` (mode 0600) in the backup folder; PostgreSQL dumps made with ``pg_dump`` as the
guide shows are ``finaid-YYYYMMDDTHHMMSSZ.dump`` in the same folder, and the same rotation applies to both.

Rotation: backups older than the keep period are deleted, and with a count set only the newest that many are
kept. No backup is kept longer than the backup gallring period (``FINAID_BACKUP_GALLRING_DAYS``): a backup
still holds the personal content that gallring has deleted from the database since (docs/audit.md), so a keep
period longer than that is refused, naming both settings.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.engine import make_url

from decision.errors import ConfigurationError

NAME = re.compile(r"finaid-(\d{8}T\d{6}Z)\.(db|dump)")


@dataclass(frozen=True)
class Rotation:
    keep_days: int
    gallring_days: int
    keep: int | None = None  # at most this many of the newest (None: no count)
    keep_days_name: str = "FINAID_BACKUP_KEEP_DAYS"

    def check(self) -> None:
        if self.keep_days < 1:
            raise ConfigurationError(f"{self.keep_days_name} must be at least 1 (days)")
        if self.keep is not None and self.keep < 1:
            raise ConfigurationError("FINAID_BACKUP_KEEP must be at least 1 (backups)")
        if self.keep_days > self.gallring_days:
            raise ConfigurationError(
                f"{self.keep_days_name} is {self.keep_days} days, longer than FINAID_BACKUP_GALLRING_DAYS "
                f"({self.gallring_days}): a backup kept longer holds personal content that gallring has deleted "
                "(keep it shorter, or change the gallring period the municipality decided for backups)")


@dataclass
class BackupResult:
    path: Path
    deleted: list[Path] = field(default_factory=list)


def sqlite_file(url: str) -> Path:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        raise ConfigurationError("`finaid db backup` and `db restore` are for the embedded SQLite file; for "
                                 "PostgreSQL use pg_dump and pg_restore (docs/operations.md \"Backups\")")
    return Path(parsed.database)


def taken_at(path: Path) -> datetime | None:
    m = NAME.fullmatch(path.name)
    return datetime.strptime(m.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC) if m else None


def backup(url: str, folder: Path, now: datetime, rotation: Rotation) -> BackupResult:
    rotation.check()
    source = sqlite_file(url)
    if not source.exists():
        raise ConfigurationError(f"there is no database at {source}")
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    target = folder / f"finaid-{now.astimezone(UTC).strftime('%Y%m%dT%H%M%SZ')}.db"
    fd = os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(fd)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
    finally:
        dst.close()
        src.close()
    os.chmod(target, 0o600)
    return BackupResult(target, rotate(folder, now, rotation, keep_also=target))


def rotate(folder: Path, now: datetime, rotation: Rotation, keep_also: Path | None = None) -> list[Path]:
    """Delete the backups (``finaid-*.db``, ``finaid-*.dump``) the rotation no longer keeps; the deleted ones."""
    rotation.check()
    if not folder.is_dir():
        return []
    dated = sorted(((at, p) for p in folder.iterdir() if (at := taken_at(p)) is not None), reverse=True)
    cutoff = now - timedelta(days=rotation.keep_days)
    deleted = []
    for i, (at, path) in enumerate(dated):
        too_many = rotation.keep is not None and i >= rotation.keep
        if path != keep_also and (at < cutoff or too_many):
            path.unlink()
            deleted.append(path)
    return deleted


def newest(folder: Path, suffix: str) -> Path:
    found = sorted((at, p) for p in folder.glob(f"finaid-*.{suffix}") if (at := taken_at(p)) is not None)
    if not found:
        raise ConfigurationError(f"there is no backup finaid-*.{suffix} in {folder} (FINAID_BACKUP_DIR)")
    return found[-1][1]


def restore(backup_file: Path, url: str) -> Path:
    """Copy an SQLite backup to the configured database file, which must not exist yet (a fresh database)."""
    target = sqlite_file(url)
    if target.exists():
        raise ConfigurationError(f"{target} exists: restore into a fresh database (move the old file aside, or "
                                 "name another FINAID_DB_URL)")
    try:
        conn = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
        try:
            ok = conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        finally:
            conn.close()
    except sqlite3.Error as e:
        raise ConfigurationError(f"{backup_file} is not a finaid SQLite backup ({e})") from None
    if not ok or revision is None:
        raise ConfigurationError(f"{backup_file} is damaged or holds no finaid schema: take another backup")
    target.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(fd)
    shutil.copyfile(backup_file, target)
    os.chmod(target, 0o600)
    return target
