"""`finaid rules impact` with worker processes: the parent reads only the caseload's ids (on PostgreSQL in a snapshot
it exports) and each worker reads its chunk of cases by id (adapters/driven/db/impact_reads.py). The cases read so
are the ones the single cursor reads, in the same order; on PostgreSQL what is written after the snapshot is not
seen; and the report with 2 workers is the report with 1, case by case — on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adapters.driven.clock import FixedClock
from adapters.driven.db.impact_reads import caseload_ids, cases_by_ids
from adapters.driven.db.uow import SqlUnitOfWork
from adapters.driving.lifecycle.impact import ImpactRequest, run_impact
from decision.services import impact
from decision.validation import parse_bundle
from rules.catalog import Catalog
from tests.caseload import Case, caseload
from tests.decide import decide_and_store
from tests.integration.conftest import TestDatabase
from tests.integration.test_impact import DECIDED_AT, couple_draft


def _store(t: TestDatabase, cases: list[Case]) -> None:
    catalog = Catalog()
    for c in cases:
        decide_and_store(parse_bundle(json.dumps(c.bundle)), pipeline=t.pipeline, catalog=catalog, store=t.store,
                         access=t.access, actor="system:test", clock=FixedClock(DECIDED_AT))


@pytest.fixture
def stored(database: TestDatabase) -> tuple[TestDatabase, list[Case]]:
    cases = caseload(200, 8, "2026-01", "2026-12")
    _store(database, cases[:40])
    return database, cases


def test_the_workers_read_by_id_what_the_single_cursor_reads(stored: tuple[TestDatabase, list[Case]]) -> None:
    t, cases = stored
    whole, _ = impact.cases(SqlUnitOfWork(t.db), None, None)
    assert len(whole) == 40
    with caseload_ids(t.db, None, None) as (ids, snapshot):
        assert (snapshot is not None) == (t.backend == "postgresql")
        assert ids == [c.application_id for c in whole]
        read = [c for i in range(0, len(ids), 7) for c in cases_by_ids(t.db, ids[i:i + 7], snapshot)]
        assert read == whole
        # decided after the snapshot: on PostgreSQL the workers do not see it (one consistent caseload)
        _store(t, cases[40:41])
        late = impact.cases(SqlUnitOfWork(t.db), None, None)[0][-1].application_id
        assert late not in ids
        seen = {c.application_id for c in cases_by_ids(t.db, sorted([*ids, late]), snapshot)}
        assert (late in seen) == (t.backend == "sqlite") and set(ids) <= seen


def test_two_workers_give_the_report_one_gives(stored: tuple[TestDatabase, list[Case]], tmp_path: Path) -> None:
    t, _ = stored
    draft = couple_draft(tmp_path, "sol2025_400_couple_plus_100", "7200")
    reports = []
    for workers in (1, 2):
        request = ImpactRequest(draft=str(draft), out=tmp_path / f"w{workers}", actor="user:analyst", workers=workers)
        reports.append(run_impact(request, t.db, t.access, Catalog()).report)
    one, two = reports
    assert two["workers"] == 2 and one["workers"] == 1
    assert one["cases"]["compared"] == 40 and one["changed"]["cases"] > 0
    ignored = ("run_id", "workers")
    assert {k: v for k, v in one.items() if k not in ignored} == {k: v for k, v in two.items() if k not in ignored}
    logged = t.rows("SELECT person_keys FROM access_log WHERE purpose = 'impact_analysis' ORDER BY seq")
    assert len(logged) == 2 and logged[0][0] == logged[1][0]  # the same persons, in the same order
