"""A poison application never stops a night (issue 18): it fails alone, the rest of its chunk is decided,
the morning report lists it, the run exits 3; a killed run is shown as abandoned once its lease has passed."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from adapters.driven.clock import utc_now as now
from adapters.driving.batch.heartbeat import shown_status
from adapters.driving.batch.outage import DatabaseUnreachable, Outage, transient
from tests.integration.batch.test_batch import assert_each_decided_once, batch_cli, submit, write_bundles
from tests.integration.conftest import ROOT, TestDatabase

N = 240


def poisoned_cli(database: TestDatabase, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``finaid ARGS`` with faults injected for the named applications (tests/integration/batch/poisoned.py)."""
    return subprocess.run(
        [sys.executable, "-m", "tests.integration.batch.poisoned", *args], capture_output=True, text=True,
        env=database.env(PYTHONPATH=str(ROOT), FINAID_REPORT_DIR=str(database.workdir / "reports"), **env),
        cwd=database.workdir, timeout=600, check=False,
    )


def spoil_revision(database: TestDatabase, app_id: str) -> None:
    """A stored revision that no longer parses (as if stored before the strict parser)."""
    with database.bypass_triggers() as conn:
        conn.execute(
            sa.text("UPDATE application_revision SET bundle_json = :bad WHERE id = "
                    "(SELECT current_revision_id FROM application WHERE id = :app)"),
            {"bad": '{"schema": "finaid.case-bundle/1", "application": {"amount": 1.5e400}}', "app": app_id},
        )


def latest_report(database: TestDatabase) -> dict[str, object]:
    reports = sorted((database.workdir / "reports").glob("batch-report-*.json"), key=lambda p: p.stat().st_mtime)
    data: dict[str, object] = json.loads(reports[-1].read_text(encoding="utf-8"))
    return data


def test_poison_applications_fail_alone_and_every_other_application_is_decided_once(
    database: TestDatabase, tmp_path: Path
) -> None:
    n = submit(database, write_bundles(tmp_path / "bundles", N, seed=18))
    ids = sorted(r[0] for r in database.rows("SELECT id FROM application"))
    poison = random.Random(18).sample(ids, 6)
    evaluate_poison, store_poison, unreadable = poison[:2], poison[2:4], poison[4:]
    for app_id in unreadable:
        spoil_revision(database, app_id)
    env = {"POISON_EVALUATE": ",".join(evaluate_poison), "POISON_STORE": ",".join(store_poison)}

    night = poisoned_cli(database, "batch", "run", "--budget", "2", **env)
    assert night.returncode == 3, night.stderr
    healthy = n - len(poison)
    states = dict(database.rows("SELECT id, state FROM application"))
    assert {a for a, st in states.items() if st != "proposed"} == set(poison)
    assert {states[a] for a in poison} == {"failed"}
    assert database.count("decision") == healthy
    assert database.scalar("SELECT count(DISTINCT application_id) FROM decision") == healthy
    assert database.scalar("SELECT count(*) FROM audit_event WHERE event = 'proposed'") == healthy
    reasons = dict(database.rows("SELECT id, state_reason FROM application WHERE state = 'failed'"))
    assert {reasons[a] for a in evaluate_poison} == {"tekniskt fel vid beslut: InjectedFault"}
    assert {reasons[a] for a in store_poison} == {"tekniskt fel vid lagring: InjectedFault"}
    assert all(reasons[a].startswith("sparad ansökan kan inte läsas") for a in unreadable)
    report = latest_report(database)
    listed = {f["application"]: f for f in report["failures"]}  # type: ignore[attr-defined]
    assert set(listed) == set(poison)
    assert all(listed[a]["status"] == "failed" and listed[a]["reason"] == reasons[a] for a in poison)
    html = Path(str(report_html(database))).read_text(encoding="utf-8")
    assert all(a in html for a in poison) and "tekniskt fel vid lagring" in html

    # the next night: only the poisoned are tried again, and their budget is spent
    second = poisoned_cli(database, "batch", "run", "--budget", "2", **env)
    assert second.returncode == 3, second.stderr
    assert latest_report(database)["cases"] == len(poison)
    states = dict(database.rows("SELECT id, state FROM application"))
    assert {states[a] for a in poison} == {"failed_permanent"}
    assert database.count("decision") == healthy
    # a third night has nothing left to do
    third = poisoned_cli(database, "batch", "run", "--budget", "2", **env)
    assert third.returncode == 0, third.stderr
    assert database.count("decision") == healthy
    from adapters.driven.db.audit_store import verify

    with database.db.read() as s:
        checked = verify(s)
    # the chains verify; the only problems are the revisions this test spoiled by hand
    assert checked.audit.ok and checked.access.ok, checked.all_problems()
    assert len(checked.problems) == len(unreadable) and all("altered" in p for p in checked.problems)


def report_html(database: TestDatabase) -> Path:
    reports = sorted((database.workdir / "reports").glob("batch-report-*.html"), key=lambda p: p.stat().st_mtime)
    return reports[-1]


def test_a_killed_run_is_shown_abandoned_once_its_lease_has_passed_and_the_next_run_resumes(
    database: TestDatabase, tmp_path: Path
) -> None:
    n = submit(database, write_bundles(tmp_path / "bundles", 300, seed=19))
    proc = batch_cli(database, "--lease", "5")
    deadline = time.monotonic() + 120
    while database.count("decision") < 10 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    killed_at = now()
    assert 0 < database.count("decision") < n, "killed mid-run"
    [(run_id, status, counts)] = database.rows("SELECT id, status, counts FROM batch_run")
    assert shown_status(status, counts, killed_at) == "running"  # within its lease it may still be alive
    time.sleep(5.5)  # the run's lease passes
    assert database.cli_json("batch", "status", "--json")["runs"][0]["status"] == "abandoned"
    again = database.cli("batch", "run", env={"FINAID_REPORT_DIR": str(database.workdir / "reports")})
    assert again.returncode == 0, again.stderr
    assert_each_decided_once(database, n)
    runs = {r["id"]: r["status"] for r in database.cli_json("batch", "status", "--json")["runs"]}
    assert runs[run_id] == "abandoned"
    assert sorted(runs.values()) == ["abandoned", "done"]
    stored = dict(database.rows("SELECT id, status FROM batch_run"))
    assert stored[run_id] == "abandoned"  # recorded so by the next run


class _Lost(sa.exc.OperationalError):
    def __init__(self) -> None:
        super().__init__("SELECT 1", {}, ConnectionError("server closed the connection unexpectedly"))


def test_an_outage_is_waited_for_within_its_bound_and_other_errors_are_not() -> None:
    pauses: list[float] = []
    outage = Outage(5.0, first_pause_s=0.01, sleep=pauses.append)
    calls = iter([_Lost(), _Lost(), "ok"])

    def step() -> str:
        item = next(calls)
        if isinstance(item, Exception):
            raise item
        return item

    assert outage.run(step) == "ok" and len(pauses) == 2 and not outage.gave_up
    assert transient(_Lost()) and not transient(ValueError("x"))
    with pytest.raises(ValueError):
        outage.run(lambda: (_ for _ in ()).throw(ValueError("poison")))
    bounded = Outage(0.05, first_pause_s=0.01)

    def down() -> None:
        raise _Lost()

    with pytest.raises(DatabaseUnreachable):
        bounded.run(down)
    assert bounded.gave_up and bounded.unreachable_s >= 0.05
