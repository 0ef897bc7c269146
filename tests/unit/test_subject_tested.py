"""Subject facts carry only what a ruleset's conditions name (rules/evaluator/subject.py, issue 17).

A kind no rule of the ruleset tests joins no subject fact, and an attribute no condition names (tested or
compared against) is left out: the engine cannot match on what no condition reads. Checked here on the
collection itself, and end to end: every example and generated household decides byte-identically, with
the same rules fired, whether the subject facts carry everything (as before) or only what is tested — over
fewer or equally many facts.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings

from decision.basis import build_basis
from decision.validation import parse_bundle
from rules.catalog import Catalog
from rules.engine import Match, RuleEngine
from rules.evaluator import PackEvaluator
from rules.evaluator import subject as subject_module
from tests.strategies import valid_bundles
from tests.strategies_v2 import valid_bundles_v2

ROOT = Path(__file__).resolve().parents[2]
MANY = settings(
    max_examples=60, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)


def test_the_attributes_compared_against_are_kept_and_untested_ones_left_out() -> None:
    rules: dict[str, dict[str, Any]] = {
        "registry.stale": {"all": [
            {"p": {"params__t": "params"}},
            {"a": {"$and": [{"answer__t": "answer"}, {"$gt": {"answer__age_s": {"p": "params__stale_after_s"}}}]}},
        ]},
        "cost.cap": {"all": [{"m": {"$and": [
            {"cost__t": "cost"}, {"$gte": {"cost__cap": 0}}, {"$gt": {"cost__claimed": {"$m": "cost__cap"}}},
        ]}}]},
    }
    tested = subject_module.tested_attributes(rules)
    assert tested == {
        "params": (("t", "params__t"), ("stale_after_s", "params__stale_after_s")),
        "answer": (("t", "answer__t"), ("age_s", "answer__age_s")),
        "cost": (("t", "cost__t"), ("cap", "cost__cap"), ("claimed", "cost__claimed")),
    }
    facts: list[dict[str, Any]] = [
        {"t": "params", "stale_after_s": 86400, "jobb_period": 6},
        {"t": "answer", "person": "applicant", "status": "ok", "age_s": 5},
        {"t": "labour", "person": "applicant", "status": "studying"},  # no rule tests labour: left out
        {"t": "answer", "person": "applicant", "status": "missing", "age_s": 0},
        {"t": "cost", "kind": "rent", "claimed": 5, "cap": 3},
    ]
    subjects, behind = subject_module.tested_subject_facts(facts, tested)
    assert subjects == [
        {"t": "settings", "params__t": "params", "params__stale_after_s": 86400},
        {"t": "person", "subject": "applicant", "answer__t": "answer", "answer__age_s": 5},
        {"t": "person", "subject": "applicant", "answer__t": "answer", "answer__age_s": 0},
        {"t": "household", "cost__t": "cost", "cost__cap": 3, "cost__claimed": 5},
    ]
    assert behind == [{"params": 0}, {"answer": 1}, {"answer": 3}, {"cost": 4}]


def test_a_condition_on_an_attribute_outside_the_kind_form_keeps_everything() -> None:
    assert subject_module.tested_attributes({"x.y": {"all": [{"m": {"t": "person"}}]}}) is None


def test_the_published_subject_packs_test_only_kind_attributes() -> None:
    catalog = Catalog()
    for pack in catalog.packs.values():
        if pack.manifest.get("fact_shape") == "subject":
            for name, rules in pack.rulesets.items():
                assert subject_module.tested_attributes(rules) is not None, (pack.id, name)


class _Everything(dict[str, Any]):
    """In place of the per-ruleset collection: every ruleset keeps every kind and attribute (as before)."""

    def __getitem__(self, key: str) -> None:
        return None


class _Counting(RuleEngine):
    def __init__(self) -> None:
        super().__init__()
        self.asserted = 0
        self.fired: list[str] = []

    def run(self, name: str, facts: Iterable[dict[str, Any]]) -> list[Match]:
        given_ = list(facts)
        self.asserted += len(given_)
        matches = super().run(name, given_)
        self.fired.extend(sorted(m.rule for m in matches))
        return matches


CATALOG = Catalog()
TESTED_ENGINE = _Counting()
TESTED = PackEvaluator(CATALOG, engine=TESTED_ENGINE)
FULL_ENGINE = _Counting()
FULL = PackEvaluator(CATALOG, engine=FULL_ENGINE)


@contextmanager
def _everything() -> Iterator[None]:
    with mock.patch.object(subject_module, "_TESTED", _Everything()):
        yield


def _decide(evaluator: PackEvaluator, engine: _Counting, text: str) -> tuple[str, int, list[str]]:
    bundle = parse_bundle(text)
    before, fired = engine.asserted, len(engine.fired)
    try:
        basis = build_basis(bundle, evaluator.evaluate(bundle)).canonical_json().decode("utf-8")
    except Exception as e:  # noqa: BLE001 - both must fail alike, with the same message
        basis = f"{type(e).__name__}: {e}"
    return basis, engine.asserted - before, engine.fired[fired:]


def _same(text: str) -> None:
    pack = CATALOG.pack_for(parse_bundle(text).application.month)
    assert pack.manifest.get("fact_shape") == "subject", pack.id  # the newest packs are subject-shaped
    tested = _decide(TESTED, TESTED_ENGINE, text)
    with _everything():
        full = _decide(FULL, FULL_ENGINE, text)
    assert tested[0] == full[0]
    assert tested[2] == full[2]
    assert tested[1] <= full[1]


@pytest.mark.parametrize("file", sorted((ROOT / "examples" / "bundles").glob("*.json")), ids=lambda f: f.stem)
def test_each_example_decides_identically_over_the_tested_attributes(file: Path) -> None:
    _same(file.read_text(encoding="utf-8"))


@MANY
@given(bundle=valid_bundles())
def test_any_v1_bundle_decides_identically_over_the_tested_attributes(bundle: dict[str, Any]) -> None:
    _same(json.dumps(bundle, ensure_ascii=False))


@MANY
@given(bundle=valid_bundles_v2())
def test_any_v2_bundle_decides_identically_over_the_tested_attributes(bundle: dict[str, Any]) -> None:
    _same(json.dumps(bundle, ensure_ascii=False))
