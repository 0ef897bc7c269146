"""Scenario tests beside each pack (``<pack>/tests/*.yaml``): load, run, check.

Law as sentences: each scenario names what it proves, gives a compact household (see
:mod:`adapters.driving.lifecycle.scenario_builder`) and states what the decision basis must say. A published
pack's scenarios are decided the way a real decision is, by selection: as of the pack's publication
date the pack must be the one its months select (an uncovered month is an input error). A draft is
never selected, so its scenarios are decided with the draft pinned (an uncovered month is still an
input error). ``given.guideline_parameters`` adds or replaces guideline parameters for one scenario
(for example the optional ``guideline.why_not.grant_margin``; ``null`` removes one): the scenario then
runs with a variant of the guideline that exists only in the test. ``given.earlier`` is the signed
decision a supplementary application is decided against.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from adapters.driving.lifecycle.scenario_builder import build_bundle_json
from decision.basis import build_basis
from decision.errors import FieldError, InputError
from decision.money import parse_kronor
from decision.pipeline import Decided
from decision.ports import EarlierDecision
from decision.validation import parse_bundle
from rules.catalog import DRAFT, Catalog, Guideline, RulePack, draft_kind
from rules.evaluator import PackEvaluator
from rules.parameters import Parameter, ParamValue, Status


@dataclass(frozen=True)
class Scenario:
    pack: str
    file: str
    name: str
    given: dict[str, Any]
    expect: dict[str, Any]

    @property
    def label(self) -> str:
        return f"{self.file}: {self.name}"


def load_scenarios(folder: Path, pack_id: str | None = None) -> list[Scenario]:
    """The scenarios in ``folder/tests/*.yaml`` (``folder`` is a pack's folder)."""
    out: list[Scenario] = []
    for file in sorted((folder / "tests").glob("*.yaml")):
        data = yaml.safe_load(file.read_text(encoding="utf-8")) or []
        for item in data:
            out.append(Scenario(pack_id or folder.name, file.name, item["name"], item["given"], item["expect"]))
    return out


def scenario_packs(catalog: Catalog, drafts: bool = True) -> list[RulePack]:
    """Every installed pack, then (with ``drafts``) every draft pack: each is run with its own tests."""
    packs = list(catalog.packs.values())
    if drafts:
        for ref, folder in catalog.draft_folders().items():
            if draft_kind(folder) == "pack":
                packs.append(catalog.draft_pack(ref))
    return packs


def _variant(guideline: Guideline, overrides: dict[str, Any]) -> Guideline:
    params = dict(guideline.parameters)
    for path, raw in overrides.items():
        if raw is None:  # `null`: the variant has no such parameter
            params.pop(str(path), None)
            continue
        value = ParamValue(
            path=str(path), since=date(2000, 1, 1), value=parse_kronor(str(raw)), status=Status.UNVERIFIED,
            source="scenario test", legal_reference="kommunens riktlinjer", unit="SEK/month",
        )
        params[str(path)] = Parameter(str(path), str(path), str(path), "SEK/month", "kommunens riktlinjer", (value,))
    suffix = ",".join(f"{k}={v}" for k, v in sorted(overrides.items()))
    return dataclasses.replace(guideline, id=f"{guideline.id}+test", hash=f"test:{suffix}", parameters=params)


def _earlier(given: dict[str, Any]) -> EarlierDecision | None:
    """``given.earlier``: the signed decision a supplementary application is decided against."""
    e = given.get("earlier")
    if not e:
        return None
    return EarlierDecision(
        decision_id=str(e.get("decision_id", "DEC-EARLIER-1")), month=str(given["month"]),
        total_ore=parse_kronor(str(e["total"])),
        signed_at=datetime.fromisoformat(str(e.get("signed_at", f"{given['month']}-02T10:00:00+01:00"))),
    )


class ScenarioRunner:
    """Decides scenarios with one rule engine (per process)."""

    def __init__(self, catalog: Catalog, evaluator: PackEvaluator | None = None) -> None:
        self.catalog = catalog
        self.evaluator = evaluator or PackEvaluator(catalog)

    def run(self, pack: RulePack, sc: Scenario) -> Decided | InputError:
        try:
            bundle = parse_bundle(build_bundle_json(sc.given))
            app = bundle.application
            if pack.state == DRAFT:
                if not pack.covers(app.month):
                    raise InputError([FieldError("application.month", f"draft {pack.id} does not cover {app.month}")])
                chosen, as_of = pack, None
            else:
                as_of = pack.published_at
                chosen = self.catalog.pack_for(app.month, as_of)
            guideline = self.catalog.guideline_for(app.municipality, as_of)
        except InputError as e:
            return e
        if sc.given.get("guideline_parameters"):
            guideline = _variant(guideline, dict(sc.given["guideline_parameters"]))
        sealed = bundle if bundle.registry is not None else bundle.model_copy(update={"registry": []})
        try:
            evaluation = self.evaluator.evaluate_with(sealed, chosen, guideline, _earlier(sc.given))
        except InputError as e:
            return e
        return Decided(sealed, evaluation, build_basis(sealed, evaluation), as_of)

    def run_all(self, packs: list[RulePack]) -> Iterator[tuple[RulePack, Scenario, Decided | InputError]]:
        for pack in packs:
            for sc in load_scenarios(pack.folder, pack.id):
                yield pack, sc, self.run(pack, sc)


def _plain(text: str) -> str:
    return text.replace("\u00a0", " ")


def _finding_matches(finding: Any, want: Any) -> bool:
    if isinstance(want, str):
        return bool(finding.code == want)
    for key, value in want.items():
        if key == "reason_contains":
            if _plain(str(value)) not in _plain(finding.reason):
                return False
        elif getattr(finding, key) != value:
            return False
    return True


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
                "reason_contains" not in want or _plain(want["reason_contains"]) in _plain(line.reason)
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
        if not any(_finding_matches(f, want) for f in basis.findings):
            family = str(want)
            have: list[tuple[str, str | None]] = [(f.code, f.reason) for f in basis.findings
                                                 if f.code.split(".")[0] in family]
            have = have or [(f.code, f.person) for f in basis.findings]
            problems.append(f"missing finding {want}; have {have}")
    for want in exp.get("findings_exclude") or []:
        if any(_finding_matches(f, want) for f in basis.findings):
            problems.append(f"finding {want} should not be there")
    rules_fired = {s.rule for s in result.evaluation.trace}
    for rule in exp.get("trace_includes") or []:
        if rule not in rules_fired:
            problems.append(f"rule {rule} is not in the trace")
    for rule in exp.get("trace_excludes") or []:
        if rule in rules_fired:
            problems.append(f"rule {rule} should not be in the trace")
    return problems
