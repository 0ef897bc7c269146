"""The impact analysis' read of the caseload (docs/rule-lifecycle.md, "3. Preview its impact on last month's
caseload"): every application's current decision with its sealed bundle, as ``decision.uow.ImpactCase``.

``SqlDecisions.current_pages`` (adapters/driven/db/decision_reads.py) reads it in pages from a server-side cursor
on PostgreSQL (``yield_per``: a page at a time in memory, never the whole caseload) as plain rows, no ORM objects;
``SqlDecisions.current`` reads the same query into one list.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, select
from sqlalchemy.orm import Session

from adapters.driven.db.engine import Database, is_postgres
from adapters.driven.db.models import Application, Decision, DecisionEarlier, Revision
from decision.ports import EarlierDecision
from decision.uow import ImpactCase


def earlier_of(r: Any) -> EarlierDecision | None:
    """The earlier decision a row's outer join on ``decision_earlier`` found (None once its total is purged)."""
    if r.earlier_decision_id is None or r.total_ore is None:
        return None
    return EarlierDecision(r.earlier_decision_id, r.earlier_month, r.total_ore, r.signed_at)


def _months(month_from: str | None, month_to: str | None) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if month_from:
        where.append(Application.month >= month_from)
    if month_to:
        where.append(Application.month <= month_to)
    return where


def current_query(month_from: str | None, month_to: str | None) -> Select[*tuple[Any, ...]]:
    """Every application's current decision and sealed bundle (purged ones left out), by application id."""
    return (
        select(
            Application.id, Application.month, Application.protected, Revision.bundle_json, Decision.basis_json,
            Decision.pack_hash, Decision.guideline_hash, DecisionEarlier.earlier_decision_id,
            DecisionEarlier.month.label("earlier_month"), DecisionEarlier.total_ore, DecisionEarlier.signed_at,
            Decision.code_version, Revision.content_hash,
        )
        .join(Decision, Decision.id == Application.current_decision_id)
        .join(Revision, and_(Revision.id == Decision.revision_id, Revision.id == Application.current_revision_id))
        .outerjoin(DecisionEarlier, DecisionEarlier.decision_id == Decision.id)
        .where(Application.current_decision_id.is_not(None), *_months(month_from, month_to),
               Decision.basis_json.is_not(None), Revision.bundle_json.is_not(None))
        .order_by(Application.id)
    )


def case_of(r: Any) -> ImpactCase:
    return ImpactCase(r.id, r.month, bool(r.protected), r.bundle_json, r.basis_json, r.pack_hash, r.guideline_hash,
                      earlier_of(r), r.code_version, r.content_hash)


def applications(s: Session, month_from: str | None, month_to: str | None) -> int:
    """How many applications those months have, decided or not."""
    q = select(func.count()).select_from(Application).where(*_months(month_from, month_to))
    return int(s.execute(q).scalar_one())


def cases_count(s: Session, month_from: str | None, month_to: str | None) -> int:
    """How many cases ``stream_current`` gives."""
    q = select(func.count()).select_from(current_query(month_from, month_to).order_by(None).subquery())
    return int(s.execute(q).scalar_one())


# ---------------------------------------------------------------------------------------------- read by id in workers
# ``finaid rules impact --workers N`` (N > 1): the parent reads only the caseload's application ids and hands them out
# a chunk at a time; each worker process reads its chunk's rows itself (no bundle passes through the parent or a
# pipe). On PostgreSQL every worker reads in the parent's snapshot (``pg_export_snapshot``, held open until the run
# ends), so the caseload is the one consistent state a single cursor would have read.
_SNAPSHOT = re.compile(r"[0-9A-Fa-f]+(-[0-9A-Fa-f]+)+")


@contextmanager
def caseload_ids(db: Database, month_from: str | None, month_to: str | None) -> Iterator[tuple[list[str], str | None]]:
    """The ids of ``current_query``'s cases, in its order, and the exported snapshot they were read in (None on
    SQLite: its readers cannot share one; the ids' transaction is closed before the workers read)."""
    ids_query = current_query(month_from, month_to).with_only_columns(Application.id)
    if not is_postgres(db.engine):
        with db.read() as s:
            ids = list(s.execute(ids_query).scalars())
        yield ids, None
        return
    with db.engine.connect() as conn:
        conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        snapshot = str(conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one())
        ids = list(conn.execute(ids_query).scalars())
        yield ids, snapshot  # the transaction, and with it the snapshot, stays open until the workers are done
        conn.rollback()


def cases_by_ids(db: Database, ids: list[str], snapshot: str | None) -> list[ImpactCase]:
    """The cases of ``ids`` (sorted, as ``caseload_ids`` gives them), read in ``snapshot`` when there is one."""
    if not ids:
        return []
    query = current_query(None, None).where(Application.id.in_(ids))
    with db.engine.connect() as conn:
        if snapshot is not None:
            if not _SNAPSHOT.fullmatch(snapshot):
                raise ValueError(f"not a PostgreSQL snapshot id: {snapshot!r}")
            conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            conn.exec_driver_sql(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
        cases = [case_of(r) for r in conn.execute(query)]
        conn.rollback()
    return cases
