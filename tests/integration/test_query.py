"""Auditors' questions: every filter returns exactly the matching decisions, ordered and paged."""

from __future__ import annotations

import csv
import io
from collections import defaultdict

import pytest

from adapters.driven.db.audit_store import run_query
from audit.query import Filters
from decision.services.deciding import Outcome
from decision.trace import StepKind
from tests.integration.conftest import TestDatabase

FILTERS = ("rule", "param", "finding", "outcome", "month", "municipality", "pack", "guideline")


def _index(outcomes: dict[str, Outcome]) -> dict[str, dict[str, set[str]]]:
    """filter -> value -> the decision ids that match it, from the in-memory decisions."""
    index: dict[str, dict[str, set[str]]] = {f: defaultdict(set) for f in FILTERS}
    for out in outcomes.values():
        d, ev, app = out.decision_id, out.decided.evaluation, out.decided.bundle.application
        for step in ev.trace:
            index["rule"][step.rule].add(d)
            if step.kind is StepKind.FINDING and step.code:
                index["finding"][step.code].add(d)
            for ref in step.inputs:
                if ref.startswith("param:"):
                    index["param"][ref.removeprefix("param:")].add(d)
        index["outcome"][out.decided.basis.outcome].add(d)
        index["month"][app.month].add(d)
        index["municipality"][app.municipality].add(d)
        index["pack"][ev.pack.id].add(d)
        index["guideline"][ev.guideline.id].add(d)
    return index


@pytest.fixture
def caseload(database: TestDatabase) -> tuple[TestDatabase, dict[str, Outcome], set[str]]:
    outcomes = database.decide_examples()
    protected = {o.decision_id for o in outcomes.values() if o.decided.bundle.application.id == "APP-2024-000809"}
    assert len(protected) == 1
    return database, outcomes, protected


def test_every_filter_returns_exactly_the_matching_decisions(caseload) -> None:  # noqa: ANN001
    database, outcomes, protected = caseload
    index = _index(outcomes)
    checked = 0
    with database.db.read() as s:
        for name in FILTERS:
            assert index[name], name
            for value, ids in index[name].items():
                rows, hidden = run_query(s, Filters(**{name: value}), page_size=1000)
                assert {r["decision"] for r in rows} == ids - protected, (name, value)
                assert hidden == len(ids & protected), (name, value)
                assert [(r["decided_at"], r["decision"]) for r in rows] == sorted(
                    (r["decided_at"], r["decision"]) for r in rows
                )
                checked += 1
        # filters combine (AND), and a lower-case outcome is accepted
        rule, ids = next((r, i) for r, i in index["rule"].items() if 1 < len(i) < len(outcomes))
        for outcome, oids in index["outcome"].items():
            rows, _ = run_query(s, Filters(rule=rule, outcome=outcome.lower()), page_size=1000)
            assert {r["decision"] for r in rows} == (ids & oids) - protected
        rows, hidden = run_query(s, Filters(rule="no.such.rule"))
        assert (rows, hidden) == ([], 0)
    assert checked > 50


def test_paging_walks_every_decision_once_in_time_order(caseload) -> None:  # noqa: ANN001
    database, outcomes, protected = caseload
    with database.db.read() as s:
        everything, hidden = run_query(s, Filters(), page_size=1000)
        assert hidden == 1 and len(everything) == len(outcomes) - 1
        pages = []
        page = 1
        while True:
            rows, _ = run_query(s, Filters(), page=page, page_size=4)
            if not rows:
                break
            assert len(rows) <= 4
            pages.append(rows)
            page += 1
    assert len(pages) == -(-len(everything) // 4)
    assert [r for p in pages for r in p] == everything
    assert not {r["decision"] for r in everything} & protected


def test_query_csv_parses_and_counts_protected_decisions(caseload) -> None:  # noqa: ANN001
    database, outcomes, protected = caseload
    index = _index(outcomes)
    (pack, ids), = [(p, i) for p, i in index["pack"].items() if i & protected]
    proc = database.cli("audit", "query", "--pack", pack, "--csv", "--page-size", "1000")
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader(io.StringIO(proc.stdout)))
    assert list(rows[0]) == ["decided_at", "decision", "application", "month", "municipality", "outcome", "pack",
                             "guideline"]
    assert {r["decision"] for r in rows} == ids - protected
    assert all(r["pack"] == pack for r in rows)
    assert "APP-2024-000809" not in proc.stdout
    assert "1 beslut med skyddade personuppgifter visas inte." in proc.stderr
    assert database.rows("SELECT purpose, action, subject FROM access_log ORDER BY seq DESC LIMIT 1") == [
        ("revision", "query", f"query:pack={pack}")
    ]
