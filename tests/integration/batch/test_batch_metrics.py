"""The night's metrics for node_exporter's textfile collector (``FINAID_METRICS_TEXTFILE``; docs/operations.md
"Health checks and metrics"): a run against the sandbox registry writes its throughput and the registry calls
of every worker (two worker processes on PostgreSQL), and they agree with the morning report and ``/metrics``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from adapters.devtools import synthetic
from adapters.devtools.sandbox.app import SOAP_PATH, create_app
from adapters.driving.web.app import WebConfig
from adapters.driving.web.app import create_app as create_web_app
from tests.integration.conftest import TestDatabase
from tests.integration.registry.conftest import ServerThread

SEED, N = 5, 10


@pytest.fixture(scope="module")
def sandbox_url() -> Any:
    app = create_app({p.personnummer: p for h in synthetic.households(N, SEED) for p in h.people})
    with ServerThread(app) as server:
        yield f"http://127.0.0.1:{server.port}{SOAP_PATH}"


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for fam in text_string_to_metric_families(text) for s in fam.samples}


def test_the_night_writes_its_metrics_for_the_textfile_collector(database: TestDatabase, sandbox_url: str,
                                                                 tmp_path: Path) -> None:
    folder = tmp_path / "bundles"
    folder.mkdir()
    for bundle in synthetic.generate(N, SEED):
        (folder / f"{bundle['application']['id']}.json").write_text(json.dumps(bundle), encoding="utf-8")
    assert database.cli("case", "submit", folder).returncode == 0
    textfile = tmp_path / "textfile" / "finaid_batch.prom"
    workers = "2" if database.backend == "postgresql" else "1"
    night = database.cli("batch", "run", "--workers", workers, env={
        "FINAID_MODE": "demo", "FINAID_SANDBOX_URL": sandbox_url, "FINAID_METRICS_TEXTFILE": str(textfile),
        "FINAID_REPORT_DIR": str(tmp_path / "reports")}, timeout=300)
    assert night.returncode == 0, night.stderr
    assert f"metrics: {textfile}" in night.stderr
    m = samples(textfile.read_text(encoding="utf-8"))
    report = json.loads(next((tmp_path / "reports").rglob("*.json")).read_text(encoding="utf-8"))
    assert m[("finaid_batch_run_cases", (("status", "decided"),))] == N
    assert m[("finaid_batch_run_exit_code", ())] == 0
    assert m[("finaid_batch_run_cases_per_second", ())] > 0
    # every worker's registry calls: answers per agency agree with the report (counted from the sealed bundles)
    assert report["agencies"]
    for agency, seen in report["agencies"].items():
        answered = sum(v for (name, labels), v in m.items() if name == "finaid_registry_answers_total"
                       and dict(labels)["agency"] == agency and dict(labels)["status"] != "unavailable")
        unavailable = m.get(("finaid_registry_answers_total", (("agency", agency), ("status", "unavailable"))), 0)
        assert (answered, unavailable) == (seen["answered"], seen["unavailable"]), agency
        calls = m[("finaid_registry_call_seconds_count", (("agency", agency),))]
        assert calls == seen["answered"] + seen["unavailable"]  # one answer per agency and call
        assert m[("finaid_registry_call_seconds_bucket", (("agency", agency), ("le", "+Inf")))] == calls
    # /metrics of the web app shows the same run from the database
    web = create_web_app(WebConfig(demo=True, hmac_key=b"k" * 32, pdf=False), database.db)
    scraped = samples(TestClient(web, base_url="https://testserver", client=("127.0.0.1", 1)).get("/metrics").text)
    assert scraped[("finaid_batch_last_run_cases", ())] == N
    assert scraped[("finaid_batch_last_run_status", (("status", "done"),))] == 1
    assert scraped[("finaid_applications", (("state", "proposed"),))] == N
