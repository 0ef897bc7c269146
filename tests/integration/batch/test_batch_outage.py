"""The night survives the database going away (issue 18), on PostgreSQL through a loopback proxy the test cuts:
within FINAID_BATCH_DB_RETRY_S the workers wait and reconnect, nothing is lost or decided twice, the chain
verifies and the report says how long the database was unreachable; beyond it the run stops cleanly (exit 3)
and the next run resumes."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.integration.batch.tcp_proxy import TcpProxy
from tests.integration.batch.test_batch import assert_each_decided_once, submit, write_bundles
from tests.integration.conftest import FINAID, TestDatabase

pytestmark = pytest.mark.pg


@pytest.fixture
def proxy(database: TestDatabase) -> Iterator[TcpProxy]:
    if database.backend != "postgresql":
        pytest.skip("the database outage is tested on PostgreSQL")
    url = make_url(database.url)
    with TcpProxy(url.host or "127.0.0.1", url.port or 5432) as p:
        yield p


def night(database: TestDatabase, proxy: TcpProxy, *args: str, retry_s: float) -> subprocess.Popen[str]:
    via_proxy = make_url(database.url).set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    return subprocess.Popen(
        [str(FINAID), "batch", "run", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=database.env(FINAID_DB_URL=via_proxy, FINAID_BATCH_DB_RETRY_S=str(retry_s),
                         FINAID_REPORT_DIR=str(database.workdir / "reports")),
        cwd=database.workdir,
    )


def cut_mid_run(
    database: TestDatabase, proxy: TcpProxy, folder: Path, seed: int, *args: str, retry_s: float
) -> tuple[int, subprocess.Popen[str]]:
    """300 applications submitted, a night started through the proxy, the line cut after 20 decisions."""
    n = submit(database, write_bundles(folder, 300, seed=seed))
    proc = night(database, proxy, *args, retry_s=retry_s)
    deadline = time.monotonic() + 180
    while database.count("decision") < 20:
        assert proc.poll() is None, proc.communicate()[1]
        assert time.monotonic() < deadline, "the run made no progress"
        time.sleep(0.05)
    proxy.cut()
    return n, proc


def report(database: TestDatabase) -> tuple[dict[str, object], str]:
    [path] = sorted((database.workdir / "reports").glob("batch-report-*.json"))[-1:]
    return json.loads(path.read_text(encoding="utf-8")), path.with_suffix(".html").read_text(encoding="utf-8")


def test_workers_wait_out_a_30_second_outage_and_decide_everything_once(
    database: TestDatabase, proxy: TcpProxy, tmp_path: Path
) -> None:
    n, proc = cut_mid_run(database, proxy, tmp_path / "bundles", 30, "--workers", "2", retry_s=90)
    before = database.count("decision")
    time.sleep(30)
    assert database.count("decision") == before, "nothing is written while the database is unreachable"
    assert proc.poll() is None, "the run waits for the database"
    assert proxy.refused > 0, "the workers tried to reconnect"
    proxy.restore()
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert_each_decided_once(database, n)  # nothing lost, nothing decided twice, the chain verifies
    data, html = report(database)
    assert data["cases"] == n and data["stopped"] is False
    assert 25 <= data["db_unreachable_seconds"] <= 60  # type: ignore[operator]
    assert f"databasen gick inte att nå i {data['db_unreachable_seconds']} s" in html
    [(status,)] = database.rows("SELECT status FROM batch_run")
    assert status == "done"


def test_beyond_the_bound_the_run_stops_with_exit_3_and_the_next_run_resumes(
    database: TestDatabase, proxy: TcpProxy, tmp_path: Path
) -> None:
    n, proc = cut_mid_run(database, proxy, tmp_path / "bundles", 31, "--lease", "3", retry_s=3)
    try:
        out, err = proc.communicate(timeout=120)
    finally:
        proxy.restore()
    assert proc.returncode == 3, err
    assert "Traceback" not in err
    assert database.count("decision") < n
    data, html = report(database)
    assert data["stopped"] is True and data["db_unreachable_seconds"] >= 3  # type: ignore[operator]
    assert "Körningen avbröts i förtid: databasen gick inte att nå" in html
    time.sleep(3.5)  # the stopped run's leases pass
    again = night(database, proxy, retry_s=30)
    out, err = again.communicate(timeout=300)
    assert again.returncode == 0, err
    assert_each_decided_once(database, n)
    statuses = sorted(r[0] for r in database.rows("SELECT status FROM batch_run"))
    assert statuses == ["abandoned", "done"]  # the stopped run could not record its end: its lease did
