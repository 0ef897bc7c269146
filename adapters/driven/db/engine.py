"""Database engines: SQLite in a file (WAL, busy timeout, mode 0600) or PostgreSQL.

SQLite write transactions start with ``BEGIN IMMEDIATE`` so that two writers never both read the
chain head and then collide; on PostgreSQL the head row is locked with ``SELECT … FOR UPDATE``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_URL = "sqlite:///var/finaid.db"
PG_SCHEMES = ("postgres", "postgresql", "postgresql+psycopg")


def normalize_url(url: str) -> str:
    """``postgres://`` and ``postgresql://`` (libpq's spellings) mean psycopg 3, the driver finaid ships."""
    scheme, sep, rest = url.partition("://")
    if sep and scheme in PG_SCHEMES[:2]:
        return "postgresql+psycopg://" + rest
    return url


def safe_url(url: str) -> str:
    """The URL without its password (for messages and logs)."""
    try:
        parsed = make_url(normalize_url(url))
    except Exception:  # noqa: BLE001 - an unparsable URL is shown by its scheme only
        return url.partition("://")[0] + "://…"
    return parsed.set(password=None).render_as_string(hide_password=False)


def where(url: str, schema: str | None = None) -> str:
    """``host:port/database (schema s)`` or the SQLite file, for "which database" lines."""
    parsed = make_url(normalize_url(url))
    if parsed.get_backend_name() == "sqlite":
        return f"SQLite file {parsed.database}"
    user = f"{parsed.username}@" if parsed.username else ""
    host = parsed.host or os.environ.get("PGHOST") or "localhost"
    port = parsed.port or os.environ.get("PGPORT") or 5432
    text = f"PostgreSQL {user}{host}:{port}/{parsed.database or os.environ.get('PGDATABASE', '')}"
    return text + (f" (schema {schema})" if schema else "")


def _prepare_sqlite_file(database: str) -> None:
    path = Path(database)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(fd)
    os.chmod(path, 0o600)


def make_engine(url: str, schema: str | None = None, ping_after_idle_s: float | None = None, **kw: Any) -> Engine:
    url = normalize_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            _prepare_sqlite_file(parsed.database)
        engine = create_engine(url, connect_args={"timeout": 30}, **kw)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _: Any) -> None:
            dbapi_conn.isolation_level = None  # we emit BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA secure_delete=ON")  # purged content is overwritten, not left in free pages
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    connect_args: dict[str, Any] = {}
    if schema:
        connect_args["options"] = f"-csearch_path={schema}"
    engine = create_engine(url, connect_args=connect_args, **kw)
    _ping_when_idle(engine, PING_AFTER_IDLE_S if ping_after_idle_s is None else ping_after_idle_s)
    return engine


PING_AFTER_IDLE_S = 10.0  # a pooled PostgreSQL connection idle this long is pinged before it is used again


def _ping_when_idle(engine: Engine, after_s: float) -> None:
    """SQLAlchemy's ``pool_pre_ping``, but only for a connection that sat in the pool ``after_s`` or longer:
    a connection in steady use (a busy web app, a night) costs no extra round trip per checkout, while one
    that may have outlived a server restart or a firewall's idle timeout is tested first (a dead one is
    replaced: ``DisconnectionError`` makes the pool connect anew). A connection that breaks while in use
    fails that one transaction, invalidates the pool, and the next checkout connects anew."""

    @event.listens_for(engine, "connect")
    def _fresh(dbapi_conn: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkin")
    def _idle(dbapi_conn: Any, record: Any) -> None:
        if record is not None:
            record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checkout(dbapi_conn: Any, record: Any, proxy: Any) -> None:
        if time.monotonic() - record.info.get("idle_since", 0.0) < after_s:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except Exception as e:  # noqa: BLE001 - any failure of the ping means: not this connection
            raise exc.DisconnectionError() from e


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


class Database:
    """An engine and its session factory; one per process."""

    def __init__(self, url: str, schema: str | None = None) -> None:
        self.url = normalize_url(url)
        self.schema = schema
        self.engine = make_engine(url, schema)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A unit of work: committed when the block ends, rolled back on any error."""
        with self.sessions() as session, session.begin():
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self.sessions() as session:
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
