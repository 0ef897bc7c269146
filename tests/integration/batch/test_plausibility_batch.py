"""Issue 18: with automated decisions on, the night never decides a 500 000 000 kr union fee.

Example 01 as shipped and a copy of it (another application id) with a union fee of 500 000 000 kr are
submitted; the batch runs with automation enabled as docs/web.md shows. The clean one is decided by
``system:auto``; the implausible one is proposed MANUAL, counted at the guideline's limit, and waits for
a handler (docs/domain.md section 3b).
"""

from __future__ import annotations

import json
from pathlib import Path

from adapters.driven.clock import utc_now
from decision.pipeline import decision_day
from rules.catalog import Catalog
from tests.integration.batch.test_batch import submit
from tests.integration.conftest import EXAMPLES, TestDatabase

EXAMPLE = "01-worked-example-couple-two-children.json"
IMPLAUSIBLE = "APP-2023-900018"


def test_the_batch_with_automation_does_not_auto_approve_an_implausible_claim(
    database: TestDatabase, tmp_path: Path
) -> None:
    folder = tmp_path / "bundles"
    folder.mkdir()
    text = (EXAMPLES / EXAMPLE).read_text(encoding="utf-8")
    (folder / EXAMPLE).write_text(text, encoding="utf-8")
    data = json.loads(text)
    data["application"]["id"] = IMPLAUSIBLE
    data["application"]["costs"].append({"kind": "union_fee", "amount": "500000000.00"})
    (folder / "union-fee.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    submit(database, folder)
    enabled = json.dumps({"1287": {"delegation_reference": "SN 2025-03-12 § 45",
                                   "allowed_notices": ["guideline.example"]}})
    before = decision_day(utc_now())  # the batch CLI decides as of today (no date can be pinned outside demo mode)
    proc = database.cli("batch", "run", env={"FINAID_AUTO_DECISIONS": enabled,
                                             "FINAID_REPORT_DIR": str(database.workdir / "reports")})
    assert proc.returncode == 0, proc.stderr
    after = decision_day(utc_now())
    states = dict(database.rows("SELECT id, state FROM application"))
    assert states == {"APP-2023-000042": "auto_approved", IMPLAUSIBLE: "proposed"}
    assert database.scalar("SELECT count(*) FROM audit_event WHERE event = 'auto_approved'") == 1
    [(raw,)] = database.rows("SELECT basis_json FROM decision WHERE application_id = :a", a=IMPLAUSIBLE)
    basis = json.loads(raw)
    # the packs in force on the day it ran (v2 until 2026-12-03, v3 from 2026-12-04): every one since v2 has
    # the guideline's plausibility limits, so the expectation below holds for each
    catalog = Catalog()
    in_force = {(catalog.pack_for(data["application"]["month"], day).id, catalog.guideline_for("1287", day).id)
                for day in (before, after)}
    assert (basis["rules"]["pack"], basis["guideline"]["id"]) in in_force
    assert basis["rules"]["pack"] != "sol2001_453_v1" and basis["outcome"] == "MANUAL"
    fee = next(line for line in basis["lines"] if line["rule"] == "cost.union_fee")
    assert fee["amount"] == "1000.00"
    (finding,) = [f for f in basis["findings"] if f["code"] == "cost.above_limit"]
    assert finding["severity"] == "manual"
    assert "500\u00a0000\u00a0000\u00a0kr" in finding["reason"] and "1\u00a0000\u00a0kr" in finding["reason"]
