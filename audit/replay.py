"""``finaid audit replay``: decide a sealed bundle again with its pinned pack and guideline.

The pack and guideline are found by hash among the installed packages and ``$FINAID_RULES_DIR``; a
missing one is a failure, never a fallback to "the current one". The canonical JSON of the new basis
is compared with the stored one.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from adapters.driven.db.models import Decision, Revision
from decision.basis import canonical_json
from decision.errors import FinaidError
from decision.pipeline import Pipeline
from decision.validation import parse_bundle

IDENTICAL = "identical"
DIFFERENT_SAME_CODE = "different_same_code"
DIFFERENT_CODE_CHANGED = "different_code_changed"
FAILED = "failed"
PURGED = "purged"


@dataclass(frozen=True)
class ReplayResult:
    decision_id: str
    verdict: str
    detail: str = ""


def replay_one(s: Session, pipeline: Pipeline, decision: Decision, code_version: str) -> ReplayResult:
    if decision.basis_json is None:
        return ReplayResult(decision.id, PURGED, "personal content purged: nothing to replay")
    revision = s.get(Revision, decision.revision_id)
    if revision is None or revision.bundle_json is None:
        return ReplayResult(decision.id, FAILED, "the sealed bundle is missing")
    try:
        bundle = parse_bundle(revision.bundle_json)
        decided = pipeline.evaluate(bundle, decision.pack_hash, decision.guideline_hash)
    except FinaidError as e:
        return ReplayResult(decision.id, FAILED, str(e))
    stored = canonical_json(json.loads(decision.basis_json))
    if decided.basis.canonical_json() == stored:
        return ReplayResult(decision.id, IDENTICAL)
    if decision.code_version == code_version:
        return ReplayResult(decision.id, DIFFERENT_SAME_CODE, "same pack, guideline and code: investigate")
    return ReplayResult(
        decision.id, DIFFERENT_CODE_CHANGED, f"recorded with {decision.code_version}, now {code_version}"
    )


def decisions_between(s: Session, month_from: str, month_to: str) -> Iterator[Decision]:
    q = (
        select(Decision)
        .where(Decision.month >= month_from, Decision.month <= month_to)
        .order_by(Decision.decided_at, Decision.id)
        .execution_options(yield_per=500)
    )
    yield from s.execute(q).scalars()


def summarise(results: list[ReplayResult]) -> Counter[str]:
    return Counter(r.verdict for r in results)
