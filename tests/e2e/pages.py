"""What several browser tests share: an example's application id and a morning report made over a
database's current decisions (production mode by default: its links point to the web app)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from adapters.driven.db.engine import Database
from adapters.driving.batch.config import BatchConfig, BatchOutcome
from adapters.driving.batch.report import write_report
from adapters.driving.batch.worker import CaseResult
from decision.validation import parse_bundle
from tests.e2e.browserkit import ROOT


def app_id(number: str) -> str:
    file = next((ROOT / "examples" / "bundles").glob(f"{number}-*.json"))
    return parse_bundle(file.read_bytes()).application.id


def morning_report(db: Database, folder: Path, *, demo: bool = False) -> Path:
    """A morning report (HTML) over the cases without protected identity, and one case that failed."""
    with db.engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT a.id, d.outcome, d.id, d.basis_json FROM application a JOIN decision d "
            "ON a.current_decision_id = d.id WHERE a.protected = :f ORDER BY a.id"), {"f": False}).all()
    results = [CaseResult(app, "decided", outcome, decision, protected=False, manual=sorted(
        {f["code"] for f in json.loads(basis)["findings"] if f["severity"] == "manual"}))
        for app, outcome, decision, basis in rows]
    results.append(CaseResult(app_id("12"), "failed", reason="registret svarade inte"))
    now = datetime(2026, 12, 3, 5, 0, tzinfo=UTC)
    cfg = BatchConfig(str(db.engine.url), None, actor="system:batch:test", report_dir=str(folder), demo=demo)
    _, html = write_report(db, cfg, BatchOutcome("batch-test", now, now, results), "testvärd")
    return html
