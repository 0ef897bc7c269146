"""``finaid audit replay``: decide a sealed bundle again with its pinned pack and guideline.

The pack and guideline are found by hash among the installed packages and ``$FINAID_RULES_DIR``; a
missing one is a failure, never a fallback to "the current one". The canonical JSON of the new basis
is compared with the stored one.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import Protocol

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


class StoredDecision(Protocol):
    id: str
    basis_json: str | None
    pack_hash: str
    guideline_hash: str
    code_version: str


def replay(pipeline: Pipeline, decision: StoredDecision, bundle_json: str | None, code_version: str) -> ReplayResult:
    """Decide the stored sealed bundle again with the decision's pinned pack and guideline; compare bytes."""
    if decision.basis_json is None:
        return ReplayResult(decision.id, PURGED, "personal content purged: nothing to replay")
    if bundle_json is None:
        return ReplayResult(decision.id, FAILED, "the sealed bundle is missing")
    try:
        bundle = parse_bundle(bundle_json)
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



def summarise(results: list[ReplayResult]) -> Counter[str]:
    return Counter(r.verdict for r in results)
