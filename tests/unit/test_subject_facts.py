"""The `_v4` packs (``fact_shape: subject``) decide exactly as the `_v3` packs, over far fewer engine facts.

Issue 17: one engine fact per subject (rules/evaluator/subject.py) instead of one per attribute group,
the rules still matched by the engine. Every generated household (case bundle /1 and /2, supplementary
applications with their earlier decision) is decided under v3 and under v4 with the same guideline; the
canonical basis JSON — amounts, findings, reasons, the trace with its rule ids and citations, the facts —
must be byte-identical once the pack's id and hash are put back to v3's.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from decision.basis import build_basis
from decision.bundle import CaseBundle
from decision.errors import RulesError
from decision.ports import EarlierDecision
from decision.validation import parse_bundle
from rules.catalog import Catalog, RulePack
from rules.engine import Match, RuleEngine
from rules.evaluator import PackEvaluator
from rules.evaluator.subject import rule_kinds, subject_facts, uses_subjects
from tests.strategies import valid_bundles
from tests.strategies_v2 import valid_bundles_v2

ROOT = Path(__file__).resolve().parents[2]
PAIRS = {"sol2001_453_v3": "sol2001_453_v4", "sol2025_400_v3": "sol2025_400_v4"}
MANY = settings(
    max_examples=80, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)


class CountingEngine(RuleEngine):
    """The real engine, counting the facts each ruleset run was given."""

    def __init__(self) -> None:
        super().__init__()
        self.asserted = 0
        self.fired = 0

    def run(self, name: str, facts: Iterable[dict[str, Any]]) -> list[Match]:
        given_ = list(facts)
        self.asserted += len(given_)
        matches = super().run(name, given_)
        self.fired += len(matches)
        return matches


CATALOG = Catalog()
V3_DAY = CATALOG.packs["sol2025_400_v3"].published_at
ENGINE = CountingEngine()
EVALUATOR = PackEvaluator(CATALOG, engine=ENGINE)


def _earlier(bundle: CaseBundle) -> EarlierDecision | None:
    app = bundle.application
    if app.kind != "supplementary":
        return None
    return EarlierDecision("D-1", app.month, 123_456, datetime(2026, 1, 2, 10, 0, tzinfo=UTC))


def decide(bundle: CaseBundle, pack: RulePack) -> tuple[str, int, int]:
    """The canonical basis JSON with the pack's id and hash neutral (or the error), facts asserted, rules fired."""
    guideline = CATALOG.guideline_for(bundle.application.municipality, V3_DAY)  # the same for v3 and v4
    before = ENGINE.asserted, ENGINE.fired
    try:
        evaluation = EVALUATOR.evaluate_with(bundle, pack, guideline, _earlier(bundle))
        text = build_basis(bundle, evaluation).canonical_json().decode("utf-8")
    except Exception as e:  # noqa: BLE001 - v3 and v4 must fail alike, with the same message
        text = f"{type(e).__name__}: {e}"
    text = text.replace(pack.hash, "<hash>").replace(pack.id, "<pack>")
    return text, ENGINE.asserted - before[0], ENGINE.fired - before[1]


def v3_and_v4(text: str) -> tuple[tuple[str, int, int], tuple[str, int, int]]:
    bundle = parse_bundle(text)
    v3 = CATALOG.pack_for(bundle.application.month, V3_DAY)
    assert v3.id in PAIRS, v3.id
    return decide(bundle, CATALOG.packs[v3.id]), decide(bundle, CATALOG.packs[PAIRS[v3.id]])


def test_the_v4_packs_are_published_subject_shaped_and_v3s_figures() -> None:
    for old, new in PAIRS.items():
        v3, v4 = CATALOG.packs[old], CATALOG.packs[new]
        assert v4.published and uses_subjects(v4) and not uses_subjects(v3)
        assert (v4.month_from, v4.month_to) == (v3.month_from, v3.month_to)
        assert v4.parameters == v3.parameters
        assert v4.legal_refs == v3.legal_refs
        assert v4.rules == v3.rules
        assert {k: sorted(r) for k, r in v4.rulesets.items()} == {k: sorted(r) for k, r in v3.rulesets.items()}


@pytest.mark.parametrize("file", sorted((ROOT / "examples" / "bundles").glob("*.json")), ids=lambda f: f.stem)
def test_each_example_decides_identically_over_fewer_facts(file: Path) -> None:
    (b3, facts3, fired3), (b4, facts4, fired4) = v3_and_v4(file.read_text(encoding="utf-8"))
    assert b4 == b3
    assert fired4 == fired3
    assert facts4 < facts3


def _same_under_v3_and_v4(bundle: dict[str, Any]) -> None:
    (b3, facts3, fired3), (b4, facts4, fired4) = v3_and_v4(json.dumps(bundle, ensure_ascii=False))
    assert b4 == b3
    assert fired4 == fired3
    assert facts4 <= facts3


@MANY
@given(bundle=valid_bundles())
def test_any_valid_v1_bundle_decides_identically_under_v3_and_v4(bundle: dict[str, Any]) -> None:
    _same_under_v3_and_v4(bundle)


@MANY
@given(bundle=valid_bundles_v2())
def test_any_valid_v2_bundle_decides_identically_under_v3_and_v4(bundle: dict[str, Any]) -> None:
    _same_under_v3_and_v4(bundle)


def test_every_v3_fact_is_in_exactly_one_subject_fact_with_its_attributes() -> None:
    facts: list[Mapping[str, Any]] = [
        {"t": "params", "stale_after_s": 1},
        {"t": "guideline", "tolerance": 2, "example": True},
        {"t": "case", "kind": "first"},
        {"t": "answer", "person": "applicant", "status": "ok"},
        {"t": "labour", "person": "applicant", "status": "studying"},
        {"t": "answer", "person": "applicant", "status": "missing"},
        {"t": "cost", "kind": "rent", "claimed": 5, "cap": 3},
        {"t": "cost", "kind": "union_fee", "claimed": 1, "cap": -1},
    ]
    subjects, behind = subject_facts(facts)
    assert [s["t"] for s in subjects] == ["settings", "household", "person", "person", "household"]
    assert sorted(i for b in behind for i in b.values()) == list(range(len(facts)))
    assert subjects[0] == {"t": "settings", "params__t": "params", "params__stale_after_s": 1,
                           "guideline__t": "guideline", "guideline__tolerance": 2, "guideline__example": True}
    assert subjects[2] == {"t": "person", "subject": "applicant", "answer__t": "answer", "answer__status": "ok",
                           "labour__t": "labour", "labour__status": "studying"}
    assert behind[3] == {"answer": 5}
    assert behind[4] == {"cost": 7}


def test_a_rule_joining_two_kinds_that_may_share_a_subject_is_refused() -> None:
    above = {"$gt": {"assets__total": {"g": "guideline__asset_buffer"}}}
    ok = {"all": [{"g": {"guideline__t": "guideline"}}, {"a": {"$and": [{"assets__t": "assets"}, above]}}]}
    assert rule_kinds("assets.above_buffer", ok) == {"guideline", "assets"}
    same_subject = {"all": [{"a": {"answer__t": "answer"}}, {"b": {"labour__t": "labour"}}]}
    with pytest.raises(RulesError, match="joins"):
        rule_kinds("x.y", same_subject)
    two_kinds = {"all": [{"a": {"$and": [{"answer__t": "answer"}, {"labour__status": "missing"}]}}]}
    with pytest.raises(RulesError, match="exactly one kind"):
        rule_kinds("x.z", two_kinds)


def test_an_unknown_fact_shape_names_the_pack_and_the_setting() -> None:
    v4 = CATALOG.packs["sol2025_400_v4"]
    odd = type(v4)(**{**{f: getattr(v4, f) for f in v4.__dataclass_fields__}, "manifest": {"fact_shape": "rows"}})
    with pytest.raises(RulesError, match="sol2025_400_v4: fact_shape 'rows'"):
        uses_subjects(odd)
