"""Law → rule → test: every rule of a pack, its legal reference, and the scenario tests whose traces include it.

``finaid rules coverage`` prints it; the unit suite (and ``finaid rules publish``) fail when a rule
has no legal reference, when a pack has no scenario tests, when a rule never appears in a trace of
its own pack's tests, or when a scenario fails. The "why not" notices are rule code outside the
packs (rules/why_not.py): they are listed once, with the scenarios of any pack that include them.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from adapters.driving.lifecycle.scenarios import ScenarioRunner, check, load_scenarios
from decision.pipeline import Decided
from rules import why_not
from rules.catalog import RulePack

_KEY = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass
class RuleCoverage:
    rule: str
    kind: str
    legal_reference: str  # the cited text in the pack's first month (or the key, when undefined)
    status: str
    scenarios: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"rule": self.rule, "kind": self.kind, "legal_reference": self.legal_reference, "status": self.status,
                "scenarios": self.scenarios}


@dataclass
class PackCoverage:
    pack: str
    state: str
    scenarios: int
    rules: list[RuleCoverage]
    failures: list[tuple[str, list[str]]]
    problems: list[str]
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "pack": self.pack, "state": self.state, "scenarios": self.scenarios,
            "rules": [r.to_json() for r in self.rules],
            "failures": [{"scenario": n, "problems": p} for n, p in self.failures], "problems": self.problems,
            "warnings": self.warnings,
        }


@dataclass
class Coverage:
    packs: list[PackCoverage]
    code_rules: list[RuleCoverage]  # rules outside the packs (rules/why_not.py)
    code_problems: list[str]

    @property
    def problems(self) -> list[str]:
        return [f"{p.pack}: {msg}" for p in self.packs for msg in p.problems] + self.code_problems

    def to_json(self) -> dict[str, Any]:
        return {
            "packs": [p.to_json() for p in self.packs],
            "code_rules": [r.to_json() for r in self.code_rules],
            "problems": self.problems,
        }


def pack_coverage(runner: ScenarioRunner, pack: RulePack, code_hits: dict[str, list[str]]) -> PackCoverage:
    day = pack.first_day
    scenarios = load_scenarios(pack.folder, pack.id)
    hits: dict[str, list[str]] = defaultdict(list)
    failures: list[tuple[str, list[str]]] = []
    for sc in scenarios:
        result = runner.run(pack, sc)
        failed = check(sc, result)
        if failed:
            failures.append((sc.label, failed))
        if isinstance(result, Decided) and result.basis.rules.pack == pack.id:
            for rule in dict.fromkeys(s.rule for s in result.evaluation.trace):
                hits[rule].append(sc.label)
                if rule in why_not.RULES:
                    code_hits.setdefault(rule, []).append(f"{pack.id}/{sc.label}")
    rules: list[RuleCoverage] = []
    problems: list[str] = []
    if not scenarios:
        problems.append("has no scenario tests (tests/*.yaml)")
    for rid, meta in sorted(pack.rules.items()):
        key = meta.legal_reference.strip()
        ref = pack.legal_ref_at(key, day)
        if not key:
            problems.append(f"rule {rid} has no legal reference")
        elif ref is None and _KEY.match(key):
            problems.append(f"rule {rid} cites legal reference {key!r}, which the manifest does not define")
        rules.append(RuleCoverage(rid, meta.kind, ref.text if ref else key, pack.rule_status(rid, day), hits[rid]))
        if scenarios and not hits[rid]:
            problems.append(f"rule {rid} never appears in a trace of this pack's scenario tests")
    for label, msgs in failures:
        problems.append(f"scenario {label!r} fails: {'; '.join(msgs)}")
    return PackCoverage(pack.id, pack.state, len(scenarios), rules, failures, problems, stale_amounts(pack))


def stale_amounts(pack: RulePack) -> list[str]:
    """Amounts with no value dated in the pack's last year (the riksnorm and prisbasbelopp change yearly)."""
    last_year = int(pack.month_to[:4])
    return [
        f"parameter {p.path} has no value dated in {last_year}: its {p.values[-1].since.year} value would apply"
        for p in sorted(pack.parameters.values(), key=lambda p: p.path)
        if p.unit.startswith("SEK") and p.values and p.values[-1].since.year < last_year
    ]


def coverage(runner: ScenarioRunner, packs: list[RulePack]) -> Coverage:
    code_hits: dict[str, list[str]] = defaultdict(list)
    out = [pack_coverage(runner, p, code_hits) for p in packs]
    code_rules = [
        RuleCoverage(rid, "finding", f"{r.legal_reference} (the pack's) or {r.fallback}", "verified", code_hits[rid])
        for rid, r in sorted(why_not.RULES.items())
    ]
    code_problems = [
        f"rules/why_not.py: rule {r.rule} never appears in a trace of any pack's scenario tests"
        for r in code_rules if not r.scenarios
    ]
    return Coverage(out, code_rules, code_problems)
