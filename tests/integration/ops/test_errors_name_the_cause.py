"""Errors that name their cause (docs/operations.md "When something is wrong"): each class provoked through
the real ``finaid`` command, its message asserted — the cause named, no password, no traceback."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from adapters.driven.db import migrate
from adapters.driven.db.engine import Database
from tests.integration.ops.conftest import FINAID, Cluster, _free_port

SECRET = "hemligt-losen-42"


def finaid(cluster: Cluster | None, cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = cluster.env(**env) if cluster else {"PATH": "/usr/bin:/bin", "COLUMNS": "200", **env}
    proc = subprocess.run([str(FINAID), *args], capture_output=True, text=True, cwd=cwd, env=base, check=False,
                          timeout=120)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert SECRET not in proc.stderr + proc.stdout
    return proc


@pytest.fixture
def owned(fresh: Cluster) -> Cluster:
    """A database ``finaid`` owned by a password-authenticated owner, migrated to head."""
    done = fresh.psql(f"CREATE ROLE finaid_owner LOGIN PASSWORD '{SECRET}'; CREATE DATABASE finaid OWNER finaid_owner;"
                      f"CREATE ROLE finaid_stranger LOGIN PASSWORD '{SECRET}';")
    assert done.returncode == 0, done.stderr
    return fresh


def owner_url(cluster: Cluster, password: str = SECRET, database: str = "finaid") -> str:
    return f"postgresql://finaid_owner:{password}@127.0.0.1:{cluster.port}/{database}"


def test_cannot_connect_names_host_port_and_database(tmp_path: Path) -> None:
    port = _free_port()
    for cmd in (("db", "upgrade"), ("users", "list")):
        proc = finaid(None, tmp_path, *cmd, FINAID_DB_URL=f"postgres://someone:{SECRET}@127.0.0.1:{port}/kommun")
        assert proc.returncode == 1
        assert f"error: cannot connect to PostgreSQL someone@127.0.0.1:{port}/kommun" in proc.stderr, proc.stderr
        assert "Connection refused" in proc.stderr


def test_a_missing_database_is_named(owned: Cluster, tmp_path: Path) -> None:
    proc = finaid(owned, tmp_path, "db", "upgrade", FINAID_DB_URL=owner_url(owned, database="saknas"))
    assert proc.returncode == 1
    assert f"cannot connect to PostgreSQL finaid_owner@127.0.0.1:{owned.port}/saknas: the database does not exist" \
        in proc.stderr, proc.stderr


def test_authentication_failure_on_a_password_cluster(owned: Cluster, tmp_path: Path) -> None:
    wrong = f"{SECRET}-fel"
    proc = subprocess.run([str(FINAID), "db", "upgrade"], capture_output=True, text=True, cwd=tmp_path, check=False,
                          env=owned.env(FINAID_DB_URL=owner_url(owned, password=wrong)))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr and wrong not in proc.stderr
    assert f"error: authentication failed for user finaid_owner at PostgreSQL finaid_owner@127.0.0.1:{owned.port}" \
        "/finaid" in proc.stderr, proc.stderr


def test_postgres_urls_are_accepted_and_permission_denied_names_table_and_role(owned: Cluster, tmp_path: Path) -> None:
    up = finaid(owned, tmp_path, "db", "upgrade", FINAID_DB_URL=owner_url(owned))  # postgres:// → psycopg 3
    assert up.returncode == 0, up.stderr
    assert f"database at revision {migrate.head()}" in up.stderr
    stranger = f"postgres://finaid_stranger:{SECRET}@127.0.0.1:{owned.port}/finaid"
    proc = finaid(owned, tmp_path, "users", "list", FINAID_DB_URL=stranger, FINAID_HMAC_KEY="k" * 40)
    assert proc.returncode == 1
    assert "error: permission denied for alembic_version to role finaid_stranger" in proc.stderr, proc.stderr


def test_an_old_schema_names_both_revisions(owned: Cluster, tmp_path: Path) -> None:
    db = Database(owner_url(owned))
    try:
        migrate.upgrade(db, "0004")
    finally:
        db.dispose()
    proc = finaid(owned, tmp_path, "users", "list", FINAID_DB_URL=owner_url(owned), FINAID_HMAC_KEY="k" * 40)
    assert proc.returncode == 1
    assert f"is at revision 0004; finaid expects {migrate.head()}: run `finaid db upgrade`" in proc.stderr, proc.stderr


def test_a_missing_schema_says_so(owned: Cluster, tmp_path: Path) -> None:
    proc = finaid(owned, tmp_path, "users", "list", FINAID_DB_URL=owner_url(owned), FINAID_HMAC_KEY="k" * 40)
    assert proc.returncode == 1
    assert f"has no finaid schema yet (finaid expects revision {migrate.head()})" in proc.stderr, proc.stderr


@pytest.mark.parametrize(("setting", "value", "message"), [
    ("FINAID_MODE", "dmeo", "error: FINAID_MODE: Input should be 'production' or 'demo'"),
    ("FINAID_WEB_PORT", "abc", "error: FINAID_WEB_PORT: Input should be a valid integer, unable to parse string as an "
                               "integer (allowed: 1 to 65535)"),
    ("FINAID_WEB_PORT", "70000", "(allowed: 1 to 65535)"),
    ("FINAID_WEB_WORKERS", "0", "error: FINAID_WEB_WORKERS: Input should be greater than or equal to 1 "
                                "(allowed: 1 to 32)"),
    ("FINAID_WEB_WORKERS", "två", "error: FINAID_WEB_WORKERS: Input should be a valid integer"),
    ("FINAID_SSBTEK_TIMEOUT_S", "x", "error: FINAID_SSBTEK_TIMEOUT_S: Input should be a valid number"),
    ("FINAID_WEB_SECURE_COOKIES", "kanske", "error: FINAID_WEB_SECURE_COOKIES: Input should be a valid boolean"),
    ("FINAID_AUTO_DECISIONS", "[", "error: FINAID_AUTO_DECISIONS: not valid JSON (allowed: a JSON object)"),
    ("FINAID_DB_URL", "mysql://x@y/z", "error: FINAID_DB_URL: must be a database URL: sqlite:///path/to/finaid.db"),
])
def test_a_bad_setting_is_named_with_its_allowed_values(tmp_path: Path, setting: str, value: str, message: str) -> None:
    proc = finaid(None, tmp_path, "users", "list", **{setting: value})
    assert proc.returncode == 1
    assert message in proc.stderr, proc.stderr
    assert "failed unexpectedly" not in proc.stderr


def test_a_command_that_writes_names_its_database(tmp_path: Path) -> None:
    proc = finaid(None, tmp_path, "tokens", "add", "e-tjanst", "--scope", "submit",
                  FINAID_DB_URL=f"sqlite:///{tmp_path}/kommun.db")
    assert proc.returncode == 0, proc.stderr
    assert f"finaid: database SQLite file {tmp_path}/kommun.db" in proc.stderr, proc.stderr
