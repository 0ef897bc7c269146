"""Auditors' questions over decisions: filters, ordered by decision time, paged.

"Every decision that used rule X" is an index range scan on ``decision_use(kind, ref, decided_at,
decision_id)``; protected-identity decisions are counted, not listed.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session

from adapters.driven.db.models import Decision, DecisionUse


@dataclass(frozen=True)
class Filters:
    rule: str | None = None
    param: str | None = None
    pack: str | None = None
    guideline: str | None = None
    finding: str | None = None
    outcome: str | None = None
    month: str | None = None
    municipality: str | None = None

    def describe(self) -> str:
        return ",".join(f"{f.name}={getattr(self, f.name)}" for f in fields(self) if getattr(self, f.name))


def _filtered(filters: Filters, protected: bool) -> tuple[Select[Any], tuple[Any, Any]]:
    """The filtered query, and the columns to order it by.

    With a rule, parameter or finding filter, the order is the first use row's copy of
    (decided_at, decision_id) — the same order as the decision's — so that a page is a range scan of
    ``ix_decision_use_lookup`` however common or rare the rule is.
    """
    q = select(Decision)
    order: tuple[Any, Any] = (Decision.decided_at, Decision.id)
    uses = [("rule", filters.rule), ("param", filters.param), ("finding", filters.finding)]
    for i, (kind, ref) in enumerate(u for u in uses if u[1]):
        alias = DecisionUse.__table__.alias(f"u{i}")
        q = q.join(alias, and_(alias.c.decision_id == Decision.id, alias.c.kind == kind, alias.c.ref == ref))
        if i == 0:
            order = (alias.c.decided_at, alias.c.decision_id)
    if filters.pack:
        q = q.where(Decision.pack_id == filters.pack)
    if filters.guideline:
        q = q.where(Decision.guideline_id == filters.guideline)
    if filters.outcome:
        q = q.where(Decision.outcome == filters.outcome.upper())
    if filters.month:
        q = q.where(Decision.month == filters.month)
    if filters.municipality:
        q = q.where(Decision.municipality == filters.municipality)
    return q.where(Decision.protected.is_(protected)), order


def run_query(s: Session, filters: Filters, page: int = 1, page_size: int = 50) -> tuple[list[dict[str, Any]], int]:
    listed, order = _filtered(filters, False)
    q = listed.order_by(*order).offset((page - 1) * page_size)
    rows = [
        {
            "decided_at": d.decided_at.isoformat(timespec="seconds"), "decision": d.id,
            "application": d.application_id, "month": d.month, "municipality": d.municipality,
            "outcome": d.outcome, "pack": d.pack_id, "guideline": d.guideline_id,
        }
        for d in s.execute(q.limit(page_size)).scalars()
    ]
    hidden = s.execute(select(func.count()).select_from(_filtered(filters, True)[0].subquery())).scalar_one()
    return rows, int(hidden)
