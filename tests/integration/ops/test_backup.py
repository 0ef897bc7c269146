"""Backups as docs/operations.md "Backups" shows them, the command blocks run as written: an online SQLite backup
restored into a fresh database passes ``audit verify`` against the published heads; rotation keeps no backup past
the gallring period and refuses a longer keep, naming the setting. (PostgreSQL: test_backup_postgres.py.)"""

from __future__ import annotations

import os
import stat
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.integration.ops.conftest import FINAID, ROOT
from tests.integration.ops.guide import ok, steps

KEY = "finaid-backup-test-hmac-key-0123456789abcdef"


def env(db: Path, **extra: str) -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if not k.startswith("FINAID_")}
    out.update(FINAID_DB_URL=f"sqlite:///{db}", FINAID_HMAC_KEY=KEY, COLUMNS="200",
               PATH=f"{FINAID.parent}:{os.environ.get('PATH', '')}")
    out.update(extra)
    return out


def cli(cwd: Path, db: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([str(FINAID), *args], capture_output=True, text=True, cwd=cwd, env=env(db, **extra),
                          check=False, timeout=600)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def step(name: str, cwd: Path, db: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    kind, body = steps()[name]
    assert kind == "console"
    lines = [line[2:] for line in body.splitlines() if line.startswith("$ ")]
    proc = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", "\n".join(lines)], capture_output=True, text=True,
                          cwd=cwd, env=env(db, **extra), check=False, timeout=600)
    return ok(proc, name)


def stamp(at: datetime) -> str:
    return at.strftime("%Y%m%dT%H%M%SZ")


def test_a_restored_backup_verifies_against_the_published_heads(tmp_path: Path) -> None:
    live = tmp_path / "var" / "finaid.db"
    backups = tmp_path / "backups"
    assert cli(tmp_path, live, "case", "submit", str(ROOT / "examples" / "bundles")).returncode == 0
    night = cli(tmp_path, live, "batch", "run")
    assert night.returncode == 0, night.stderr
    audit_head, access_head = (line.split()[1] for line in
                               cli(tmp_path, live, "audit", "head", "--both").stdout.splitlines())
    backups.mkdir(mode=0o700)
    now = datetime.now(UTC)
    stale = backups / f"finaid-{stamp(now - timedelta(days=40))}.db"  # past the 35-day keep
    kept = backups / f"finaid-{stamp(now - timedelta(days=3))}.dump"  # a recent PostgreSQL dump stays
    stale.write_bytes(b"old")
    kept.write_bytes(b"recent")
    made = step("sqlite-backup", tmp_path, live, FINAID_BACKUP_DIR=str(backups))
    copy = Path(made.stdout.strip())
    assert copy.parent == backups and stat.S_IMODE(copy.stat().st_mode) == 0o600
    assert not stale.exists() and f"deleted {stale}" in made.stderr and kept.exists()
    # after the backup the live database moves on; the restore is the backup's state
    assert cli(tmp_path, live, "audit", "head").stdout.strip() == audit_head
    restored = tmp_path / "restored" / "finaid.db"
    done = step("sqlite-restore", tmp_path, restored, FINAID_BACKUP_DIR=str(backups), PUBLISHED_HEAD=audit_head,
                PUBLISHED_ACCESS_HEAD=access_head)
    assert f"restored {copy} to {restored}" in done.stderr and "OK: the trail is intact" in done.stdout
    assert stat.S_IMODE(restored.stat().st_mode) == 0o600
    assert cli(tmp_path, restored, "audit", "head").stdout.strip() == audit_head
    again = cli(tmp_path, restored, "db", "restore", FINAID_BACKUP_DIR=str(backups))
    assert again.returncode == 1 and "exists: restore into a fresh database" in again.stderr
    # a published head the backup does not hold fails the check
    later = f"{int(audit_head.split(':')[0]) + 5}:{'0' * 64}"
    bad = cli(tmp_path, restored, "audit", "verify", "--expected-head", later)
    assert bad.returncode == 1 and "FAILED" in bad.stdout


def test_rotation_keeps_the_newest_and_refuses_a_keep_past_gallring(tmp_path: Path) -> None:
    db = tmp_path / "finaid.db"
    backups = tmp_path / "b"
    backups.mkdir()
    now = datetime.now(UTC)
    files = [backups / f"finaid-{stamp(now - timedelta(days=d))}.{'db' if d % 2 else 'dump'}" for d in (1, 2, 3, 4)]
    for f in files:
        f.write_bytes(b"x")
    (backups / "notes.txt").write_text("not a backup")
    rotated = cli(tmp_path, db, "db", "rotate", str(backups), "--keep", "2")
    assert rotated.returncode == 0, rotated.stderr
    assert [f.exists() for f in files] == [True, True, False, False] and (backups / "notes.txt").exists()
    long = cli(tmp_path, db, "db", "backup", str(backups), "--keep-days", "400")
    assert long.returncode == 1
    assert "--keep-days is 400 days, longer than FINAID_BACKUP_GALLRING_DAYS (90)" in long.stderr
    setting = cli(tmp_path, db, "db", "rotate", str(backups), FINAID_BACKUP_KEEP_DAYS="120")
    assert setting.returncode == 1 and "FINAID_BACKUP_KEEP_DAYS is 120 days" in setting.stderr
    allowed = cli(tmp_path, db, "db", "rotate", str(backups), FINAID_BACKUP_KEEP_DAYS="120",
                  FINAID_BACKUP_GALLRING_DAYS="180")
    assert allowed.returncode == 0, allowed.stderr
    wrong = cli(tmp_path, db, "db", "rotate", FINAID_BACKUP_GALLRING_DAYS="ninety")
    assert wrong.returncode == 1 and "FINAID_BACKUP_GALLRING_DAYS" in wrong.stderr
    pg = subprocess.run([str(FINAID), "db", "backup", str(backups)], capture_output=True, text=True, cwd=tmp_path,
                        env=env(db, FINAID_DB_URL="postgresql://x@127.0.0.1:1/finaid"), check=False)
    assert pg.returncode == 1 and "for PostgreSQL use pg_dump" in pg.stderr, pg.stderr
