"""The batch against the sandbox registry: a night with the registry down, and what the logs hold."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import httpx
import pytest

from adapters.devtools import synthetic
from adapters.devtools.sandbox.app import SOAP_PATH, create_app
from decision import personnummer as pnr
from tests.integration.conftest import FINAID, TestDatabase
from tests.integration.registry.conftest import ServerThread

SEED = 21
N = 24


@pytest.fixture(scope="module")
def sandbox_base() -> object:
    households = synthetic.households(N, SEED)
    app = create_app({p.personnummer: p for h in households for p in h.people})
    with ServerThread(app) as server:
        yield f"http://127.0.0.1:{server.port}"


def run_batch(database: TestDatabase, base: str) -> subprocess.CompletedProcess[str]:
    return database.cli(
        "batch", "run",
        env={"FINAID_MODE": "demo", "FINAID_SANDBOX_URL": f"{base}{SOAP_PATH}",
             "FINAID_REPORT_DIR": str(database.workdir / "reports"), "FINAID_SSBTEK_TIMEOUT_S": "3",
             "FINAID_SSBTEK_ATTEMPTS": "2", "FINAID_SSBTEK_BACKOFF_S": "0.01"},
        timeout=300,
    )


def test_registry_down_all_night_fails_every_application_and_the_next_night_decides_them(
    database: TestDatabase, sandbox_base: str, tmp_path: Path
) -> None:
    folder = tmp_path / "bundles"
    folder.mkdir()
    for bundle in synthetic.generate(N, SEED):
        (folder / f"{bundle['application']['id']}.json").write_text(json.dumps(bundle), encoding="utf-8")
    assert database.cli("case", "submit", folder).returncode == 0
    httpx.put(f"{sandbox_base}/control/faults", json={"faults": [{"fault": "http_status", "status": 503}]},
              timeout=5).raise_for_status()
    try:
        night = run_batch(database, sandbox_base)
    finally:
        httpx.delete(f"{sandbox_base}/control/faults", timeout=5).raise_for_status()
    assert night.returncode == 3, night.stderr  # technical failures
    states = dict(database.rows("SELECT state, count(*) FROM application GROUP BY state"))
    assert states == {"failed": N}
    assert database.rows("SELECT DISTINCT state_reason FROM application") == [("registry_unavailable",)]
    assert database.count("decision") == 0, "a registry outage never becomes a MANUAL flood"
    morning = run_batch(database, sandbox_base)
    assert morning.returncode == 0, morning.stderr
    states = dict(database.rows("SELECT state, count(*) FROM application GROUP BY state"))
    assert states == {"proposed": N}
    assert database.count("decision") == N
    unavailable = database.scalar(
        "SELECT count(*) FROM decision_use WHERE kind = 'finding' AND ref = 'registry.unavailable'"
    )
    assert unavailable < N  # decided on real answers, not on the outage
    # the night's registry reads are access-log entries by the batch's service actor, with a purpose; the
    # night when the registry did not answer read nothing and logged nothing
    reads = database.rows("SELECT actor, purpose, channel, subject FROM access_log WHERE action = 'registry_read'")
    assert len(reads) == N and {r[3] for r in reads} == {f"application:{a}" for (a,) in
                                                         database.rows("SELECT id FROM application")}
    assert {(r[1], r[2]) for r in reads} == {("handlaggning", "batch")}
    assert all(r[0].startswith("system:batch:") for r in reads)
    someone = next(p for h in synthetic.households(N, SEED) for p in h.people)
    asked = database.cli("audit", "access", "--json", stdin=pnr.normalise(someone.personnummer) + "\n")
    assert asked.returncode == 0, asked.stderr
    assert any(a["action"] == "registry_read" and a["channel"] == "batch" and a["actor"].startswith("system:batch:")
               for a in json.loads(asked.stdout))
    # the raw envelopes are kept as evidence with the sealed revisions, each envelope's bytes once
    assert database.scalar("SELECT count(*) FROM registry_evidence WHERE revision_id IS NULL") == 0
    envelopes = database.scalar("SELECT count(DISTINCT sha256) FROM registry_evidence")
    assert envelopes > 0
    assert database.scalar("SELECT count(*) FROM registry_evidence WHERE raw IS NOT NULL") == envelopes
    from adapters.driven.db.store import DbEvidenceStore

    some = database.scalar("SELECT request_id FROM registry_evidence WHERE raw IS NULL LIMIT 1")
    if some is not None:
        assert DbEvidenceStore(database.db).get(some), "an agency's evidence resolves to its envelope"


PNR_SHAPE = re.compile(r"(?<!\d)((?:19|20)\d{2})(\d{2})(\d{2})-?(\d{4})(?!\d)")


def personnummer_in(text: str) -> list[str]:
    found = []
    for m in PNR_SHAPE.finditer(text):
        digits = "".join(m.groups())
        try:
            day = int(digits[6:8])
            date(int(digits[:4]), int(digits[4:6]), day - 60 if day > 60 else day)
            if pnr.normalise(digits) == digits:
                found.append(digits[:6] + "…")
        except ValueError:
            continue
    return found


def test_the_demo_night_writes_no_personnummer_and_no_name_in_any_log_or_report(tmp_path: Path) -> None:
    out = tmp_path / "night"
    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith("FINAID_")}
    env["FINAID_TODAY"] = "2026-12-04"  # as `make demo`: the packs that take case bundle /2 (names) apply
    proc = subprocess.run(
        [str(FINAID), "demo", "night", "--n", "40", "--seed", "3", "--out", str(out)],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=600, check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    # the morning after: GRANT proposals signed as the demo handler, a tilläggsansökan decided against one
    [db_file] = out.rglob("finaid.db")
    with sqlite3.connect(db_file) as conn:
        signed = conn.execute("SELECT application_id, actor FROM sign_off WHERE final").fetchall()
        supplement = conn.execute("SELECT a.id, a.state, e.earlier_decision_id FROM application a "
                                  "JOIN decision d ON d.id = a.current_decision_id "
                                  "JOIN decision_earlier e ON e.decision_id = d.id").fetchall()
    assert len(signed) == 3 and {actor for _, actor in signed} == {"user:handlaggare1"}
    [(supplement_id, state, earlier)] = supplement
    assert state == "proposed" and supplement_id.endswith("-T1")  # decided (never automatically)
    assert supplement_id.removesuffix("-T1") in {app for app, _ in signed} and earlier
    assert re.search(r"en tilläggsansökan\s+MANUAL\s", proc.stdout), proc.stdout[-2000:]  # shown with the others
    (tmp_path / "stdout.log").write_text(proc.stdout, encoding="utf-8")
    (tmp_path / "stderr.log").write_text(proc.stderr, encoding="utf-8")
    assert '"event": "batch.done"' in proc.stderr, "JSON log lines when not on a terminal"
    scanned = 0
    names = re.compile(r"\b(" + "|".join(map(re.escape, synthetic.NAMES)) + r")\b")
    for file in [tmp_path / "stdout.log", tmp_path / "stderr.log", *out.rglob("*")]:
        if not file.is_file() or file.name.startswith("finaid.db") or file.suffix == ".key":
            continue  # the database holds the case files by design; retention purges them
        text = file.read_text(encoding="utf-8", errors="replace")
        scanned += 1
        assert not personnummer_in(text), f"{file.name} holds personnummer {personnummer_in(text)[:3]}"
        if file.parent.name == "decisions":  # a beslutsunderlag shows a /2 member's name by design (issue 15)
            continue
        assert not names.search(text), f"{file.name} holds a name: {names.search(text)}"
    assert scanned >= 10  # logs, sandbox log, report HTML/JSON, decision bases
    sys.stdout.write(f"scanned {scanned} files\n")


def test_outside_demo_mode_the_batch_refuses_to_run_without_a_registry_when_answers_are_missing(
    database: TestDatabase, tmp_path: Path
) -> None:
    folder = tmp_path / "bundles"
    folder.mkdir()
    for bundle in synthetic.generate(3, SEED):
        (folder / f"{bundle['application']['id']}.json").write_text(json.dumps(bundle), encoding="utf-8")
    assert database.cli("case", "submit", folder).returncode == 0
    proc = database.cli("batch", "run", env={"FINAID_REPORT_DIR": str(tmp_path / "reports")})
    assert proc.returncode == 1
    assert "FINAID_SSBTEK_URL" in proc.stderr and "Traceback" not in proc.stderr
    assert database.count("decision") == 0
