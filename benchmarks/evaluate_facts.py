"""benchmarks/evaluate.py's facts asserted and rules fired per case under each version of the packs (issue 17).

The same generated bundles are decided as of each day a version of the packs that take case bundle /2 was
published (the `_v3` packs: one engine fact per attribute group; the `_v4` packs, ``fact_shape: subject``:
one per subject, rules/evaluator/subject.py), counting what finaid's engine was given and what fired.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from decision.bundle import CaseBundle
from rules.catalog import Catalog
from rules.engine import Match, RuleEngine
from rules.evaluator import PackEvaluator


class _CountingEngine(RuleEngine):
    def __init__(self) -> None:
        super().__init__()
        self.facts = self.fired = self.runs = 0

    def run(self, name: str, facts: Iterable[dict[str, Any]]) -> list[Match]:
        given = list(facts)
        matches = super().run(name, given)
        self.facts += len(given)
        self.fired += len(matches)
        self.runs += 1
        return matches


@dataclass(frozen=True)
class Version:
    day: date
    packs: str  # the packs published that day
    facts_per_case: float
    fired_per_case: float
    runs_per_case: float


def per_version(catalog: Catalog, sealed: list[CaseBundle]) -> list[Version]:
    """Facts asserted, rules fired and ruleset runs per case, as of each publication day of a /2 pack."""
    days = sorted({p.published_at for p in catalog.packs.values() if p.bundle2 and p.published_at})
    out: list[Version] = []
    for day in days:
        engine = _CountingEngine()
        evaluator = PackEvaluator(catalog, engine=engine)
        for bundle in sealed:
            evaluator.evaluate(bundle, as_of=day)
        packs = ", ".join(sorted(p.id for p in catalog.packs.values() if p.published_at == day))
        n = max(1, len(sealed))
        out.append(Version(day, packs, engine.facts / n, engine.fired / n, engine.runs / n))
    return out


def print_versions(versions: list[Version]) -> None:
    print("\nfacts asserted and rules fired per case, the same cases decided as of each version's day:")
    for v in versions:
        print(f"  as of {v.day} ({v.packs}): {v.facts_per_case:.1f} facts asserted, "
              f"{v.fired_per_case:.1f} rules fired, {v.runs_per_case:.1f} ruleset runs per case")
