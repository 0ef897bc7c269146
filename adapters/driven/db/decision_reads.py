"""The decisions' reads for replay and impact analysis (``decision.uow.Decisions``: ``pinned``, ``between``,
``current``), mixed into ``SqlDecisions`` (adapters/driven/db/repositories.py) in the unit of work's session."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from adapters.driven.db.models import Application, Decision, Revision
from decision.uow import ImpactCase, PinnedDecision


class DecisionReads:
    s: Session

    def pinned(self, decision_ids: Sequence[str]) -> list[PinnedDecision]:
        ids = list(decision_ids)
        if not ids:
            return []
        rows = self.s.execute(
            select(Decision.id, Decision.pack_hash, Decision.guideline_hash, Decision.code_version,
                   Decision.basis_json, Revision.bundle_json)
            .outerjoin(Revision, Revision.id == Decision.revision_id).where(Decision.id.in_(ids))
        )
        found = {r.id: PinnedDecision(r.id, r.pack_hash, r.guideline_hash, r.code_version, r.basis_json,
                                      r.bundle_json) for r in rows}
        return [found[i] for i in ids if i in found]

    def current(self, month_from: str | None, month_to: str | None) -> tuple[list[ImpactCase], int]:
        where: list[ColumnElement[bool]] = [Application.current_decision_id.is_not(None)]
        if month_from:
            where.append(Application.month >= month_from)
        if month_to:
            where.append(Application.month <= month_to)
        q = (
            select(
                Application.id, Application.month, Application.protected, Revision.bundle_json, Decision.basis_json,
                Decision.pack_hash, Decision.guideline_hash,
            )
            .join(Decision, Decision.id == Application.current_decision_id)
            .join(Revision, and_(Revision.id == Decision.revision_id, Revision.id == Application.current_revision_id))
            .where(*where, Decision.basis_json.is_not(None), Revision.bundle_json.is_not(None))
            .order_by(Application.id)
        )
        cases = [ImpactCase(r.id, r.month, bool(r.protected), r.bundle_json, r.basis_json, r.pack_hash,
                            r.guideline_hash) for r in self.s.execute(q)]
        total = self.s.execute(select(func.count()).select_from(Application).where(*where[1:])).scalar_one()
        return cases, int(total) - len(cases)

    def between(self, month_from: str, month_to: str) -> list[str]:
        return list(self.s.execute(
            select(Decision.id).where(Decision.month >= month_from, Decision.month <= month_to)
            .order_by(Decision.decided_at, Decision.id)
        ).scalars())
