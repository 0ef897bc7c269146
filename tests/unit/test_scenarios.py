"""Every scenario test beside every rule pack and draft: law as sentences, checked against the evaluator.

A published pack's scenarios are decided by selection as of its publication date; a draft's with the
draft pinned (drafts are never selected). The coverage test is what makes ``make test`` fail when a
rule has no legal reference, a pack has no scenario tests, or a rule never appears in a trace of its
own pack's tests (``finaid rules coverage`` prints the same table).
"""

from __future__ import annotations

from functools import lru_cache

import pytest

from adapters.driving.lifecycle.coverage import coverage
from adapters.driving.lifecycle.scenarios import Scenario, ScenarioRunner, check, load_scenarios, scenario_packs
from rules.catalog import Catalog, RulePack

CATALOG = Catalog()
PACKS = {p.id: p for p in scenario_packs(CATALOG)}
SCENARIOS = [sc for p in PACKS.values() for sc in load_scenarios(p.folder, p.id)]


@lru_cache(maxsize=1)
def runner() -> ScenarioRunner:
    return ScenarioRunner(CATALOG)


@pytest.mark.parametrize("sc", SCENARIOS, ids=[f"{s.pack}:{s.name}" for s in SCENARIOS])
def test_scenario(sc: Scenario) -> None:
    problems = check(sc, runner().run(PACKS[sc.pack], sc))
    assert not problems, "\n".join(problems)


def test_every_rule_has_a_legal_reference_and_appears_in_a_trace_of_its_own_packs_tests() -> None:
    result = coverage(runner(), list(PACKS.values()))
    assert [p.pack for p in result.packs] == list(PACKS)
    assert not result.problems, "\n".join(result.problems)
    # and the table is not vacuous: every rule of every pack has at least one test named
    for pc in result.packs:
        assert pc.scenarios > 0 and all(r.scenarios for r in pc.rules), pc.pack
    assert all(r.scenarios for r in result.code_rules)


def test_the_coverage_check_catches_a_rule_without_a_test_or_a_legal_reference() -> None:
    import dataclasses

    from rules.catalog import RuleMeta

    pack: RulePack = PACKS["sol2025_400_v1"]
    rules = {
        **pack.rules,
        "norm.never_fires": RuleMeta("norm.never_fires", "line", "riksnorm", "x"),
        "finding.no_reference": RuleMeta("finding.no_reference", "finding", "", "x"),
        "finding.unknown_key": RuleMeta("finding.unknown_key", "finding", "no_such_key", "x"),
    }
    fake = dataclasses.replace(pack, rules=rules, hash="sha256:" + "0" * 64)
    fake.__dict__["_formulas"] = None
    problems = coverage(runner(), [fake]).packs[0].problems
    text = "\n".join(problems)
    assert "rule norm.never_fires never appears in a trace" in text
    assert "rule finding.no_reference has no legal reference" in text
    assert "rule finding.unknown_key cites legal reference 'no_such_key'" in text


def test_scenario_names_are_unique_per_pack() -> None:
    seen: set[tuple[str, str]] = set()
    for sc in SCENARIOS:
        assert (sc.pack, sc.name) not in seen, f"duplicate scenario name {sc.name!r} in {sc.pack}"
        seen.add((sc.pack, sc.name))
