"""The nightly batch: exactly once, crash-safe, lease races, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import time
from datetime import timedelta
from pathlib import Path

import pytest

from adapters.devtools.synthetic import generate
from adapters.driven.clock import utc_now as now
from adapters.driven.db.audit_store import verify
from adapters.driven.db.claims import Claims, LeaseLost
from adapters.driving.batch.runner import BatchConfig, run_batch
from adapters.driving.batch.worker import Worker
from decision.validation import parse_bundle
from tests.integration.conftest import FINAID, TestDatabase


def write_bundles(folder: Path, n: int, seed: int) -> Path:
    """n synthetic bundles with their registry answers already recorded (no registry needed)."""
    folder.mkdir(parents=True, exist_ok=True)
    for i, generated in enumerate(generate(n, seed)):
        bundle = {**generated, "registry": []}
        (folder / f"{i:05d}.json").write_text(json.dumps(bundle), encoding="utf-8")
    return folder


def submit(database: TestDatabase, folder: Path) -> int:
    proc = database.cli("case", "submit", folder)
    assert proc.returncode == 0, proc.stderr
    return len(list(folder.glob("*.json")))


def assert_each_decided_once(database: TestDatabase, n: int) -> None:
    assert database.count("application") == n
    assert database.scalar("SELECT count(*) FROM application WHERE state <> 'proposed'") == 0
    # exactly one decision per application (no revision changed, so nothing superseded)
    assert database.count("decision") == n
    assert database.scalar("SELECT count(DISTINCT application_id) FROM decision") == n
    proposed_events = database.scalar("SELECT count(*) FROM audit_event WHERE event = 'proposed'")
    assert proposed_events == n, "every decision has exactly one 'proposed' audit event"
    with database.db.read() as s:
        report = verify(s)
    assert report.ok, report.all_problems()


def batch_cli(database: TestDatabase, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(FINAID), "batch", "run", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=database.env(FINAID_REPORT_DIR=str(database.workdir / "reports")), cwd=database.workdir,
    )


def test_batch_decides_every_application_once_and_reports(database: TestDatabase, tmp_path: Path) -> None:
    n = submit(database, write_bundles(tmp_path / "bundles", 40, seed=7))
    proc = database.cli("batch", "run", env={"FINAID_REPORT_DIR": str(database.workdir / "reports")})
    assert proc.returncode == 0, proc.stderr
    assert_each_decided_once(database, n)
    reports = sorted((database.workdir / "reports").glob("batch-report-*.json"))
    assert len(reports) == 1 and reports[0].with_suffix(".html").exists()
    data = json.loads(reports[0].read_text())
    assert data["cases"] == n and sum(data["outcomes"].values()) == n
    # a second run finds nothing to do and decides nothing twice
    again = database.cli("batch", "run", env={"FINAID_REPORT_DIR": str(database.workdir / "reports")})
    assert again.returncode == 0, again.stderr
    assert database.count("decision") == n


def test_seeded_kills_lose_nothing_and_decide_each_once(database: TestDatabase, tmp_path: Path) -> None:
    n = submit(database, write_bundles(tmp_path / "bundles", 500, seed=11))
    rng = random.Random(2024)
    for _ in range(2):
        proc = batch_cli(database, "--lease", "2")
        time.sleep(rng.uniform(1.0, 3.0))  # a moment somewhere inside the run
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        time.sleep(2.2)  # the killed worker's leases expire
    proc = batch_cli(database, "--lease", "2")
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err
    assert_each_decided_once(database, n)


def test_a_worker_whose_lease_expired_writes_nothing(database: TestDatabase, tmp_path: Path) -> None:
    folder = write_bundles(tmp_path / "bundles", 3, seed=5)
    submit(database, folder)
    started = now() - timedelta(seconds=1)
    slow = Claims(database.db, "worker-slow", 0.2, started)
    fast = Claims(database.db, "worker-fast", 60, started)
    mine = slow.claim(3)
    assert len(mine) == 3
    time.sleep(0.4)  # the slow worker pauses past its lease
    theirs = fast.claim(3)
    assert sorted(c.application_id for c in theirs) == sorted(c.application_id for c in mine)
    Worker(database.store, database.pipeline, fast, "system:batch:test", 3, 3).run_chunk(theirs)
    decisions = database.count("decision")
    events = database.count("audit_event")
    # the slow worker resumes: every write is refused by its stale claim
    for claim in mine:
        with pytest.raises(LeaseLost):
            with database.db.transaction() as s:
                slow.guard(claim)(s)
    results = Worker(database.store, database.pipeline, slow, "system:batch:test", 3, 3).run_chunk(mine)
    assert {r.status for r in results} == {"lease_lost"}
    assert database.count("decision") == decisions
    assert database.count("audit_event") == events


@pytest.mark.pg
def test_two_concurrent_batch_processes_decide_each_application_exactly_once(
    database: TestDatabase, tmp_path: Path
) -> None:
    if database.backend != "postgresql":
        pytest.skip("several batch processes share the work on PostgreSQL only")
    n = submit(database, write_bundles(tmp_path / "bundles", 1000, seed=3))
    procs = [batch_cli(database) for _ in range(2)]
    for p in procs:
        out, err = p.communicate(timeout=600)
        assert p.returncode == 0, err
    assert_each_decided_once(database, n)
    by_worker = database.rows(
        "SELECT actor, count(*) FROM audit_event WHERE event = 'proposed' GROUP BY actor"
    )
    assert sum(c for _, c in by_worker) == n


def test_workers_above_one_are_refused_on_sqlite(database: TestDatabase) -> None:
    if database.backend != "sqlite":
        pytest.skip("SQLite only")
    cfg = BatchConfig(db_url=database.url, db_schema=None, workers=2, actor="system:batch:test",
                      report_dir=str(database.workdir))
    from decision.errors import ConfigurationError

    with pytest.raises(ConfigurationError):
        run_batch(cfg)
    proc = database.cli("batch", "run", "--workers", "2")
    assert proc.returncode == 1 and "PostgreSQL" in proc.stderr


def test_submit_is_idempotent_and_a_changed_bundle_is_a_new_revision(database: TestDatabase, tmp_path: Path) -> None:
    folder = write_bundles(tmp_path / "bundles", 2, seed=9)
    submit(database, folder)
    submit(database, folder)
    assert database.count("application_revision") == 2
    first = sorted(folder.glob("*.json"))[0]
    data = json.loads(first.read_text())
    data["application"]["household_changed"] = not data["application"].get("household_changed", False)
    first.write_text(json.dumps(data))
    parse_bundle(first.read_bytes())
    submit(database, folder)
    assert database.count("application_revision") == 3
    assert database.count("application") == 2
    os.environ.get("CI")


def test_the_batch_decides_automatically_only_where_a_municipality_enabled_it(
    database: TestDatabase, tmp_path: Path
) -> None:
    from tests.integration.conftest import EXAMPLES

    folder = tmp_path / "bundles"
    folder.mkdir()
    for name in ("01-worked-example-couple-two-children.json", "11-income-mismatch-and-dental-cost.json"):
        (folder / name).write_text((EXAMPLES / name).read_text())
    submit(database, folder)
    enabled = json.dumps({"1287": {"delegation_reference": "SN 2025-03-12 § 45",
                                   "allowed_notices": ["guideline.example"]}})
    proc = database.cli("batch", "run", env={"FINAID_AUTO_DECISIONS": enabled,
                                             "FINAID_REPORT_DIR": str(database.workdir / "reports")})
    assert proc.returncode == 0, proc.stderr
    states = dict(database.rows("SELECT id, state FROM application"))
    assert states["APP-2023-000042"] == "auto_approved"  # a clean re-application proposed GRANT
    assert states["APP-2026-001011"] == "proposed"  # MANUAL findings: a handler decides
    assert database.scalar("SELECT count(*) FROM audit_event WHERE event = 'auto_approved'") == 1
