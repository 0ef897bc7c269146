"""Online backups of the embedded SQLite database (``finaid db backup``; docs/operations.md "Backups").

SQLite's online backup API copies a consistent snapshot while finaid runs. Each backup is a file
``finaid-YYYYMMDDTHHMMSSZ.db`` (mode 0600) in the backup folder; backups older than ``keep_days`` are
deleted, and ``keep_days`` may not exceed the gallring interval, so no backup outlives a purge by more
than that (purged content must not live on in a backup; docs/audit.md).
"""

from __future__ import annotations

import os
import re
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.engine import make_url

from decision.errors import ConfigurationError

MAX_KEEP_DAYS = 90
NAME = re.compile(r"finaid-(\d{8}T\d{6}Z)\.db")


@dataclass
class BackupResult:
    path: Path
    deleted: list[Path] = field(default_factory=list)


def sqlite_file(url: str) -> Path:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        raise ConfigurationError("`finaid db backup` backs up the embedded SQLite file; for PostgreSQL use pg_dump "
                                 "(docs/operations.md \"Backups\")")
    return Path(parsed.database)


def backup(url: str, folder: Path, now: datetime, keep_days: int) -> BackupResult:
    if not 1 <= keep_days <= MAX_KEEP_DAYS:
        raise ConfigurationError(f"--keep-days must be 1 to {MAX_KEEP_DAYS}: a backup kept longer holds personal "
                                 "content that gallring has deleted")
    source = sqlite_file(url)
    if not source.exists():
        raise ConfigurationError(f"there is no database at {source}")
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    target = folder / f"finaid-{now.strftime('%Y%m%dT%H%M%SZ')}.db"
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
    cutoff = now - timedelta(days=keep_days)
    deleted = []
    for old in sorted(folder.glob("finaid-*.db")):
        m = NAME.fullmatch(old.name)
        if m and old != target and datetime.strptime(m.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=now.tzinfo) < cutoff:
            old.unlink()
            deleted.append(old)
    return BackupResult(target, deleted)
