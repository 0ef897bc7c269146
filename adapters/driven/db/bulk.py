"""Many rows of one table in the caller's transaction: ``COPY … FROM STDIN`` on PostgreSQL, one executemany
``INSERT`` elsewhere (SQLite).

Both write exactly what ``session.execute(insert(table), rows)`` writes (tests/integration/test_bulk_insert.py
compares them on SQLite and PostgreSQL): every row names the same columns; a column left out is NULL in both
(so a column with a Python-side default must be given). COPY skips SQLAlchemy's statement building and
parameter processing per row, which is most of the client's CPU for a batch chunk (benchmarks/README.md).
A database error is raised as SQLAlchemy's (``IntegrityError`` for a duplicate key, so the callers' conflict
handling is the same on both paths). The rows go in the order given: hash-chained rows keep their sequence.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, any_, insert, literal
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

_COPY: dict[tuple[str, tuple[str, ...], str], bytes] = {}
"""The COPY statements written so far, by table, columns and the connection's encoding."""


def _table(model: Any) -> Table:
    table = getattr(model, "__table__", model)
    if not isinstance(table, Table):
        raise TypeError(f"not a table or a mapped class: {model!r}")
    return table


def _columns(table: Table, rows: Sequence[Mapping[str, Any]]) -> list[str]:
    names = list(rows[0])
    wanted = set(names)
    unknown = wanted - set(table.columns.keys())
    if unknown:
        raise ValueError(f"{table.name}: no such columns {sorted(unknown)}")
    for row in rows:
        if set(row) != wanted:
            raise ValueError(f"{table.name}: every row must name the same columns")
    defaulted = [c.key for c in table.columns if c.key not in wanted and c.default is not None]
    if defaulted:
        raise ValueError(f"{table.name}: give the columns with a default: {sorted(defaulted)}")
    return names


def among(session: Session, column: Any, values: Sequence[Any]) -> ColumnElement[bool]:
    """``column IN (values)`` for a long list: on PostgreSQL ``column = ANY(%s)`` with the list as one array
    parameter, which SQLAlchemy compiles once and psycopg sends as one value (an expanded ``IN`` renders, casts and
    re-parses one placeholder per value: ≈ 180 per batch chunk for its envelopes); elsewhere ``IN``."""
    if session.get_bind().dialect.name != "postgresql":
        return cast(ColumnElement[bool], column.in_(values))
    return cast(ColumnElement[bool], column == any_(literal(list(values), ARRAY(column.type))))


def insert_rows(session: Session, model: Any, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` (dicts of column values) into ``model``'s table in the session's transaction."""
    if not rows:
        return
    table = _table(model)
    names = _columns(table, rows)
    conn = session.connection()
    if conn.dialect.name != "postgresql":
        session.execute(insert(table), list(rows))
        return
    from psycopg import Error as PgError
    from psycopg import sql

    session.flush()  # what the session holds goes first, as session.execute would autoflush it

    raw: Any = conn.connection.driver_connection  # the psycopg connection of the session's transaction
    key = (table.name, tuple(names), raw.info.encoding)
    statement = _COPY.get(key)
    if statement is None:  # quoting the names asks libpq each time: once per table, columns and encoding
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table.name), sql.SQL(", ").join(sql.Identifier(n) for n in names)
        ).as_bytes(raw)
        if len(_COPY) < 256:
            _COPY[key] = statement
    try:
        with raw.cursor() as cur, cur.copy(statement) as copy:
            for row in rows:
                copy.write_row([row[n] for n in names])
    except PgError as e:
        lost = conn.dialect.is_disconnect(cast(Any, e), raw, None)
        raise DBAPIError.instance(f"COPY {table.name}", None, e, PgError, connection_invalidated=lost) from e
