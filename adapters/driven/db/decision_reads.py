"""The decisions' reads for replay, impact analysis and supplementary applications (``decision.uow.Decisions``:
``pinned``, ``between``, ``current``, ``signed_for_month``), mixed into ``SqlDecisions``
(adapters/driven/db/repositories.py) in the unit of work's session."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from adapters.driven.db.impact_reads import applications, case_of, cases_count, current_query, earlier_of
from adapters.driven.db.models import Application, Decision, DecisionEarlier, Revision, SignOff
from decision.money import parse_sum
from decision.ports import EarlierDecision
from decision.uow import ImpactCase, PinnedDecision


class DecisionReads:
    s: Session

    def pinned(self, decision_ids: Sequence[str]) -> list[PinnedDecision]:
        ids = list(decision_ids)
        if not ids:
            return []
        rows = self.s.execute(
            select(Decision.id, Decision.pack_hash, Decision.guideline_hash, Decision.code_version,
                   Decision.basis_json, Revision.bundle_json, DecisionEarlier.earlier_decision_id,
                   DecisionEarlier.month.label("earlier_month"), DecisionEarlier.total_ore, DecisionEarlier.signed_at)
            .outerjoin(Revision, Revision.id == Decision.revision_id)
            .outerjoin(DecisionEarlier, DecisionEarlier.decision_id == Decision.id)
            .where(Decision.id.in_(ids))
        )
        found = {r.id: PinnedDecision(
            r.id, r.pack_hash, r.guideline_hash, r.code_version, r.basis_json, r.bundle_json, earlier_of(r),
        ) for r in rows}
        return [found[i] for i in ids if i in found]

    def current(self, month_from: str | None, month_to: str | None) -> tuple[list[ImpactCase], int]:
        cases = [case_of(r) for r in self.s.execute(current_query(month_from, month_to))]
        return cases, applications(self.s, month_from, month_to) - len(cases)

    def current_count(self, month_from: str | None, month_to: str | None) -> tuple[int, int]:
        n = cases_count(self.s, month_from, month_to)
        return n, applications(self.s, month_from, month_to) - n

    def current_pages(self, month_from: str | None, month_to: str | None, page: int) -> Iterator[list[ImpactCase]]:
        result = self.s.execute(current_query(month_from, month_to).execution_options(yield_per=page))
        for rows in result.partitions():
            yield [case_of(r) for r in rows]

    def signed_for_month(self, household_key: str, month: str, other_than: str) -> EarlierDecision | None:
        rows = self.s.execute(
            select(Decision.id, SignOff.at, SignOff.record_json)
            .join(Decision, Decision.id == SignOff.decision_id)
            .join(Application, Application.id == Decision.application_id)
            .where(Application.household_key == household_key, Application.id != other_than,
                   Decision.month == month, Decision.superseded_by.is_(None), SignOff.final.is_(True),
                   SignOff.purged_at.is_(None), SignOff.record_json.is_not(None))
            .order_by(SignOff.at, SignOff.id)
        ).all()
        if not rows:
            return None
        total = sum(parse_sum(json.loads(r.record_json)["amounts"]["decided"]) for r in rows)
        last = rows[-1]
        return EarlierDecision(last.id, month, total, last.at)

    def between(self, month_from: str, month_to: str) -> list[str]:
        return list(self.s.execute(
            select(Decision.id).where(Decision.month >= month_from, Decision.month <= month_to)
            .order_by(Decision.decided_at, Decision.id)
        ).scalars())
