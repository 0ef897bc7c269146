"""The OpenFisca model against finaid on the demo households (examples/bundles/): the same norm, costs, income
and proposed amount, to the krona. Used by benchmarks/test_openfisca_agreement.py and benchmarks/openfisca_bench.py."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openfisca_core.simulations import SimulationBuilder

from benchmarks.openfisca_model.model import system
from benchmarks.openfisca_model.situation import parameter_tree, situation
from decision.bundle import CaseBundle
from decision.money import parse_kronor
from decision.pipeline import Pipeline
from decision.validation import parse_bundle
from rules.catalog import Catalog

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "bundles"
# demo households the small model does not cover, and why (each is named in the benchmark's output)
OUTSIDE_MODEL = {
    "07-single-parent-young-adults-at-home.json": "a young adult at home who is not at school is a household of "
    "their own (household.young_adult_separate): norm, income and the dwelling's share are split",
}
AMOUNTS = (("norm", "norm"), ("costs_accepted", "costs_accepted"), ("income_counted", "household_income"),
           ("proposed", "forsorjningsstod"))


@dataclass
class Household:
    name: str
    bundle: CaseBundle
    situation: dict[str, Any]
    tbs: Any  # the OpenFisca TaxBenefitSystem of its pack and guideline


def demo_households(catalog: Catalog) -> list[Household]:
    """The covered demo households, each with its situation and (shared per pack and guideline) system."""
    systems: dict[tuple[str, str], Any] = {}
    out = []
    for file in sorted(EXAMPLES.glob("*.json")):
        if file.name in OUTSIDE_MODEL:
            continue
        bundle = parse_bundle(file.read_bytes())
        key = (catalog.pack_for(bundle.application.month).id, catalog.guideline_for(bundle.application.municipality).id)
        if key not in systems:
            systems[key] = system(parameter_tree(catalog, bundle))
        out.append(Household(file.name, bundle, situation(bundle), systems[key]))
    return out


def calculate(h: Household) -> dict[str, int]:
    """One household built and calculated (a fresh simulation): the amounts in öre."""
    sim = SimulationBuilder().build_from_entities(h.tbs, h.situation)
    month = h.bundle.application.month
    return {name: int(sim.calculate(variable, month)[0]) for name, variable in AMOUNTS}


def finaid_amounts(pipeline: Pipeline, bundle: CaseBundle) -> dict[str, int]:
    basis = pipeline.evaluate(pipeline.seal(bundle)).basis
    a = basis.amounts  # kronor as text in the decision basis
    return {"norm": parse_kronor(a.norm), "costs_accepted": parse_kronor(a.costs_accepted),
            "income_counted": parse_kronor(a.income_counted), "proposed": parse_kronor(a.proposed)}


def disagreements(pipeline: Pipeline, households: list[Household]) -> dict[str, dict[str, tuple[int, int]]]:
    """Per household, every amount where the model and finaid differ by a krona or more: (model, finaid) öre."""
    out: dict[str, dict[str, tuple[int, int]]] = {}
    for h in households:
        model, ours = calculate(h), finaid_amounts(pipeline, h.bundle)
        diff = {k: (model[k], ours[k]) for k in ours if abs(model[k] - ours[k]) >= 100}
        if diff:
            out[h.name] = diff
    return out
