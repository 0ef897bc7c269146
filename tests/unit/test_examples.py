"""The shipped demo households (examples/bundles): each decides, and together they show everything.

Together the examples must produce every outcome and every finding code the rule packs' manifests
define, with both packs in use, so the demo (``finaid demo run``) walks a handler through every kind
of proposal finaid can make. The codes are read from the manifests, not listed here: a new finding
in a pack needs a new (or extended) example.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
import yaml

from decision import personnummer as pnr
from decision.money import parse_kronor
from decision.pipeline import Decided, Pipeline
from decision.validation import parse_bundle

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples" / "bundles").glob("*.json"))
MANIFESTS = sorted((ROOT / "rules" / "packs").glob("*/manifest.yaml"))
OUTCOMES = ("GRANT", "PARTIAL", "REJECT", "MANUAL")
NAME = re.compile(r"^\d{2}-[a-z0-9]+(-[a-z0-9]+)*\.json$")


def manifest_finding_codes() -> dict[str, set[str]]:
    """Every finding code each pack's manifest defines (its rules' ``code:`` fields)."""
    out: dict[str, set[str]] = {}
    for file in MANIFESTS:
        manifest = yaml.safe_load(file.read_text(encoding="utf-8"))
        out[str(manifest["id"])] = {
            str(rule["code"]) for rule in (manifest.get("rules") or {}).values() if rule.get("code")
        }
    return out


# The day before the `_v2` packs and `default_v2` were published (2026-12-03): the examples decided then
# use the `_v1` packs, which every stored decision of that time pins (docs/rule-lifecycle.md).
BEFORE_V2 = date(2026, 12, 2)
BEFORE_V3 = date(2026, 12, 3)  # the _v2 packs
V3_FROM = date(2026, 12, 4)  # the _v3 packs (case bundle /2) and default_v3
V4_FROM = date(2026, 12, 5)  # the _v4 packs (subject facts, issue 17: v3's decisions over fewer engine facts)

# Finding codes the shipped example guideline cannot produce for any household: the proposal's total limit
# (60 000 kr a month in `default_v2`) is above what the riksnorm, the rent cap and the capped costs can add
# up to. Each has its own scenario tests with a municipality's lower limit (rules/packs/*_v2/tests/plausibility.yaml).
ONLY_WITH_A_MUNICIPALITYS_OWN_LIMITS = {"proposal.above_limit"}
# the _v3 findings only a case bundle /2 can reach (the examples are /1); each is in the v3 packs'
# scenario tests (tests/bundle2.yaml) and tests/unit/test_scenarios_bundle2.py
ONLY_WITH_CASE_BUNDLE_2 = {
    "application.supplementary", "supplementary.lower_total", "cost.living_above_cap", "cost.living_counted",
    "cost.living_no_level", "cost.living_undocumented", "health.data", "household.child_part_month",
    "jobbstimulans.new_period", "norm.adjustment", "cost.rent_adjustment_period",
    # reachable with /1 but no example has a child's assets or a child's salary above the prisbasbelopp
    # (the night's synthetic households do: see the CHANGELOG's impact for the _v3 packs)
    "assets.child", "child_income.above_prisbasbelopp",
}


@pytest.fixture(scope="module")
def decided(pipeline: Pipeline) -> dict[str, Decided]:
    """Each example decided as of today, and as of the days before `_v2` and `_v3` and from `_v4` (`name@<day>`)."""
    out = {file.name: pipeline.decide(parse_bundle(file.read_bytes())) for file in EXAMPLES}
    for day in (BEFORE_V2, BEFORE_V3, V3_FROM, V4_FROM):
        out |= {f"{file.name}@{day}": pipeline.decide(parse_bundle(file.read_bytes()), as_of=day)
                for file in EXAMPLES}
    return out


def test_there_are_about_a_dozen_examples_named_by_number_and_description() -> None:
    assert 10 <= len(EXAMPLES) <= 20
    assert EXAMPLES[0].name == "01-worked-example-couple-two-children.json"
    for file in EXAMPLES:
        assert NAME.match(file.name), f"{file.name}: expected NN-short-english-description.json"
    numbers = [file.name[:2] for file in EXAMPLES]
    assert len(set(numbers)) == len(numbers), "two examples share a number"


@pytest.mark.parametrize("file", EXAMPLES, ids=[f.stem for f in EXAMPLES])
def test_example_decides_with_a_consistent_basis(pipeline: Pipeline, file: Path) -> None:
    bundle = parse_bundle(file.read_bytes())
    basis = pipeline.decide(bundle).basis
    assert basis.application_id == bundle.application.id
    assert basis.outcome in OUTCOMES
    a = basis.amounts
    norm, costs, income = parse_kronor(a.norm), parse_kronor(a.costs_accepted), parse_kronor(a.income_counted)
    assert parse_kronor(a.proposed) == max(0, norm + costs - income)
    fact_ids = {f.id for f in basis.facts}
    for inputs in [x.inputs for x in basis.lines] + [x.inputs for x in basis.findings]:
        assert set(inputs) <= fact_ids
    manual = any(f.severity == "manual" for f in basis.findings)
    assert (basis.outcome == "MANUAL") == manual
    text = basis.to_json()
    for member in bundle.application.household:
        assert member.personnummer not in text, "a decision basis names people by role, never by number"


@pytest.mark.parametrize("file", EXAMPLES, ids=[f.stem for f in EXAMPLES])
def test_example_is_synthetic_and_complete(file: Path) -> None:
    """Valid check digits (parse_bundle checks them), a registry answer set, an application id of its own."""
    bundle = parse_bundle(file.read_bytes())
    assert bundle.registry is not None, "examples carry their registry answers, so the demo needs no network"
    for member in bundle.application.household:
        assert pnr.normalise(member.personnummer) == member.personnummer


def test_application_ids_are_unique() -> None:
    ids = [parse_bundle(f.read_bytes()).application.id for f in EXAMPLES]
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize("day", ["", f"@{V4_FROM}"], ids=["today", "v4"])
def test_worked_example_matches_the_contract(decided: dict[str, Decided], day: str) -> None:
    basis = decided[f"01-worked-example-couple-two-children.json{day}"].basis
    assert basis.outcome == "GRANT"
    assert basis.amounts.model_dump() == {
        "norm": "14170.00",
        "costs_accepted": "8840.00",
        "income_counted": "14650.00",
        "proposed": "8360.00",
    }


def test_examples_cover_every_outcome(decided: dict[str, Decided]) -> None:
    seen = {d.basis.outcome for d in decided.values()}
    assert seen == set(OUTCOMES), f"no example decides as {sorted(set(OUTCOMES) - seen)}"


def test_examples_use_every_rule_pack(decided: dict[str, Decided]) -> None:
    used = {d.basis.rules.pack for d in decided.values()}
    assert used == set(manifest_finding_codes()), f"packs without an example: {set(manifest_finding_codes()) - used}"


def test_examples_cover_every_finding_code_of_the_manifests(decided: dict[str, Decided]) -> None:
    defined = set().union(*manifest_finding_codes().values())
    assert defined, "no finding codes found in the manifests"
    assert ONLY_WITH_A_MUNICIPALITYS_OWN_LIMITS <= defined
    defined -= ONLY_WITH_A_MUNICIPALITYS_OWN_LIMITS
    assert ONLY_WITH_CASE_BUNDLE_2 <= defined
    defined -= ONLY_WITH_CASE_BUNDLE_2
    seen = {f.code for d in decided.values() for f in d.basis.findings}
    missing = sorted(defined - seen)
    assert not missing, f"finding codes no example produces: {missing}"
    from rules import why_not  # the "why not" notices are rule code outside the packs

    unknown = sorted(seen - defined - set(why_not.CODES.values()))
    assert not unknown, f"examples produce codes no manifest (or rules/why_not.py) defines: {unknown}"


def test_some_grants_are_clean(decided: dict[str, Decided]) -> None:
    """A clean GRANT: nothing for the handler to judge, only the example-guideline notice."""
    clean = [
        name
        for name, d in decided.items()
        if d.basis.outcome == "GRANT" and {f.code for f in d.basis.findings} <= {"guideline.example"}
    ]
    assert len(clean) >= 2, clean
