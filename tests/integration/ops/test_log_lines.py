"""Real log lines against docs/operations.md "Logs for a SIEM": a night (``finaid batch run``), a registry call that
fails (``finaid case decide`` with the registry unreachable) and a web session (``finaid web serve``: a refused and
an accepted login, a case page, an API call without a token). Each line is JSON with the common fields, a
documented event with exactly its documented fields, a Stockholm timestamp with its offset — and no personnummer
or name anywhere."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
from pathlib import Path
from typing import Any

import httpx

from adapters.devtools import synthetic
from adapters.driving.web.demo_accounts import demo_password
from tests.integration.batch.test_batch_registry import personnummer_in
from tests.integration.ops.conftest import FINAID, ROOT, wait_healthy
from tests.unit.test_log_fields import COMMON, documented_events

TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0[12]:00")
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(tmp: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FINAID_")}
    env.update(FINAID_MODE="demo", FINAID_DB_URL=f"sqlite:///{tmp / 'finaid.db'}",
               FINAID_REPORT_DIR=str(tmp / "reports"), COLUMNS="200", **extra)
    return env


def _run(tmp: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(FINAID), *args], capture_output=True, text=True, cwd=tmp, env=_env(tmp, **extra),
                          check=False, timeout=600, stdin=subprocess.DEVNULL)


def _lines(stderr: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]


def _web_session(tmp: Path, app_id: str) -> str:
    port = _free_port()
    log = tmp / "web.log"
    with log.open("w") as err:
        proc = subprocess.Popen([str(FINAID), "web", "serve", "--port", str(port)], cwd=tmp, env=_env(tmp),
                                stdout=subprocess.DEVNULL, stderr=err, stdin=subprocess.DEVNULL)
        try:
            base = f"http://127.0.0.1:{port}"
            wait_healthy(base, proc, log, 60)
            with httpx.Client(base_url=base, timeout=10) as c:
                for password in ("fel-lösenord", demo_password("handlaggare1")):
                    page = c.get("/login")
                    m = CSRF.search(page.text)
                    assert m, page.text
                    c.post("/login", data={"csrf_token": m.group(1), "username": "handlaggare1", "password": password,
                                           "next": "/"})
                assert c.get(f"/case/{app_id}", headers={"X-Request-ID": "siem-test-1"}).status_code == 200
                assert c.get(f"/api/v1/applications/{app_id}").status_code == 401
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    return log.read_text(encoding="utf-8")


def test_real_log_lines_hold_the_documented_fields_and_no_personal_data(tmp_path: Path) -> None:
    assert _run(tmp_path, "case", "submit", str(ROOT / "examples" / "bundles")).returncode == 0
    night = _run(tmp_path, "batch", "run")
    assert night.returncode == 0, night.stderr
    assert _run(tmp_path, "demo", "generate", "1", "--out", str(tmp_path / "syn")).returncode == 0
    bundle = next((tmp_path / "syn").glob("*.json"))
    down = _run(tmp_path, "case", "decide", str(bundle), FINAID_SANDBOX_URL=f"http://127.0.0.1:{_free_port()}/ssbtek",
                FINAID_SSBTEK_ATTEMPTS="1")
    assert down.returncode == 0, down.stderr  # decided MANUAL, naming the agencies
    app_id = json.loads((ROOT / "examples" / "bundles").glob("01-*.json").__next__().read_text())["application"]["id"]
    web = _web_session(tmp_path, app_id)
    lines = _lines(night.stderr) + _lines(down.stderr) + _lines(web)
    docs = documented_events()
    seen: dict[str, list[dict[str, Any]]] = {}
    for line in lines:
        event = line["event"]
        assert event in docs, line
        d = docs[event]
        assert TIMESTAMP.fullmatch(line["timestamp"]), line["timestamp"]
        assert line["level"] in d.levels, line
        own = set(line) - COMMON
        assert d.required <= own <= d.fields, (event, sorted(own), sorted(d.fields))
        seen.setdefault(event, []).append(line)
    assert {"batch.progress", "batch.done", "registry.call_failed", "http.request"} <= set(seen), sorted(seen)
    requests = seen["http.request"]
    logins = [r["login"] for r in requests if r["route"] == "/login" and r["method"] == "POST"]
    assert logins == ["refused", "ok"]
    page = next(r for r in requests if r.get("request_id") == "siem-test-1")
    assert page["actor"] == "user:handlaggare1" and page["case_id"] == app_id and page["route"] == "/case/{app_id}"
    api = next(r for r in requests if r["route"].startswith("/api/"))
    assert api["status"] == 401 and "actor" not in api and len(api["request_id"]) == 26
    assert all("request_id" in r for r in requests)
    # no personnummer and no name (bundles carry no names; the synthetic population's come from NAMES)
    text = night.stderr + down.stderr + web
    assert not personnummer_in(text), personnummer_in(text)[:3]
    names = re.compile(r"\b(" + "|".join(map(re.escape, synthetic.NAMES)) + r")\b")
    assert not names.search(text), names.search(text)
    for bundle_file in [bundle, *(ROOT / "examples" / "bundles").glob("*.json")]:
        for member in json.loads(bundle_file.read_text())["application"]["household"]:
            assert member["personnummer"] not in text and member["personnummer"][2:] not in text
