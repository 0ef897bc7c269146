"""The impact analysis' read of the caseload (docs/rule-lifecycle.md, "3. Preview its impact on last month's
caseload"): every application's current decision with its sealed bundle, as ``decision.uow.ImpactCase``.

``SqlDecisions.current_pages`` (adapters/driven/db/decision_reads.py) reads it in pages from a server-side cursor
on PostgreSQL (``yield_per``: a page at a time in memory, never the whole caseload) as plain rows, no ORM objects;
``SqlDecisions.current`` reads the same query into one list.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, select
from sqlalchemy.orm import Session

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
