"""The "why not" notices changed decision bytes: a decision recorded before them replays as "different
because the code changed" — and the same difference under the same code version is flagged."""

from __future__ import annotations

import dataclasses

from adapters.driven.db.audit_store import replay_one, verify
from adapters.driven.db.models import Decision
from audit.replay import DIFFERENT_CODE_CHANGED, DIFFERENT_SAME_CODE, IDENTICAL
from decision.basis import build_basis
from decision.pipeline import Decided
from rules.version import code_version
from tests.decide import receive, save_decision
from tests.integration.conftest import EXAMPLES, TestDatabase, load_bundle

REJECT = EXAMPLES / "13-sick-leave-income-covers-norm.json"
PARTIAL = EXAMPLES / "03-couple-unemployment-benefit-rent-above-cap.json"
BEFORE = "0.1.0+bf24184c0de0ld00"  # a code version from before rules/why_not.py existed


def as_recorded_before_why_not(decided: Decided) -> Decided:
    """The decision the code before this change made: the same trace without the why-not notices."""
    trace = tuple(s for s in decided.evaluation.trace if not s.rule.startswith("why_not."))
    assert len(trace) < len(decided.evaluation.trace)
    evaluation = dataclasses.replace(decided.evaluation, trace=trace)
    return Decided(decided.bundle, evaluation, build_basis(decided.bundle, evaluation))


def test_a_decision_from_before_the_why_not_notices_replays_as_code_changed_not_as_tampering(
    database: TestDatabase,
) -> None:
    store = database.store
    ids: dict[str, str] = {}
    for name, path, version in (("old", REJECT, BEFORE), ("forged", PARTIAL, code_version())):
        bundle = load_bundle(path)
        stored = receive(store, bundle, "user:test")
        now = database.pipeline.evaluate(bundle)
        codes = {f.code for f in now.basis.findings}
        assert codes & {"why_not.reject", "why_not.cost_reduced"}, codes
        old = as_recorded_before_why_not(now)
        assert old.basis.canonical_json() != now.basis.canonical_json()
        ids[name], _ = save_decision(store, stored, old, "user:test", version)
    with database.db.read() as s:
        results = {
            name: replay_one(s, database.pipeline, s.get(Decision, i), code_version()) for name, i in ids.items()
        }
        assert verify(s).ok  # the audit chain itself is intact: nothing was tampered with
    assert results["old"].verdict == DIFFERENT_CODE_CHANGED, results["old"]
    assert BEFORE in results["old"].detail and code_version() in results["old"].detail
    # the same bytes recorded under today's code version would be something to investigate
    assert results["forged"].verdict == DIFFERENT_SAME_CODE, results["forged"]
    proc = database.cli("audit", "replay", "--from", "2023-01", "--to", "2026-12")
    verdicts = {line.split()[0]: line.split()[1].rstrip(":") for line in proc.stdout.strip().splitlines()[:-1]}
    assert verdicts == {ids["old"]: DIFFERENT_CODE_CHANGED, ids["forged"]: DIFFERENT_SAME_CODE}, proc.stdout


def test_a_decision_made_with_the_notices_replays_identically(database: TestDatabase) -> None:
    out = database.decide(REJECT)
    reasons = [f.reason for f in out.decided.basis.findings if f.code == "why_not.reject"]
    assert len(reasons) == 1 and "högre än riksnormen och de godtagna kostnaderna" in reasons[0]
    with database.db.read() as s:
        assert replay_one(s, database.pipeline, s.get(Decision, out.decision_id), code_version()).verdict == IDENTICAL
