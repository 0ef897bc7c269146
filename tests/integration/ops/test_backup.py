"""``finaid db backup`` (docs/operations.md "Backups"): an online SQLite backup, restored into a fresh place,
passes ``audit verify --expected-head`` there; old backups are rotated; a keep period past gallring is refused."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

from tests.integration.ops.conftest import FINAID, ROOT

KEY = "finaid-backup-test-hmac-key-0123456789abcdef"


def cli(cwd: Path, db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FINAID_")}
    env.update(FINAID_DB_URL=f"sqlite:///{db}", FINAID_HMAC_KEY=KEY, COLUMNS="200")
    proc = subprocess.run([str(FINAID), *args], capture_output=True, text=True, cwd=cwd, env=env, check=False,
                          timeout=600)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def test_a_restored_backup_verifies_against_the_published_head(tmp_path: Path) -> None:
    live = tmp_path / "live" / "finaid.db"
    assert cli(tmp_path, live, "case", "submit", str(ROOT / "examples" / "bundles")).returncode == 0
    night = cli(tmp_path, live, "batch", "run")
    assert night.returncode == 0, night.stderr
    head = cli(tmp_path, live, "audit", "head").stdout.strip()
    backups = tmp_path / "backups"
    (backups).mkdir(mode=0o700)
    stale = backups / "finaid-20200101T000000Z.db"
    stale.write_bytes(b"old")
    made = cli(tmp_path, live, "db", "backup", str(backups))
    assert made.returncode == 0, made.stderr
    copy = Path(made.stdout.strip())
    assert copy.parent == backups and stat.S_IMODE(copy.stat().st_mode) == 0o600
    assert not stale.exists() and f"deleted {stale}" in made.stderr
    restored = tmp_path / "restored" / "finaid.db"
    restored.parent.mkdir()
    shutil.copy(copy, restored)
    verify = cli(tmp_path, restored, "audit", "verify", "--expected-head", head)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert cli(tmp_path, restored, "audit", "head").stdout.strip() == head


def test_backups_kept_past_gallring_and_postgres_are_refused(tmp_path: Path) -> None:
    live = tmp_path / "finaid.db"
    assert cli(tmp_path, live, "users", "list").returncode == 0
    long = cli(tmp_path, live, "db", "backup", str(tmp_path / "b"), "--keep-days", "400")
    assert long.returncode == 1 and "--keep-days must be 1 to 90" in long.stderr
    env = {k: v for k, v in os.environ.items() if not k.startswith("FINAID_")}
    env.update(FINAID_DB_URL="postgresql://x@127.0.0.1:1/finaid")
    pg = subprocess.run([str(FINAID), "db", "backup", str(tmp_path / "b")], capture_output=True, text=True,
                        env=env, cwd=tmp_path, check=False)
    assert pg.returncode == 1 and "for PostgreSQL use pg_dump" in pg.stderr, pg.stderr
