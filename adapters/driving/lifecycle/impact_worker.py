"""The evaluating half of impact analysis; runs in this process or in spawned worker processes.

Each process builds its own rule engine (durable_rules scales by processes, like the batch's
workers) from the installed packs and the draft's folder, then decides cases twice: with the pack
and guideline the stored decision recorded (the baseline, under today's code, so that only the pack
differs) and with the draft (under the same guideline). The logic per case is the use case's
(decision/services/impact.py: ``redecide``); this module gives it the rules' evaluator as its ports. Only
summaries go back: outcome, amounts in öre and finding codes, and the case's persons keyed with the access log's
key (for the run's access entry) — never a bundle, a name or a personnummer.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

from adapters.driven.db.engine import Database
from adapters.driven.db.impact_reads import cases_by_ids
from adapters.driving.lifecycle.impact_read import household_personnummer, read_stored
from audit.access import person_key
from decision.basis import DecisionBasis, build_basis
from decision.bundle import CaseBundle
from decision.canonical import read_json
from decision.ports import EarlierDecision
from decision.services.impact import ImpactPorts, evaluation_summary, redecide, summary
from decision.uow import ImpactCase
from rules.catalog import Catalog, RulePack
from rules.evaluator import PackEvaluator

CaseInput = ImpactCase  # the name the lifecycle has always used

__all__ = ["CaseInput", "ImpactEvaluator", "decide_ids", "draft_folder_of", "init_worker", "summary"]


class ImpactEvaluator:
    """The rules' side of the impact use case (decision/services/impact.py): one engine per process."""

    def __init__(self, draft_folder: str, as_month: str | None, catalog: Catalog | None = None,
                 code_version: str | None = None, key: bytes | None = None) -> None:
        """``code_version``: today's, to take a stored decision today's code made as its own baseline (None: decide
        every baseline again); ``key``: the access log's, to key each case's persons for the run's access entry."""
        self.catalog = catalog or Catalog()
        self.key = key
        self.code_version = code_version
        self.draft: RulePack = self.catalog.draft_pack(draft_folder)
        self.as_month = as_month
        self.evaluator = PackEvaluator(self.catalog)
        qualifying = self.draft.parameters.get("jobbstimulans.qualifying_months")
        value = qualifying.at(self.draft.first_day) if qualifying is not None else None
        self.qualifying = value.ore if value is not None else 6
        self.ports = ImpactPorts(
            baseline=self._baseline, draft=self._draft, covers=self.draft.covers, as_month=as_month,
            shift=partial(self._shift, as_month) if as_month is not None else None, code_version=code_version,
            draft_summary=self._draft_summary,
        )

    def _baseline(self, bundle: CaseBundle, pack_hash: str, guideline_hash: str,
                  earlier: EarlierDecision | None) -> DecisionBasis:
        return build_basis(bundle, self.evaluator.evaluate(bundle, pack_hash, guideline_hash, earlier=earlier))

    def _draft(self, bundle: CaseBundle, guideline_hash: str, earlier: EarlierDecision | None) -> DecisionBasis:
        guideline = self.catalog.guideline_by_hash(guideline_hash)
        return build_basis(bundle, self.evaluator.evaluate_with(bundle, self.draft, guideline, earlier))

    def _draft_summary(self, bundle: CaseBundle, guideline_hash: str,
                       earlier: EarlierDecision | None) -> dict[str, Any]:
        guideline = self.catalog.guideline_by_hash(guideline_hash)
        return evaluation_summary(self.evaluator.evaluate_with(bundle, self.draft, guideline, earlier))

    def _shift(self, as_month: str, bundle: CaseBundle) -> CaseBundle:
        from adapters.driving.lifecycle.asmonth import shift

        return shift(bundle, as_month, self.qualifying)

    def decide(self, case: ImpactCase) -> dict[str, Any]:
        data = read_json(case.bundle_json)  # parsed once: the person keys, and the content hash of a fast read
        ports = self.ports
        if self.code_version is not None and case.code_version == self.code_version:
            # today's code decided these bytes: read fast if their content hash is the recorded one (impact_read.py)
            ports = replace(ports, parse=partial(read_stored, data))
        out = redecide(ports, case)
        if self.key is not None:  # keyed here, in the worker: a personnummer never leaves it
            out["person_keys"] = [person_key(self.key, p) for p in household_personnummer(data)]
        return out


_worker: ImpactEvaluator | None = None
_reader: tuple[Database, str | None] | None = None  # the worker's own database engine, and the parent's snapshot


def init_worker(draft_folder: str, as_month: str | None, code_version: str | None = None,
                key: bytes | None = None, database: tuple[str, str | None, str | None] | None = None) -> None:
    """Process initializer: one engine per process; ``database`` (URL, schema, snapshot): read the cases by id here."""
    global _worker, _reader  # noqa: PLW0603 - one evaluator and one database engine per worker process, built once
    _worker = ImpactEvaluator(draft_folder, as_month, code_version=code_version, key=key)
    if database is not None:
        url, schema, snapshot = database
        _reader = (Database(url, schema), snapshot)


def decide_ids(ids: list[str]) -> list[dict[str, Any]]:
    """A chunk of the caseload by application id: read in this process (adapters/driven/db/impact_reads.py), decided
    here; an id no longer there (only possible without a snapshot) is left out."""
    assert _worker is not None and _reader is not None, "init_worker was not called with a database"
    db, snapshot = _reader
    return [_worker.decide(c) for c in cases_by_ids(db, ids, snapshot)]


def draft_folder_of(pack: RulePack) -> str:
    return str(Path(pack.folder).resolve())
