"""Why (rendered from the stored record, never recomputed) and replay (decide the sealed bundle again)."""

from __future__ import annotations

import json

import sqlalchemy as sa

from adapters.driven.db.audit_store import decisions_between, load_why, replay_one
from adapters.driven.db.models import Decision
from audit.replay import FAILED, IDENTICAL
from audit.why import render_text
from decision.pipeline import Pipeline
from rules.catalog import Catalog
from rules.evaluator import PackEvaluator
from rules.version import code_version
from tests.integration.conftest import EXAMPLES, TestDatabase, example_paths

WORKED = EXAMPLES / "01-worked-example-couple-two-children.json"


def test_replay_of_the_demo_caseload_is_identical(database: TestDatabase) -> None:
    # the packs as they are on disk now (the CLI below loads them afresh)
    database.pipeline = Pipeline(PackEvaluator(Catalog()))
    outcomes = database.decide_examples()
    with database.db.read() as s:
        decisions = list(decisions_between(s, "2023-01", "2026-12"))
        assert len(decisions) == len(outcomes)
        results = [replay_one(s, database.pipeline, d, code_version()) for d in decisions]
    assert [r.verdict for r in results] == [IDENTICAL] * len(outcomes), results
    proc = database.cli("audit", "replay", "--from", "2023-01", "--to", "2026-12")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    *lines, summary = proc.stdout.strip().splitlines()
    assert len(lines) == len(example_paths())
    assert all(line.split() == [line.split()[0], "identical"] for line in lines), lines
    assert {line.split()[0] for line in lines} == {o.decision_id for o in outcomes.values()}
    assert summary == f"summary: identical {len(lines)}"


def test_replay_never_falls_back_to_another_pack(database: TestDatabase) -> None:
    out = database.decide(WORKED)
    with database.db.engine.begin() as conn:  # pretend the decision was made with a pack nobody has any more
        conn.execute(sa.text("UPDATE decision SET pack_hash = :h"), {"h": "sha256:" + "ab" * 32})
    with database.db.read() as s:
        d = s.get(Decision, out.decision_id)
        assert d is not None
        result = replay_one(s, database.pipeline, d, code_version())
    assert result.verdict == FAILED, result
    assert "ab" * 32 in result.detail or "pack" in result.detail


def test_why_shows_the_stored_decision(database: TestDatabase) -> None:
    out = database.decide(WORKED)
    basis = out.decided.basis
    with database.db.read() as s:
        why = load_why(s, out.decision_id)
    assert not why.purged and why.basis_intact is True
    assert why.basis == json.loads(basis.canonical_json())
    assert [e["event"] for e in why.history] == ["received", "proposed"]
    text = render_text(why)
    assert f"föreslaget {basis.amounts.proposed} kr" in text
    for line in basis.lines:
        assert line.rule in text
        if line.legal_reference:
            assert line.legal_reference in text
    for finding in basis.findings:
        assert finding.code in text
    # the CLI says the same, and logs the read first
    accesses = database.count("access_log")
    proc = database.cli("audit", "why", out.decision_id)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == text
    proc = database.cli("audit", "why", out.decision_id, "--json", "--purpose", "tillsyn")
    data = json.loads(proc.stdout)
    assert data["purged"] is False and data["basis"] == why.basis and data["decision"]["id"] == out.decision_id
    assert database.count("access_log") == accesses + 2
    assert database.rows("SELECT purpose, action FROM access_log ORDER BY seq DESC LIMIT 2") == [
        ("tillsyn", "why"), ("revision", "why"),
    ]


def test_why_renders_the_record_and_warns_when_it_was_altered(database: TestDatabase) -> None:
    out = database.decide(WORKED)
    with database.db.engine.begin() as conn:
        stored = conn.execute(sa.text("SELECT basis_json FROM decision")).scalar_one()
        conn.execute(sa.text("UPDATE decision SET basis_json = :b"),
                     {"b": stored.replace(out.decided.basis.amounts.proposed, "1.00", 1)})
    with database.db.read() as s:
        why = load_why(s, out.decision_id)
    assert why.basis_intact is False
    text = render_text(why)
    assert "VARNING" in text and "finaid audit verify" in text
