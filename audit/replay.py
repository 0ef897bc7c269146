"""``finaid audit replay``: decide a sealed bundle again with its pinned pack and guideline.

The pack and guideline are found by hash among the installed packages and ``$FINAID_RULES_DIR``; a
missing one is a failure, never a fallback to "the current one". The canonical JSON of the new basis
is compared with the stored one. Deciding again is the use case's (decision/services/replaying.py);
judging the bytes is here.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import Protocol

from decision.basis import canonical_json
from decision.pipeline import Pipeline
from decision.ports import EarlierDecision
from decision.services.replaying import Replayed, replay_pinned
from decision.uow import PinnedDecision

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


def verdict(replayed: Replayed, code_version: str) -> ReplayResult:
    """Compare a replayed basis (decision/services/replaying.py) byte for byte with the stored one."""
    decision = replayed.decision
    if decision.basis_json is None:
        return ReplayResult(decision.id, PURGED, "personal content purged: nothing to replay")
    if replayed.error is not None:
        return ReplayResult(decision.id, FAILED, replayed.error)
    if replayed.basis is None:
        return ReplayResult(decision.id, FAILED, "the sealed bundle is missing")
    if replayed.basis == canonical_json(json.loads(decision.basis_json)):
        return ReplayResult(decision.id, IDENTICAL)
    if decision.code_version == code_version:
        return ReplayResult(decision.id, DIFFERENT_SAME_CODE, "same pack, guideline and code: investigate")
    return ReplayResult(
        decision.id, DIFFERENT_CODE_CHANGED, f"recorded with {decision.code_version}, now {code_version}"
    )


def replay(pipeline: Pipeline, decision: StoredDecision, bundle_json: str | None, code_version: str,
           earlier: EarlierDecision | None = None) -> ReplayResult:
    """Decide the stored sealed bundle again with the decision's pinned pack and guideline (and, for a
    supplementary application, the earlier decision stored with it); compare bytes."""
    pinned = PinnedDecision(decision.id, decision.pack_hash, decision.guideline_hash, decision.code_version,
                            decision.basis_json, bundle_json, earlier)
    return verdict(replay_pinned(pipeline, pinned), code_version)


def summarise(results: list[ReplayResult]) -> Counter[str]:
    return Counter(r.verdict for r in results)
