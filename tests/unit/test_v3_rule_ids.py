"""Every rule id the v3 evaluator can emit is declared in each v3 pack's manifest (issue 15, /2 defects).

``Context.line`` refuses a rule the manifest lacks (a RulesError that stops the case), so a rule id the
evaluator can build but a manifest does not declare is a decision that fails for one household shape —
as ``norm.personal.young_adult_part_month`` did for a young adult at school living at home part of the
month. Two checks:

* statically: every id rules/evaluator/bundle2*.py (and the income lines it calls) can pass to
  ``ctx.line``, and every rule id it compares a step's ``rule`` with, resolved from the source — literal
  ids, names assigned literals and then suffixed (``rule += "_part_month"``), f-strings over an enum —
  is declared in each v3 manifest, lines as ``kind: line``;
* by property: valid generated /2 bundles (tests/strategies_v2.py) decide under the v3 packs without a
  RulesError.
"""

from __future__ import annotations

import ast
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from decision.bundle import CostKind, IncomeKind
from decision.pipeline import Pipeline
from decision.ports import EarlierDecision
from decision.validation import parse_bundle
from rules.catalog import Catalog
from tests.strategies_v2 import valid_bundles_v2

EVALUATOR = Path(__file__).resolve().parents[2] / "rules" / "evaluator"
V3_PACKS = ("sol2001_453_v3", "sol2025_400_v3")
V3_PUBLISHED = date(2026, 12, 4)
WITHOUT_LUNCH_PARAMS = "riksnorm.personal_without_lunch."
# f-string rule ids: the prefix and the enum its one placeholder ranges over
ENUM_OF_PREFIX: dict[str, list[str]] = {
    "cost.": [k.value for k in CostKind],
    "income.": [k.value for k in IncomeKind],
}


def _sources() -> list[Path]:
    # bundle2*.py and incomes.py, whose income_lines decide_v3 calls (its other line helpers are the
    # pack's own adjustments, checked by rules/evaluator/lines.py at run time)
    return [*sorted(EVALUATOR.glob("bundle2*.py")), EVALUATOR / "incomes.py"]


def _values_of_name(func: ast.AST, name: str) -> set[str]:
    """What a local ``name`` can hold: the literals assigned to it, each also with every literal suffix."""
    bases: set[str] = set()
    suffixes: list[str] = []
    for node in ast.walk(func):
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            bases |= _literals(node.value, func)
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name) and node.target.id == name:
            assert isinstance(node.op, ast.Add), ast.unparse(node)
            suffixes.extend(_literals(node.value, func))
    assert bases, f"cannot resolve the rule id held by {name!r}"
    return bases | {b + s for b in bases for s in suffixes}


def _literals(node: ast.expr, func: ast.AST) -> set[str]:
    """Every string ``node`` can evaluate to (the test fails on an expression it cannot resolve)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _literals(node.body, func) | _literals(node.orelse, func)
    if isinstance(node, ast.Name):
        return _values_of_name(func, node.id)
    if isinstance(node, ast.JoinedStr):
        parts = node.values
        if (len(parts) == 2 and isinstance(parts[0], ast.Constant) and isinstance(parts[1], ast.FormattedValue)
                and str(parts[0].value) in ENUM_OF_PREFIX):
            prefix = str(parts[0].value)
            return {prefix + v for v in ENUM_OF_PREFIX[prefix]}
    raise AssertionError(f"cannot resolve a rule id from {ast.unparse(node)!r}: teach this test its values")


def emitted_rule_ids() -> tuple[set[str], set[str]]:
    """(line rule ids passed to ``ctx.line``, rule ids compared with a step's or match's ``rule``)."""
    lines: set[str] = set()
    compared: set[str] = set()
    for path in _sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for func in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)):
            for node in ast.walk(func):
                if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "line"
                        and isinstance(node.func.value, ast.Name) and node.func.value.id == "ctx"):
                    lines |= _literals(node.args[0], func)
                if (isinstance(node, ast.Compare) and isinstance(node.left, ast.Attribute)
                        and node.left.attr == "rule"):
                    for right in node.comparators:
                        compared |= _literals(right, func)
    return lines, compared


def test_the_collector_sees_the_v3_lines_built_from_parts() -> None:
    lines, compared = emitted_rule_ids()
    assert {"norm.personal.young_adult_part_month", "norm.personal.child_without_lunch_part_month",
            "norm.personal.child_part_month", "cost.glasses", "income.salary", "income.earlier_decision",
            "norm.shared_dwelling", "result.proposed"} <= lines
    assert {"eligibility.jobbstimulans", "household.young_adult_separate", "norm.adjustment"} <= compared


@pytest.mark.parametrize("pack_id", V3_PACKS)
def test_every_rule_id_the_v3_evaluator_can_emit_is_in_the_manifest(pack_id: str) -> None:
    pack = Catalog().packs[pack_id]
    lines, compared = emitted_rule_ids()
    if not any(p.values for k, p in pack.parameters.items() if k.startswith(WITHOUT_LUNCH_PARAMS)):
        # the lunch-less lines need a value of the pack's "utan lunch" amounts (2026 onwards): without one, the
        # evaluator shows the full amount with norm.preschool_lunch_unknown instead, so they cannot occur
        lines = {r for r in lines if "without_lunch" not in r}
        assert "norm.preschool_lunch_unknown" in pack.rules
    missing_lines = sorted(r for r in lines if r not in pack.rules or pack.rules[r].kind != "line")
    missing = sorted(r for r in compared if r not in pack.rules)
    assert missing_lines == [], f"{pack_id}: line rules the evaluator can emit, not declared as lines"
    assert missing == [], f"{pack_id}: rules the evaluator looks for, not in the manifest"


BOUNDED = settings(
    max_examples=60, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)


@BOUNDED
@given(bundle=valid_bundles_v2())
def test_any_valid_v2_bundle_decides_under_the_v3_packs(pipeline: Pipeline, bundle: dict[str, Any]) -> None:
    """No RulesError (nor anything else) for a valid /2 bundle; the amounts add up to the lines."""
    sealed = pipeline.seal(parse_bundle(json.dumps(bundle, ensure_ascii=False)))
    earlier = None
    if bundle["application"]["kind"] == "supplementary":
        earlier = EarlierDecision("D-1", bundle["application"]["month"], 123_456,
                                  datetime(2026, 1, 2, 10, 0, tzinfo=UTC))
    basis = pipeline.evaluate(sealed, as_of=V3_PUBLISHED, earlier=earlier).basis
    data = basis.to_json_dict()
    assert data["rules"]["pack"] in V3_PACKS, data["rules"]
    assert data["schema"] == "finaid.decision-basis/2"

    def ore(text: str) -> int:
        return int(text.replace(".", ""))

    def line_sum(prefix: str) -> int:
        return sum(ore(x["amount"]) for x in data["lines"] if x["rule"].startswith(prefix))

    a = data["amounts"]
    assert ore(a["norm"]) == line_sum("norm.")
    assert ore(a["costs_accepted"]) == line_sum("cost.")
    assert ore(a["proposed"]) == max(0, ore(a["norm"]) + ore(a["costs_accepted"]) - ore(a["income_counted"]))
