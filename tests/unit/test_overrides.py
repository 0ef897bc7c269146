"""Overrides at sign-off through the rules: the same steps, texts and amounts sign-off computed before.

``_old_compute`` below is a verbatim copy of adapters/driving/web/signoff.py ``compute()`` (with its helpers
``line_group``, ``applied_for`` and ``amount_ore`` from adapters/driven/db/casefile.py) as it was before the
arithmetic moved into the rules (rules/evaluator/overrides.py). It lives ONLY here, as the reference
the new implementation must equal, over every line kind and several overrides at once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from itertools import combinations
from pathlib import Path
from typing import Any

import pytest

from adapters.devtools.synthetic import households
from adapters.driving.lifecycle.asmonth import shift
from decision.basis import COST_PREFIX, DISREGARD_PREFIX, INCOME_PREFIX, NORM_PREFIX, DecisionBasis, Line, build_basis
from decision.bundle import CaseBundle
from decision.errors import InputError, RulesError
from decision.money import format_kr_sv
from decision.overrides import LineOverride, Recomputed
from decision.validation import parse_bundle
from rules.catalog import PACKAGE_DIR, Catalog
from rules.evaluator import PackEvaluator
from rules.evaluator.overrides import recompute
from tests.caseload import seal

ROOT = Path(__file__).resolve().parents[2]
LABELS = {"belopp.faktura": "Enligt faktura", "belopp.annat": "Annat belopp"}


# ------------------------------------------------------------------ the reference: sign-off as it was
@dataclass(frozen=True)
class _Override:
    line: int
    amount_ore: int
    reason_code: str
    motivation: str


def _line_group(rule: str) -> str:
    for prefix, group in ((NORM_PREFIX, "norm"), (COST_PREFIX, "cost"), (INCOME_PREFIX, "income"),
                          (DISREGARD_PREFIX, "disregard")):
        if rule.startswith(prefix):
            return group
    return "result"


def _applied_for(bundle: CaseBundle, line: Line) -> int | None:
    group = _line_group(line.rule)
    app = bundle.application
    total: int | None = None
    for ref in line.inputs:
        parts = ref.strip("/").split("/")
        if len(parts) != 3 or parts[0] != "application" or not parts[2].isdigit():
            continue
        i = int(parts[2])
        if group == "cost" and parts[1] == "costs" and i < len(app.costs):
            total = (total or 0) + app.costs[i].amount
        elif group == "income" and parts[1] == "incomes" and i < len(app.incomes):
            total = (total or 0) + app.incomes[i].amount
    return total


def _ore(text: str) -> int:
    negative = text.startswith("-")
    whole, _, frac = text.lstrip("-").partition(".")
    value = int(whole) * 100 + int((frac or "0").ljust(2, "0")[:2])
    return -value if negative else value


def _step(rule: str, pack: str, inputs: list[str], reason: str, ref: str | None, amount: int) -> dict[str, Any]:
    return {
        "rule": rule, "pack": pack, "kind": "line", "inputs": inputs, "reason": reason, "legal_reference": ref,
        "amount": amount, "code": None, "severity": None, "source": None, "person": None, "value": None,
    }


def _old_compute(bundle: CaseBundle, basis: DecisionBasis, overrides: tuple[_Override, ...],
                 labels: dict[str, str]) -> tuple[list[int], int, int, int, int, int, list[dict[str, Any]]]:
    pack = basis.rules.pack
    by_line = {o.line: o for o in overrides}
    decided: list[int] = []
    norm = costs = income = 0
    applied_costs = 0
    steps: list[dict[str, Any]] = []
    for i, line in enumerate(basis.lines):
        group = _line_group(line.rule)
        amount = _ore(line.amount)
        o = by_line.get(i)
        if o is not None:
            steps.append(_step(
                f"override.{line.rule}", pack, [f"basis:/lines/{i}", f"reason_code:{o.reason_code}"],
                f"Handläggaren har ändrat beloppet från {format_kr_sv(amount)} till {format_kr_sv(o.amount_ore)}: "
                f"{labels.get(o.reason_code, o.reason_code)}.",
                line.legal_reference, o.amount_ore,
            ))
            amount = o.amount_ore
        decided.append(amount)
        if group == "norm":
            norm += amount
        elif group == "cost":
            costs += amount
            claimed = _applied_for(bundle, line)
            applied_costs += claimed if claimed is not None else _ore(line.amount)
        elif group == "income":
            income += amount
        elif group == "disregard":
            income -= amount
    total = max(0, norm + costs - income)
    applied_total = max(0, norm + applied_costs - _ore(basis.amounts.income_counted))
    if steps:
        steps.append(_step(
            "override.result.decided", pack, [f"basis:/lines/{o.line}" for o in overrides],
            f"Beslutat försörjningsstöd: riksnorm {format_kr_sv(norm)} + godtagna kostnader {format_kr_sv(costs)} "
            f"− inkomster {format_kr_sv(income)} = {format_kr_sv(total)}.",
            None, total,
        ))
    for i, line in enumerate(basis.lines):
        if _line_group(line.rule) == "result":
            decided[i] = total
    return decided, norm, costs, income, total, applied_total, steps


# ------------------------------------------------------------------ the cases
@pytest.fixture(scope="module")
def evaluator() -> PackEvaluator:
    return PackEvaluator(Catalog())


@pytest.fixture(scope="module")
def decided(evaluator: PackEvaluator) -> list[tuple[CaseBundle, DecisionBasis]]:
    texts = [f.read_text(encoding="utf-8") for f in sorted((ROOT / "examples" / "bundles").glob("*.json"))]
    texts += [json.dumps(seal(h)) for h in households(45, 99)]
    out = []
    for text in texts:
        bundle = parse_bundle(text)
        out.append((bundle, build_basis(bundle, evaluator.evaluate(bundle))))
        # and with the _v1 packs, selected as of the day before the _v2 packs were published
        out.append((bundle, build_basis(bundle, evaluator.evaluate(bundle, as_of=date(2026, 12, 2)))))
        # and with the _v2 packs (the day before the _v3 packs)
        out.append((bundle, build_basis(bundle, evaluator.evaluate(bundle, as_of=date(2026, 12, 3)))))
        # and with the _v3 packs (the day before the _v4 packs: the same decisions over subject facts)
        out.append((bundle, build_basis(bundle, evaluator.evaluate(bundle, as_of=date(2026, 12, 4)))))
    return out


def _override_sets(basis: DecisionBasis) -> list[tuple[_Override, ...]]:
    """Every line alone (raised, lowered to 0), pairs of lines, and all lines at once (sorted by line)."""
    idx = [i for i, line in enumerate(basis.lines) if _line_group(line.rule) != "result"]
    code = list(LABELS) + ["kod.utan.etikett"]
    sets: list[tuple[_Override, ...]] = [()]
    for n, i in enumerate(idx):
        amount = _ore(basis.lines[i].amount)
        sets.append((_Override(i, amount + 123_45, code[n % 3], "m"),))
        sets.append((_Override(i, 0, code[(n + 1) % 3], "m"),))
    sets += [(_Override(a, 50_00, code[0], "m"), _Override(b, 999_999_99, code[1], "m"))
             for a, b in list(combinations(idx, 2))[:12]]
    sets.append(tuple(_Override(i, 10_00 * (k + 1), code[k % 3], "m") for k, i in enumerate(idx)))
    return sets


def _new(evaluator: PackEvaluator, bundle: CaseBundle, basis: DecisionBasis,
         overrides: tuple[_Override, ...]) -> Recomputed:
    given = tuple(LineOverride(o.line, o.amount_ore, o.reason_code, LABELS.get(o.reason_code, o.reason_code))
                  for o in overrides)
    return evaluator.apply_overrides(bundle, basis, given)


def test_overrides_recompute_exactly_as_sign_off_did(
    evaluator: PackEvaluator, decided: list[tuple[CaseBundle, DecisionBasis]]
) -> None:
    groups_overridden: set[str] = set()
    compared = 0
    for bundle, basis in decided:
        for overrides in _override_sets(basis):
            old = _old_compute(bundle, basis, overrides, LABELS)
            new = _new(evaluator, bundle, basis, overrides)
            assert (list(new.decided), new.norm, new.costs, new.income, new.total, new.applied_total,
                    list(new.steps)) == old, (bundle.application.id, overrides)
            assert json.dumps(list(new.steps), ensure_ascii=False) == json.dumps(old[6], ensure_ascii=False)
            groups_overridden.update(_line_group(basis.lines[o.line].rule) for o in overrides)
            compared += 1
    assert groups_overridden == {"norm", "cost", "income", "disregard"}
    assert compared > 1000
    packs = {basis.rules.pack for _, basis in decided}
    assert packs == {"sol2001_453_v1", "sol2025_400_v1", "sol2001_453_v2", "sol2025_400_v2",
                     "sol2001_453_v3", "sol2025_400_v3", "sol2001_453_v4", "sol2025_400_v4"}


def test_a_negative_adjustment_line_is_overridden_like_any_other(evaluator: PackEvaluator) -> None:
    catalog = evaluator.catalog
    draft = catalog.draft_pack(str(PACKAGE_DIR / "drafts" / "illustrative_bidragstak_2027_v1"))
    guideline = catalog.guideline_for("1287")
    checked = 0
    for h in households(60, 7):
        try:
            bundle = shift(parse_bundle(json.dumps(seal(h))), "2027-03")
        except InputError:
            continue  # no longer valid in 2027 (a child turned 21)
        basis = build_basis(bundle, evaluator.evaluate_with(bundle, draft, guideline))
        cap = [i for i, line in enumerate(basis.lines) if line.rule == "cost.bidragstak"]
        if not cap:
            continue
        assert _ore(basis.lines[cap[0]].amount) < 0
        for overrides in _override_sets(basis):
            given = tuple(LineOverride(o.line, o.amount_ore, o.reason_code, LABELS.get(o.reason_code, o.reason_code))
                          for o in overrides)
            new = recompute(draft, bundle, basis, given)
            assert (list(new.decided), new.norm, new.costs, new.income, new.total, new.applied_total,
                    list(new.steps)) == _old_compute(bundle, basis, overrides, LABELS)
        checked += 1
    assert checked >= 1


def test_the_pinned_pack_decides_and_a_foreign_line_is_refused(
    evaluator: PackEvaluator, decided: list[tuple[CaseBundle, DecisionBasis]]
) -> None:
    bundle, basis = decided[0]
    other = next(p for p in evaluator.catalog.packs.values() if p.hash != basis.rules.hash)
    with pytest.raises(RulesError):
        recompute(other, bundle, basis, ())
    result = next(i for i, line in enumerate(basis.lines) if _line_group(line.rule) == "result")
    with pytest.raises(RulesError):
        evaluator.apply_overrides(bundle, basis, (LineOverride(result, 0, "x", "x"),))
    with pytest.raises(RulesError):
        evaluator.apply_overrides(bundle, basis, (LineOverride(len(basis.lines), 0, "x", "x"),))
