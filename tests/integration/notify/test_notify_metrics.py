"""``finaid_notifications_total{channel,outcome}``: scraped from the workbench's and the e-service's /metrics
(loopback or the bearer token), and written to the night's textfile with what every batch worker counted."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from adapters.driven.clock import DemoClock
from adapters.driven.db import migrate
from adapters.driven.db.engine import Database
from adapters.driven.metrics import NotifyMetrics
from adapters.driven.notify import NOTIFICATIONS, LogNotifier
from adapters.driving.batch.config import BatchOutcome, WorkerEnd
from adapters.driving.batch.metrics_file import write_run_metrics
from adapters.driving.etjanst.app import create_etjanst_app
from adapters.driving.etjanst.config import EtjanstConfig
from adapters.driving.web.app import WebConfig, create_app

KEY = b"finaid-notify-metrics-hmac-key-0123456"


def counts(text: str) -> dict[tuple[str, str], float]:
    return {(s.labels["channel"], s.labels["outcome"]): s.value for fam in text_string_to_metric_families(text)
            for s in fam.samples if s.name == "finaid_notifications_total"}


def test_workers_counts_are_what_they_added_and_reach_the_textfile(tmp_path: Path) -> None:
    mine = NotifyMetrics()
    mine.count("sms", "sent")
    before = mine.snapshot()
    mine.count("sms", "sent")
    mine.count("sms", "failed")
    assert mine.since(before) == [["sms", "failed", 1], ["sms", "sent", 1]]
    at = datetime(2026, 12, 3, 2, tzinfo=UTC)
    outcome = BatchOutcome("B1", at, at)
    outcome.ended(WorkerEnd(notifications=[["sms", "sent", 2], ["sms", "no_contact", 1]]))
    outcome.ended(WorkerEnd(notifications=[["sms", "sent", 1]]))
    path = tmp_path / "finaid_batch.prom"
    write_run_metrics(path, outcome)
    assert counts(path.read_text(encoding="utf-8")) == {("sms", "sent"): 3.0, ("sms", "no_contact"): 1.0}


def test_the_workbench_and_the_e_service_serve_the_count(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'finaid.db'}")
    migrate.upgrade(db)
    try:
        LogNotifier().notify("ab" * 32, "decision_made")
        logged = NOTIFICATIONS.value("log", "logged")
        web = TestClient(create_app(WebConfig(demo=True, hmac_key=KEY, pdf=False), db),
                         base_url="https://testserver", client=("127.0.0.1", 1))
        assert counts(web.get("/metrics").text)[("log", "logged")] == logged
        config = EtjanstConfig(demo=True, secure_cookies=False, hmac_key=KEY, pdf=False)
        app = create_etjanst_app(config, db, clock=DemoClock(datetime(2026, 12, 3).date()))
        local = TestClient(app, client=("127.0.0.1", 1))
        assert counts(local.get("/metrics").text)[("log", "logged")] == logged
        remote = TestClient(app, client=("203.0.113.9", 1))
        assert remote.get("/metrics").status_code == 403  # loopback only without FINAID_METRICS_TOKEN
    finally:
        db.dispose()
