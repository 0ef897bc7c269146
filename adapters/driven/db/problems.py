"""Database errors that name their cause (docs/operations.md "When something is wrong").

``explain`` turns a driver error into one line an operator can act on — which host, port and database
could not be reached, whose password was refused, which table a role may not read, which revision the
schema is at and which finaid expects — never with a password, never with a traceback.
"""

from __future__ import annotations

import re

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from adapters.driven.db.engine import normalize_url, where
from decision.errors import ConfigurationError


class DatabaseProblem(ConfigurationError):
    """The database cannot be used as configured; the message names the cause and what to do."""


def _sqlstate(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None)
    return str(getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None) or "")


def _user(url: str) -> str:
    try:
        return make_url(normalize_url(url)).username or "(the OS user)"
    except Exception:  # noqa: BLE001
        return "(unknown)"


def explain(exc: BaseException, url: str, schema: str | None = None) -> DatabaseProblem:
    """One actionable line for a database error (the URL's password never appears)."""
    place = where(url, schema)
    msg = str(getattr(exc, "orig", None) or exc)
    state = _sqlstate(exc)
    if state in ("28P01", "28000") or "password authentication failed" in msg or "no password supplied" in msg:
        return DatabaseProblem(
            f"authentication failed for user {_user(url)} at {place}: check the user and password in "
            "FINAID_DB_URL (and pg_hba.conf on the server)"
        )
    if state == "3D000" or re.search(r'database "[^"]*" does not exist', msg):
        return DatabaseProblem(f"cannot connect to {place}: the database does not exist (create it, or fix "
                               "FINAID_DB_URL)")
    if state == "42501" or "permission denied" in msg:
        found = re.search(r"permission denied for (?:table|relation|schema|sequence) (\S+)", msg)
        what = found.group(1) if found else "an object"
        return DatabaseProblem(
            f"permission denied for {what} to role {_user(url)} at {place}: run `finaid db upgrade` as the "
            "owner role so that it grants finaid_runtime, and make this login a member of finaid_runtime "
            "(docs/operations.md)"
        )
    if state == "42P01" and "alembic_version" in msg:
        return DatabaseProblem(f"{place} has no finaid schema (no alembic_version table): run `finaid db upgrade` "
                               "as the owner role")
    lowered = msg.lower()
    invalidated = isinstance(exc, DBAPIError) and exc.connection_invalidated
    if invalidated or state.startswith("08") or (not state and any(
        w in lowered for w in ("connection", "could not", "unable to open", "resolve host")
    )):
        reason = msg.strip().splitlines()[0] if msg.strip() else type(exc).__name__
        reason = re.sub(r"postgres(?:ql)?(?:\+\w+)?://\S+", "…", reason.removeprefix("connection failed: "))
        return DatabaseProblem(f"cannot connect to {place}: {reason} (check host, port and database in "
                               "FINAID_DB_URL, and that the server runs)")
    first = msg.strip().splitlines()[0] if msg.strip() else type(exc).__name__
    return DatabaseProblem(f"database error at {place}: {first}")


def schema_revision(engine: Engine, url: str, schema: str | None = None) -> str | None:
    """The schema's revision (None: no finaid schema yet); connection and permission errors explained."""
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except DBAPIError as e:
        state = _sqlstate(e)
        if state == "42P01" or "no such table" in str(e.orig):
            return None
        raise explain(e, url, schema) from None
    except SQLAlchemyError as e:
        raise explain(e, url, schema) from None


def require_current(engine: Engine, url: str, schema: str | None, head: str) -> None:
    """Refuse a schema that is missing or not at ``head``, naming both revisions."""
    current = schema_revision(engine, url, schema)
    if current is None:
        raise DatabaseProblem(f"{where(url, schema)} has no finaid schema yet (finaid expects revision {head}): "
                              "run `finaid db upgrade` as the owner role")
    if current != head:
        raise DatabaseProblem(f"the schema at {where(url, schema)} is at revision {current}; finaid expects "
                              f"{head}: run `finaid db upgrade` as the owner role")
