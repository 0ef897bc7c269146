"""``finaid web serve`` with several worker processes (``FINAID_WEB_WORKERS``, docs/operations.md): the workers
share the sessions (one login is valid in every worker), the pages are the same, and outside demo mode more than
one worker without a shared session secret refuses to start, naming the setting."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import httpx

from adapters.driving.web.demo_accounts import demo_password
from tests.integration.ops.conftest import FINAID, wait_healthy
from tests.integration.ops.test_log_lines import _env, _free_port

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _children(pid: int) -> set[int]:
    """The processes whose parent is ``pid`` (Linux /proc)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat[1]) == pid:
                found.add(int(entry.name))
    return found


def test_two_workers_share_the_sessions_and_serve_the_same_pages(tmp_path: Path) -> None:
    port = _free_port()
    log = tmp_path / "web.log"
    with log.open("w") as err:
        proc = subprocess.Popen([str(FINAID), "web", "serve", "--port", str(port)], cwd=tmp_path,
                                env=_env(tmp_path, FINAID_WEB_WORKERS="2"), stdout=subprocess.DEVNULL, stderr=err,
                                stdin=subprocess.DEVNULL)
        try:
            base = f"http://127.0.0.1:{port}"
            wait_healthy(base, proc, log, 90)
            assert "2 worker processes" in log.read_text()
            workers = {p for p in _children(proc.pid)
                       if "spawn_main" in Path(f"/proc/{p}/cmdline").read_bytes().decode(errors="replace")}
            assert len(workers) == 2, (workers, log.read_text())
            with httpx.Client(base_url=base, timeout=30) as c:
                m = CSRF.search(c.get("/login").text)
                assert m
                r = c.post("/login", data={"csrf_token": m.group(1), "username": "handlaggare1",
                                           "password": demo_password("handlaggare1"), "next": "/"})
                assert r.status_code == 303 and "failed=" not in r.headers["location"], r.headers
                cookies = dict(c.cookies)
            pages = set()
            for _ in range(12):  # a new connection each time: the kernel hands them to either worker
                with httpx.Client(base_url=base, timeout=30, cookies=cookies) as fresh:
                    page = fresh.get("/queue")
                    assert page.status_code == 200, page.status_code  # not a redirect to the login
                    assert "<html lang=\"sv\"" in page.text and "Hanna Handläggare" in page.text
                    pages.add(re.sub(r'name="csrf_token" value="[^"]+"', "", page.text))
            assert len(pages) == 1  # the same page, whichever worker answered
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    assert proc.returncode == 0 or proc.returncode == -15, log.read_text()
    assert not any(os.path.exists(f"/proc/{p}") and _alive(p) for p in workers)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_several_workers_without_a_session_secret_refuse_outside_demo_mode(tmp_path: Path) -> None:
    env = {**_env(tmp_path, FINAID_WEB_WORKERS="2"), "FINAID_MODE": "production"}
    proc = subprocess.run([str(FINAID), "web", "serve", "--port", str(_free_port())], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120, check=False, stdin=subprocess.DEVNULL)
    assert proc.returncode == 1, proc.stderr
    assert "FINAID_WEB_WORKERS: more than one worker process needs FINAID_WEB_SESSION_SECRET" in proc.stderr
