"""The handler's day in a real browser (Playwright driving Debian's chromium).

Log in, open the queue, open a MANUAL case, resolve its findings, amend a cost with a reason, see it
wait for a supervisor, log in as the supervisor, countersign, open the letter. Screenshots go to
``test-output/browser/``. Needs the ``chromium`` package (``make test`` installs it with apt when
run as root); without it the test is skipped with that message.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from adapters.driving.web.app import WebConfig, create_app
from tests.e2e.browserkit import CHROMIUM, KEY, NO_CHROMIUM, OUT, ROOT, decided_database, serve

MANUAL_CASE = "APP-2026-001011"  # example 11: a cost of kind other and an income mismatch

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason=NO_CHROMIUM)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db = decided_database(tmp_path_factory.mktemp("browser") / "finaid.db")
    try:
        with serve(create_app(WebConfig(demo=True, secure_cookies=False, hmac_key=KEY), db)) as url:
            yield url
    finally:
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
            page.click("#amend-link")  # Ändra: the amount fields appear, the assessments above are kept
            row = page.locator("tr", has=page.locator("span.code", has_text="cost.other"))
            row.locator("input.amount").fill("2400")
            row.locator("select").select_option("kostnad.skalig_individuellt")
            row.locator("input[name^=motivation_]").fill("Akut tandvård enligt kostnadsförslag.")
            page.click("button[value=preview]")  # the rules recompute the total before anything is signed
            page.screenshot(path=str(OUT / "03a-amend-preview.png"), full_page=True)
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
