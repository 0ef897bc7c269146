"""Every scenario test beside every rule pack: law as sentences, checked against the pipeline."""

from __future__ import annotations

from collections import defaultdict

import pytest

from decision.pipeline import Decided, Pipeline
from rules.catalog import Catalog
from tests.scenarios import Scenario, check, load_scenarios, run

SCENARIOS = list(load_scenarios())


@pytest.mark.parametrize("sc", SCENARIOS, ids=[f"{s.pack}:{s.name}" for s in SCENARIOS])
def test_scenario(pipeline: Pipeline, sc: Scenario) -> None:
    problems = check(sc, run(pipeline, sc))
    assert not problems, "\n".join(problems)


def test_every_rule_of_every_pack_appears_in_a_scenario_trace(pipeline: Pipeline) -> None:
    fired: dict[str, set[str]] = defaultdict(set)
    for sc in SCENARIOS:
        result = run(pipeline, sc)
        if isinstance(result, Decided):
            fired[result.basis.rules.pack].update(s.rule for s in result.evaluation.trace)
    catalog = Catalog()
    missing = {
        pack.id: sorted(set(pack.rules) - fired[pack.id]) for pack in catalog.packs.values()
    }
    assert all(not m for m in missing.values()), f"rules never exercised by a scenario: {missing}"


def test_scenario_names_are_unique_per_pack() -> None:
    seen: set[tuple[str, str]] = set()
    for sc in SCENARIOS:
        assert (sc.pack, sc.name) not in seen, f"duplicate scenario name {sc.name!r} in {sc.pack}"
        seen.add((sc.pack, sc.name))
