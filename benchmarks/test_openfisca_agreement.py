"""The benchmark's OpenFisca model agrees with finaid to the krona on the demo households (run by `make bench`,
not by `make test`: it needs the `bench` extra, openfisca-core)."""

from __future__ import annotations

import pytest

pytest.importorskip("openfisca_core", reason="the bench extra is not installed: pip install -e '.[bench]'")

from benchmarks.openfisca_model.check import EXAMPLES, OUTSIDE_MODEL, demo_households, disagreements  # noqa: E402
from decision.pipeline import Pipeline  # noqa: E402
from rules.catalog import Catalog  # noqa: E402
from rules.evaluator import PackEvaluator  # noqa: E402


def test_the_model_agrees_with_finaid_on_every_covered_demo_household() -> None:
    catalog = Catalog()
    households = demo_households(catalog)
    assert len(households) == len(list(EXAMPLES.glob("*.json"))) - len(OUTSIDE_MODEL) >= 15
    assert disagreements(Pipeline(PackEvaluator(catalog)), households) == {}


def test_a_wrong_figure_is_seen() -> None:
    # not vacuous: a household whose rent claim the model reads 100 kr lower disagrees on the costs
    catalog = Catalog()
    h = next(h for h in demo_households(catalog) if h.name.startswith("01-"))
    month = h.bundle.application.month
    h.situation["households"]["h"]["rent_claimed"][month] -= 10_000
    diff = disagreements(Pipeline(PackEvaluator(catalog)), [h])
    assert set(diff[h.name]) == {"costs_accepted", "proposed"}
