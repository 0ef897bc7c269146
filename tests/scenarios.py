"""Loading and checking the scenario tests kept beside each rule pack (``rules/packs/*/tests``)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from decision.errors import InputError
from decision.pipeline import Decided, Pipeline
from decision.validation import parse_bundle
from tests.scenario_builder import build_bundle_json

PACKS_DIR = Path(__file__).resolve().parent.parent / "rules" / "packs"


@dataclass(frozen=True)
class Scenario:
    pack: str
    file: str
    name: str
    given: dict[str, Any]
    expect: dict[str, Any]


def load_scenarios(packs_dir: Path = PACKS_DIR) -> Iterator[Scenario]:
    for file in sorted(packs_dir.glob("*/tests/*.yaml")):
        data = yaml.safe_load(file.read_text(encoding="utf-8")) or []
        for item in data:
            yield Scenario(file.parent.parent.name, file.name, item["name"], item["given"], item["expect"])


def run(pipeline: Pipeline, sc: Scenario) -> Decided | InputError:
    try:
        return pipeline.decide(parse_bundle(build_bundle_json(sc.given)))
    except InputError as e:
        return e


def _code_matches(finding: Any, want: Any) -> bool:
    if isinstance(want, str):
        return bool(finding.code == want)
    return all(getattr(finding, k) == v for k, v in want.items())


def check(sc: Scenario, result: Decided | InputError) -> list[str]:
    """Every way the result differs from the scenario's expectations (empty: it holds)."""
    exp = sc.expect
    problems: list[str] = []
    if "error" in exp:
        if not isinstance(result, InputError):
            return [f"expected an input error at {exp['error']}, got a decision"]
        paths = [str(e) for e in result.errors]
        if not any(exp["error"] in p for p in paths):
            problems.append(f"expected an error mentioning {exp['error']!r}, got {paths}")
        return problems
    if isinstance(result, InputError):
        return [f"unexpected input error: {result}"]
    basis = result.basis
    if basis.rules.pack != sc.pack:
        problems.append(f"decided with pack {basis.rules.pack}, but the scenario belongs to {sc.pack}")
    if "outcome" in exp and basis.outcome != exp["outcome"]:
        problems.append(f"outcome {basis.outcome}, expected {exp['outcome']}")
    for key, want in (exp.get("amounts") or {}).items():
        got = getattr(basis.amounts, key)
        if got != want:
            problems.append(f"amounts.{key} = {got}, expected {want}")
    # lines: an ordered subsequence of the basis's lines
    pos = 0
    for want in exp.get("lines") or []:
        while pos < len(basis.lines):
            line = basis.lines[pos]
            pos += 1
            if line.rule == want["rule"] and ("amount" not in want or line.amount == want["amount"]) and (
                "reason_contains" not in want or want["reason_contains"] in line.reason
            ):
                break
        else:
            problems.append(f"no line {want} (in order) among {[(x.rule, x.amount) for x in basis.lines]}")
            break
    for rule in exp.get("no_lines") or []:
        if any(line.rule == rule for line in basis.lines):
            problems.append(f"line {rule} should not be there")
    if "manual" in exp:
        got_manual = sorted(f.code for f in basis.findings if f.severity == "manual")
        if got_manual != sorted(exp["manual"]):
            problems.append(f"manual findings {got_manual}, expected {sorted(exp['manual'])}")
    for want in exp.get("findings_include") or []:
        if not any(_code_matches(f, want) for f in basis.findings):
            problems.append(f"missing finding {want}; have {[(f.code, f.source, f.person) for f in basis.findings]}")
    for want in exp.get("findings_exclude") or []:
        if any(_code_matches(f, want) for f in basis.findings):
            problems.append(f"finding {want} should not be there")
    rules_fired = {s.rule for s in result.evaluation.trace}
    for rule in exp.get("trace_includes") or []:
        if rule not in rules_fired:
            problems.append(f"rule {rule} is not in the trace")
    for rule in exp.get("trace_excludes") or []:
        if rule in rules_fired:
            problems.append(f"rule {rule} should not be in the trace")
    return problems
