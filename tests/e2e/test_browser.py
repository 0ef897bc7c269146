"""The handler's day in a real browser (Playwright driving Debian's chromium).

Log in, open the queue, open a MANUAL case, resolve its findings, amend a cost with a reason, see it
wait for a supervisor, log in as the supervisor, countersign, open the letter. Screenshots go to
``test-output/browser/``. Needs the ``chromium`` package (``make test`` installs it with apt when
run as root); without it the test is skipped with that message.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.driven.db import migrate
from adapters.driven.db.access import AccessLog
from adapters.driven.db.engine import Database
from adapters.driven.db.store import CaseStore
from adapters.driving.web.app import WebConfig, create_app
from audit.access import person_key
from decision.validation import parse_bundle
from tests.decide import decide_and_store
from tests.services import SERVICES

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "test-output" / "browser"
KEY = b"finaid-browser-test-hmac-key-0123456789"
CHROMIUM = shutil.which("chromium")
MANUAL_CASE = "APP-2026-001011"  # example 11: a cost of kind other and an income mismatch

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed: run `apt-get install -y chromium` (make test does it as root)"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    import uvicorn

    path = tmp_path_factory.mktemp("browser") / "finaid.db"
    db = Database(f"sqlite:///{path}")
    migrate.upgrade(db)
    store = CaseStore(db, person_key=lambda p: person_key(KEY, p))
    access = AccessLog(db, KEY)
    pipeline = SERVICES.pipeline
    for file in sorted((ROOT / "examples" / "bundles").glob("*.json")):
        decide_and_store(parse_bundle(file.read_bytes()), pipeline=pipeline, catalog=SERVICES.catalog,
                         store=store, access=access, actor="system:batch:demo")
    app = create_app(WebConfig(demo=True, secure_cookies=False, hmac_key=KEY), db)
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error", lifespan="off"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(timeout=5)
        db.dispose()


def test_a_handler_amends_a_manual_case_and_a_supervisor_countersigns(server: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        )
        try:
            page = browser.new_page(viewport={"width": 1360, "height": 900}, locale="sv-SE")
            page.goto(f"{server}/login")
            page.fill("#username", "handlaggare1")
            page.fill("#password", "demo-handlaggare1")
            page.click("button[type=submit]")
            expect(page.locator("h1")).to_have_text("Förslag som väntar på beslut")
            page.select_option("select[name=outcome]", "MANUAL")
            page.click("text=Filtrera")
            page.screenshot(path=str(OUT / "01-queue.png"), full_page=True)
            page.click(f"a[href='/case/{MANUAL_CASE}']")
            expect(page.locator("h1")).to_contain_text(MANUAL_CASE)
            page.screenshot(path=str(OUT / "02-case.png"), full_page=True)
            if os.environ.get("FINAID_DOCS_SCREENSHOT"):
                page.screenshot(path=str(ROOT / "docs" / "case-page.png"), full_page=True,
                                clip={"x": 0, "y": 0, "width": 1360, "height": 1640})
            findings = page.locator("select[name^=resolution_]")
            for i in range(findings.count()):
                findings.nth(i).select_option("fynd.underlag_inkommit")
            for i, area in enumerate(page.locator("textarea[name^=resolution_motivation_]").all()):
                area.fill(f"Underlag har kommit in ({i + 1}).")
            row = page.locator("tr", has=page.locator("span.code", has_text="cost.other"))
            row.locator("input.amount").fill("2400")
            row.locator("select").select_option("kostnad.skalig_individuellt")
            row.locator("input[name^=motivation_]").fill("Akut tandvård enligt kostnadsförslag.")
            page.click("button[value=amend]")
            expect(page.locator(".message")).to_contain_text("andra underskrift")
            expect(page.locator("h1 .state")).to_have_text("Väntar på andra underskrift")
            page.screenshot(path=str(OUT / "03-waiting-for-supervisor.png"), full_page=True)
            page.click("text=Logga ut")

            page.fill("#username", "supervisor1")
            page.fill("#password", "demo-supervisor1")
            page.click("button[type=submit]")
            page.goto(f"{server}/queue?state=awaiting_second_signature")
            page.click(f"a[href='/case/{MANUAL_CASE}']")
            page.screenshot(path=str(OUT / "04-supervisor.png"), full_page=True)
            page.click("button[name=countersign]")
            expect(page.locator(".message")).to_contain_text("underskrivet")
            expect(page.locator("section.done h2")).to_contain_text("Beviljat")
            page.click("text=Öppna beslutsbrevet")
            expect(page.locator("h1")).to_contain_text("Beslut om ekonomiskt bistånd")
            expect(page.locator("body")).to_contain_text("inom tre veckor")
            page.screenshot(path=str(OUT / "05-letter.png"), full_page=True)
            pdf = page.request.get(f"{server}/case/{MANUAL_CASE}/letter.pdf")
            assert pdf.status == 200 and pdf.body()[:5] == b"%PDF-"
            (OUT / "05-letter.pdf").write_bytes(pdf.body())
        finally:
            browser.close()
