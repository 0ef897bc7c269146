"""docs/operations.md "Backups", PostgreSQL, run as written on a private cluster: the set-up, a night as the
runtime role, the published heads, ``pg_dump`` as the owner and ``finaid db rotate``, then ``pg_restore`` into a
fresh database, ``finaid db upgrade`` there, and ``audit verify`` against the published heads as the runtime role.

And on the server ``FINAID_TEST_PG_URL`` names: a finaid schema (``FINAID_DB_SCHEMA``) dumped with
``pg_dump --schema``, restored into a fresh database made with ``CREATE DATABASE`` (dropped afterwards), passes
``audit verify --expected-head`` there.
"""

from __future__ import annotations

import secrets
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from adapters.driven.db import migrate
from tests.integration.conftest import PG_URL, TestDatabase
from tests.integration.ops.conftest import FINAID, ROOT, Cluster
from tests.integration.ops.guide import ok, run_step

RUNTIME = {"FINAID_DB_URL": "postgresql://finaid_app:byt-ut-app@/finaid", "FINAID_HMAC_KEY": "k" * 64,
           "FINAID_WEB_SESSION_SECRET": "s" * 64}


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "examples" / "bundles", tmp_path / "ansokningar")
    return tmp_path


def test_a_pg_dump_restored_into_a_fresh_database_verifies_against_the_published_heads(
    fresh: Cluster, workdir: Path
) -> None:
    for name in ("admin", "owner", "runtime"):
        ok(run_step(fresh, name, workdir), name)
    ok(run_step(fresh, "night", workdir, **RUNTIME), "night")
    heads = dict(line.split() for line in ok(runtime_cli(fresh, workdir, "audit", "head", "--both"), "heads")
                 .stdout.splitlines())
    backups = workdir / "backups"
    owner = {"FINAID_BACKUP_DIR": str(backups), "PGPASSWORD": "byt-ut-agare"}
    ok(run_step(fresh, "pg-backup", workdir, **owner), "pg-backup")
    (dump,) = backups.glob("finaid-*.dump")
    assert stat.S_IMODE(dump.stat().st_mode) == 0o600 and stat.S_IMODE(backups.stat().st_mode) == 0o700
    ok(run_step(fresh, "pg-restore-admin", workdir), "pg-restore-admin")
    restored = ok(run_step(fresh, "pg-restore", workdir, **owner), "pg-restore")
    head = migrate.head()
    assert f"database at revision {head} (already at {head})" in restored.stderr, restored.stderr
    assert "granted finaid_runtime" in restored.stderr
    verify = ok(run_step(fresh, "pg-verify", workdir, PUBLISHED_HEAD=heads["audit"],
                         PUBLISHED_ACCESS_HEAD=heads["access"], FINAID_HMAC_KEY="k" * 64), "pg-verify")
    assert "finaid: database PostgreSQL finaid_app@" in verify.stderr and "/finaid_aterstalld" in verify.stderr
    assert "OK: the trail is intact" in verify.stdout
    assert f"audit log: {heads['audit'].split(':')[0]} events" in verify.stdout
    # the restored database holds the same applications in the same states
    states = "\\copy (SELECT state, count(*) FROM application GROUP BY state ORDER BY state) TO STDOUT"
    original, copy = fresh.psql(states, "finaid"), fresh.psql(states, "finaid_aterstalld")
    assert original.returncode == 0 and copy.returncode == 0, original.stderr + copy.stderr
    assert "proposed" in original.stdout and copy.stdout == original.stdout


def runtime_cli(cluster: Cluster, workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(FINAID), *args], capture_output=True, text=True, cwd=workdir,
                          env=cluster.env(**RUNTIME), check=False, timeout=300)


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_a_schema_dump_restored_into_a_fresh_database_verifies(database: TestDatabase, tmp_path: Path) -> None:
    assert PG_URL and database.schema
    assert database.cli("case", "submit", ROOT / "examples" / "bundles").returncode == 0
    night = database.cli("batch", "run", env={"FINAID_REPORT_DIR": str(tmp_path / "reports")}, timeout=300)
    assert night.returncode == 0, night.stderr
    heads = dict(line.split() for line in database.cli("audit", "head", "--both").stdout.splitlines())
    source = make_url(PG_URL).set(drivername="postgresql")
    dump = tmp_path / "finaid.dump"
    made = subprocess.run(["pg_dump", "--format=custom", f"--schema={database.schema}", f"--file={dump}",
                           f"--dbname={source.render_as_string(hide_password=False)}"],
                          capture_output=True, text=True, check=False, timeout=300)
    assert made.returncode == 0, made.stderr
    name = f"finaid_restore_{secrets.token_hex(4)}"
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        target = source.set(database=name).render_as_string(hide_password=False)
        restored = subprocess.run(["pg_restore", f"--dbname={target}", "--no-owner", "--exit-on-error", str(dump)],
                                  capture_output=True, text=True, check=False, timeout=300)
        assert restored.returncode == 0, restored.stderr
        verify = database.cli("audit", "verify", "--expected-head", heads["audit"], "--expected-access-head",
                              heads["access"], env={"FINAID_DB_URL": target})
        assert verify.returncode == 0 and "OK: the trail is intact" in verify.stdout, verify.stdout + verify.stderr
        assert f"/{name}" in verify.stderr and f"schema {database.schema}" in verify.stderr
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
