"""The evaluating half of impact analysis; runs in this process or in spawned worker processes.

Each process builds its own rule engine (durable_rules scales by processes, like the batch's
workers) from the installed packs and the draft's folder, then decides cases twice: with the pack
and guideline the stored decision recorded (the baseline, under today's code, so that only the pack
differs) and with the draft (under the same guideline). Only summaries go back: outcome, amounts in
öre and finding codes — never a bundle, a name or a personnummer.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from decision.basis import DecisionBasis, build_basis, canonical_json
from decision.errors import FinaidError, InputError
from decision.money import parse_kronor
from decision.validation import parse_bundle
from rules.catalog import Catalog, RulePack
from rules.evaluator import PackEvaluator


@dataclass(frozen=True)
class CaseInput:
    application_id: str
    month: str
    protected: bool
    bundle_json: str
    basis_json: str
    pack_hash: str
    guideline_hash: str


def ore(text: str) -> int:
    """A basis amount (two-decimal kronor, possibly negative) in öre."""
    return -parse_kronor(text[1:]) if text.startswith("-") else parse_kronor(text)


def summary(basis: DecisionBasis) -> dict[str, Any]:
    a = basis.amounts
    return {
        "outcome": basis.outcome,
        "proposed": ore(a.proposed),
        "norm": ore(a.norm),
        "costs": ore(a.costs_accepted),
        "income": ore(a.income_counted),
        "codes": sorted(f.code for f in basis.findings),
    }


class ImpactEvaluator:
    def __init__(self, draft_folder: str, as_month: str | None, catalog: Catalog | None = None) -> None:
        self.catalog = catalog or Catalog()
        self.draft: RulePack = self.catalog.draft_pack(draft_folder)
        self.as_month = as_month
        self.evaluator = PackEvaluator(self.catalog)
        qualifying = self.draft.parameters.get("jobbstimulans.qualifying_months")
        value = qualifying.at(self.draft.first_day) if qualifying is not None else None
        self.qualifying = value.ore if value is not None else 6

    def decide(self, case: CaseInput) -> dict[str, Any]:
        out: dict[str, Any] = {"application_id": case.application_id, "month": case.month, "protected": case.protected}
        try:
            bundle = parse_bundle(case.bundle_json)
            base = self.evaluator.evaluate(bundle, case.pack_hash, case.guideline_hash)
            base_basis = build_basis(bundle, base)
        except FinaidError as e:
            reason = f"the stored decision cannot be replayed ({type(e).__name__})"
            return {**out, "status": "skipped", "reason": reason}
        out["baseline"] = summary(base_basis)
        out["replay_identical"] = base_basis.canonical_json() == canonical_json(_loads(case.basis_json))
        if self.as_month is not None:
            from adapters.driving.lifecycle.asmonth import shift

            try:
                bundle = shift(bundle, self.as_month, self.qualifying)
            except ValueError:
                return {**out, "status": "skipped", "reason": f"applied for a month after {self.as_month}"}
            except InputError as e:
                paths = sorted({err.path.split("[")[0] for err in e.errors})
                return {**out, "status": "skipped", "reason": f"not valid in {self.as_month}: {', '.join(paths)}"}
        elif not self.draft.covers(bundle.application.month):
            return {**out, "status": "skipped", "reason": "a month the draft does not cover (use --as-month)"}
        try:
            guideline = self.catalog.guideline_by_hash(case.guideline_hash)
            new = self.evaluator.evaluate_with(bundle, self.draft, guideline)
            out["draft"] = summary(build_basis(bundle, new))
        except FinaidError as e:
            return {**out, "status": "failed", "reason": f"the draft could not decide it ({type(e).__name__}: {e})"}
        out["status"] = "compared"
        return out


def _loads(text: str) -> Any:
    import json

    return json.loads(text)


_worker: ImpactEvaluator | None = None


def init_worker(draft_folder: str, as_month: str | None) -> None:
    """Process initializer: one engine per process."""
    global _worker  # noqa: PLW0603 - one evaluator per worker process, built once
    _worker = ImpactEvaluator(draft_folder, as_month)


def decide_chunk(cases: list[CaseInput]) -> list[dict[str, Any]]:
    assert _worker is not None, "init_worker was not called"
    return [_worker.decide(c) for c in cases]


def draft_folder_of(pack: RulePack) -> str:
    return str(Path(pack.folder).resolve())
