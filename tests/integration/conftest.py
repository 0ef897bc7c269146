"""Integration fixtures: a fresh, migrated, empty database per test, on SQLite and on PostgreSQL.

``database`` is parametrized over the backends: ``sqlite`` (a file in the test's tmp_path) always,
``postgresql`` when ``FINAID_TEST_PG_URL`` is set (skipped otherwise). On PostgreSQL the test
session owns a schema ``finaid_test_<random>`` (created and migrated at session start, dropped at
the end); each test gets a schema of its own under that name (``finaid_test_<random>_<n>``),
migrated with ``adapters.driven.db.migrate.upgrade`` and dropped after the test — the audit tables refuse
TRUNCATE and DELETE, so a new schema is the only clean slate.

``TestDatabase.cli`` runs the real ``finaid`` console script as a subprocess against the same
database; ``TestDatabase.bypass_triggers`` opens a transaction in which the append-only triggers
do not fire (tampering tests only).
"""

from __future__ import annotations

import itertools
import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from adapters.driven.db import migrate
from adapters.driven.db.access import AccessLog
from adapters.driven.db.engine import Database
from adapters.driven.db.store import CaseStore
from decision.bundle import CaseBundle
from decision.validation import parse_bundle
from tests.decide import Outcome, decide_and_store
from tests.services import SERVICES

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "bundles"
FINAID = Path(sys.executable).with_name("finaid")
PG_URL = os.environ.get("FINAID_TEST_PG_URL")
HMAC_KEY = "finaid-integration-test-hmac-key-0123456789"
ACTOR = "user:test-handler"
APPEND_ONLY = ("audit_event", "access_log", "access_person")

_counter = itertools.count(1)


def example_paths() -> list[Path]:
    return sorted(EXAMPLES.glob("*.json"))


def load_bundle(path: Path) -> CaseBundle:
    return parse_bundle(path.read_bytes())


@dataclass
class TestDatabase:
    """One fresh database for one test, with the helpers the tests share."""

    __test__ = False  # not a test class

    backend: str
    url: str
    schema: str | None
    workdir: Path
    db: Database
    pipeline: Any = None
    _access: AccessLog | None = field(default=None, repr=False)

    # ------------------------------------------------------------------ in-process
    @property
    def store(self) -> CaseStore:
        return CaseStore(self.db)

    @property
    def access(self) -> AccessLog:
        if self._access is None:
            self._access = AccessLog(self.db, HMAC_KEY.encode("utf-8"))
        return self._access

    def decide(self, bundle: CaseBundle | Path, actor: str = ACTOR) -> Outcome:
        if isinstance(bundle, Path):
            bundle = load_bundle(bundle)
        return decide_and_store(
            bundle, pipeline=self.pipeline, catalog=SERVICES.catalog, store=self.store,
            access=self.access, actor=actor,
        )

    def decide_examples(self) -> dict[str, Outcome]:
        """Decide every example bundle; keyed by file name."""
        return {p.name: self.decide(p) for p in example_paths()}

    def scalar(self, sql: str, **params: Any) -> Any:
        with self.db.engine.connect() as conn:
            return conn.execute(sa.text(sql), params).scalar()

    def rows(self, sql: str, **params: Any) -> list[Any]:
        with self.db.engine.connect() as conn:
            return list(conn.execute(sa.text(sql), params))

    def count(self, table: str) -> int:
        return int(self.scalar(f"SELECT count(*) FROM {table}"))

    @contextmanager
    def bypass_triggers(self) -> Iterator[Connection]:
        """A committed transaction in which the append-only triggers do not fire (tests only)."""
        with self.db.engine.begin() as conn:
            if self.backend == "sqlite":
                saved = list(conn.exec_driver_sql(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
                ))
                for name, _ in saved:
                    conn.exec_driver_sql(f"DROP TRIGGER {name}")
                yield conn
                for _, ddl in saved:
                    conn.exec_driver_sql(ddl)
            else:
                # as a superuser; the table owner could ALTER TABLE … DISABLE TRIGGER USER instead
                conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
                yield conn

    def block_access_log(self) -> None:
        """Make every INSERT into access_log fail (simulates an unwritable access log)."""
        with self.db.engine.begin() as conn:
            if self.backend == "sqlite":
                conn.exec_driver_sql(
                    "CREATE TRIGGER access_log_blocked BEFORE INSERT ON access_log "
                    "BEGIN SELECT RAISE(ABORT, 'access log unavailable'); END"
                )
            else:
                conn.exec_driver_sql(
                    "CREATE FUNCTION block_access_log() RETURNS trigger LANGUAGE plpgsql AS "
                    "$$ BEGIN RAISE EXCEPTION 'access log unavailable'; END $$"
                )
                conn.exec_driver_sql(
                    "CREATE TRIGGER access_log_blocked BEFORE INSERT ON access_log "
                    "FOR EACH ROW EXECUTE FUNCTION block_access_log()"
                )

    # ------------------------------------------------------------------ the real CLI
    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("FINAID_")}
        env.update(
            FINAID_DB_URL=self.url,
            FINAID_HMAC_KEY=HMAC_KEY,
            FINAID_ACTOR=ACTOR,
            COLUMNS="200",
            NO_COLOR="1",
        )
        if self.schema:
            env["FINAID_DB_SCHEMA"] = self.schema
        env.update(extra)
        return env

    def cli(
        self, *args: str | Path, stdin: str | None = None, env: dict[str, str] | None = None, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        """Run ``finaid ARGS`` against this database (cwd: the test's work directory)."""
        return subprocess.run(
            [str(FINAID), *map(str, args)], input=stdin if stdin is not None else "", capture_output=True,
            text=True, env=self.env(**(env or {})), cwd=self.workdir, timeout=timeout, check=False,
        )

    def cli_json(self, *args: str | Path, **kw: Any) -> Any:
        proc = self.cli(*args, **kw)
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)


# ---------------------------------------------------------------------- PostgreSQL session schema
@dataclass
class _PgSession:
    admin: sa.Engine
    schema: str

    def create(self, name: str) -> None:
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{name}"')

    def drop(self, name: str) -> None:
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


@pytest.fixture(scope="session")
def pg_session() -> Iterator[_PgSession]:
    if not PG_URL:
        pytest.skip("FINAID_TEST_PG_URL is not set")
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    session = _PgSession(admin, f"finaid_test_{secrets.token_hex(4)}")
    session.create(session.schema)
    try:
        db = Database(PG_URL, session.schema)
        migrate.upgrade(db)
        db.dispose()
        yield session
    finally:
        with admin.connect() as conn:
            leftovers = [
                r[0] for r in conn.execute(
                    sa.text("SELECT nspname FROM pg_namespace WHERE nspname = :s OR nspname LIKE :p"),
                    {"s": session.schema, "p": session.schema + r"\_%"},
                )
            ]
        for name in leftovers:
            session.drop(name)
        admin.dispose()


@pytest.fixture(scope="session")
def shared_pipeline() -> Any:
    return SERVICES.pipeline


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def database(request: pytest.FixtureRequest, tmp_path: Path, shared_pipeline: Any) -> Iterator[TestDatabase]:
    """A fresh, migrated, empty database for one test (SQLite file, or a PostgreSQL schema)."""
    workdir = tmp_path / "work"
    workdir.mkdir()
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'finaid.db'}"
        db = Database(url)
        migrate.upgrade(db)
        tdb = TestDatabase("sqlite", url, None, workdir, db, shared_pipeline)
        try:
            yield tdb
        finally:
            db.dispose()
        return
    pg: _PgSession = request.getfixturevalue("pg_session")
    assert PG_URL
    schema = f"{pg.schema}_{next(_counter)}"
    pg.create(schema)
    db = Database(PG_URL, schema)
    try:
        migrate.upgrade(db)
        yield TestDatabase("postgresql", PG_URL, schema, workdir, db, shared_pipeline)
    finally:
        db.dispose()
        pg.drop(schema)
