"""The impact worker's fast read of a stored bundle (adapters/driving/lifecycle/impact_read.py) gives what reading
it with every check of intake gives: case by case and as a whole report, over the generated caseload of
tests/integration/test_impact.py (60 synthetic 2026 households decided by today's code and stored)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from adapters.driven.db.uow import SqlUnitOfWork
from adapters.driving.lifecycle.impact_read import content_hash, read_stored, verified
from adapters.driving.lifecycle.impact_tally import Tally
from adapters.driving.lifecycle.impact_worker import ImpactEvaluator, draft_folder_of
from audit.access import person_key
from decision.canonical import read_json
from decision.services import impact
from decision.services.impact import redecide
from decision.uow import ImpactCase
from rules.catalog import Catalog
from rules.version import code_version
from tests.caseload import Case
from tests.integration.conftest import HMAC_KEY, TestDatabase
from tests.integration.test_impact import couple_draft, world  # noqa: F401 - the module's stored caseload

KEY = HMAC_KEY.encode("utf-8")


def _evaluator(tmp_path: Path, version: str | None) -> ImpactEvaluator:
    catalog = Catalog()
    draft = catalog.draft_pack(str(couple_draft(tmp_path, "sol2025_400_couple_plus_50", "7150")))
    return ImpactEvaluator(draft_folder_of(draft), None, catalog, version, KEY)


def _as_before(ev: ImpactEvaluator, case: ImpactCase) -> dict[str, Any]:
    """One case as the worker read it before the fast read: parse_bundle, json for the person keys."""
    out = redecide(ev.ports, case)  # the ports without a parse: parse_bundle
    household = json.loads(case.bundle_json)["application"]["household"]
    out["person_keys"] = [person_key(KEY, str(m["personnummer"])) for m in household]
    return out


def _report(rows: list[dict[str, Any]]) -> tuple[dict[str, Any], list[str]]:
    tally, persons = Tally(), dict[str, None]()
    for row in rows:
        persons.update(dict.fromkeys(row.pop("person_keys")))
        tally.add(row)
    return {"figures": tally.figures(), "analysed": tally.analysed, "compared": tally.compared,
            "skipped": dict(tally.skipped), "failed": dict(tally.failed), "from": dict(tally.baseline_from)}, \
        list(persons)


def test_the_fast_read_gives_the_report_the_full_read_gives(
    world: tuple[TestDatabase, list[Case]], tmp_path: Path,  # noqa: F811
) -> None:
    t, cases = world
    stored, _ = impact.cases(SqlUnitOfWork(t.db), None, None)
    assert len(stored) == len(cases) == 60
    assert all(c.code_version == code_version() and verified(c, read_json(c.bundle_json)) for c in stored)
    ev = _evaluator(tmp_path, code_version())
    fast = [ev.decide(c) for c in stored]
    before = [_as_before(ev, c) for c in stored]
    assert fast == before
    assert {r["baseline_from"] for r in fast} == {"stored"} and sum(r["status"] == "compared" for r in fast) == 60
    fast_report, before_report = _report(fast), _report(before)
    assert fast_report == before_report and fast_report[0]["figures"]["changed"]["cases"] > 0


def test_bytes_whose_hash_is_not_the_recorded_one_get_every_check_again(
    world: tuple[TestDatabase, list[Case]], tmp_path: Path,  # noqa: F811
) -> None:
    t, _ = world
    stored, _ = impact.cases(SqlUnitOfWork(t.db), None, None)
    ev = _evaluator(tmp_path, code_version())
    case = stored[0]
    data = json.loads(case.bundle_json)
    data["application"]["household"].append(dict(data["application"]["household"][0]))  # the applicant twice
    altered = replace(case, bundle_json=json.dumps(data, ensure_ascii=False))
    assert not verified(altered, read_json(altered.bundle_json))
    out = ev.decide(altered)
    assert out == _as_before(ev, altered)
    assert out["status"] == "skipped" and out["reason"] == "the stored decision cannot be replayed (InputError)"
    # the recorded hash agrees: the schema's own validation still runs, and what it refuses is read as before
    bad = {**data, "application": {**data["application"], "month": "2026-13"}}
    text = json.dumps(bad, ensure_ascii=False)
    forged = replace(case, bundle_json=text, content_hash=content_hash(read_json(text)))
    out = ev.decide(forged)
    assert out == _as_before(ev, forged) and out["status"] == "skipped"
    assert read_stored(read_json(case.bundle_json), case).application.id == case.application_id
