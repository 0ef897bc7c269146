"""A tilläggsansökan in a real browser (Playwright driving Debian's chromium) on a 320 px phone: after a handler
signed the household's May 2024 decision, the applicant makes a supplementary application for that month part by
part (confirming the household and incomes, changing the costs) with a new cost (glasses, whose cost it is, the
receipt attached), signs; the partner signs on their own phone; the kvittens. No page is wider than the phone
and axe-core finds no serious or critical violation on any of them (when axe-core is installed in
tests/e2e/axe). Screenshots go to ``test-output/browser/etjanst-supp-*.png``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from adapters.driven.clock import DemoClock
from adapters.driven.db.engine import Database
from adapters.driven.db.models import Application
from adapters.driving.etjanst.app import create_etjanst_app
from adapters.driving.etjanst.config import EtjanstConfig
from tests.e2e.browserkit import CHROMIUM, KEY, NO_CHROMIUM, browser, decided_database, serve, shot
from tests.e2e.test_etjanst_browser import AXE, PHONE, citizen, fits
from tests.integration.etjanst.kit import png
from tests.integration.etjanst.test_etjanst_supplementary import APP, APPLICANT, PARTNER, sign_as_handler

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason=NO_CHROMIUM)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Database]]:
    db = decided_database(tmp_path_factory.mktemp("etjanst-supp-browser") / "finaid.db")
    sign_as_handler(db, APP)  # the month is decided: a tilläggsansökan is offered for it
    app = create_etjanst_app(EtjanstConfig(demo=True, secure_cookies=False, hmac_key=KEY), db,
                             clock=DemoClock(date(2026, 12, 4)))  # the packs that take /2 are published
    try:
        with serve(app) as url:
            yield url, db
    finally:
        db.dispose()


def test_a_supplementary_application_on_a_phone(site: tuple[str, Database]) -> None:
    from playwright.sync_api import expect

    url, db = site
    with browser() as b:
        page: Any = citizen(b, url, APPLICANT, PHONE)
        fits(page, 320)
        page.select_option("#supp-month", "2024-05")
        page.click("form.supplement button[type=submit]")
        expect(page.locator("main p.muted")).to_contain_text("Tilläggsansökan")
        expect(page.locator("#progress")).to_have_text("Steg 1 av 5")
        fits(page, 320)
        page.click("button[value=confirm]")  # the household and the incomes as in the decided month
        page.click("button[value=confirm]")
        expect(page.locator("#progress")).to_have_text("Steg 3 av 5")
        page.click("main a[href$='?andra=1']")  # a new cost
        row = page.evaluate("""() => [...document.querySelectorAll('input[name^="costs-"][name$="-amount"]')]
                                     .find(i => !i.value).name.split('-')[1]""")
        page.select_option(f"select[name='costs-{row}-kind']", "glasses")
        page.fill(f"input[name='costs-{row}-amount']", "1800")
        page.select_option(f"select[name='costs-{row}-person']", APPLICANT)
        page.click("button[value=more_costs]")  # kept as typed; the new cost can now have a document
        expect(page.locator(f"input[name='costs-{row}-amount']")).to_have_value("1800")
        page.set_input_files("#upload", files=[{"name": "kvitto.png", "mimeType": "image/png", "buffer": png()}])
        page.fill("#upload_label", "Kvitto glasögon")
        page.select_option("#upload_cost", row)
        page.click("button[value=upload]")
        expect(page.locator("#upload-box")).to_contain_text("Kvitto glasögon")
        fits(page, 320)
        shot(page, "etjanst-supp-01-form-phone")
        page.click("button[value=next]")
        expect(page.locator("#progress")).to_have_text("Steg 4 av 5")
        page.click("button[value=confirm]")
        page.click("button[value=confirm]")
        expect(page.locator("h1")).to_have_text("Kontrollera och skriv under")
        expect(page.locator("#s-cost")).to_be_visible()
        fits(page, 320)
        page.check("#confirm")
        page.click("form[action$='/signera'] button[type=submit]")
        page.wait_for_load_state()
        fits(page, 320)
        shot(page, "etjanst-supp-02-waiting-for-partner-phone")
        page.close()

        partner: Any = citizen(b, url, PARTNER, PHONE)
        partner.click("a[href$='/sammanfattning']")
        fits(partner, 320)
        partner.check("#confirm")
        partner.click("form[action$='/signera'] button[type=submit]")
        expect(partner.locator("h1")).to_have_text("Din ansökan är skickad")
        fits(partner, 320)
        shot(partner, "etjanst-supp-03-kvittens-phone")
        found = re.search(r"ET-[0-9A-Z]{26}", partner.content())
        assert found, "the kvittens names the application id"
        app_id = found.group(0)
        partner.close()
    with db.read() as s:
        sent = s.get(Application, app_id)
        assert sent is not None and sent.state == "received" and sent.month == "2024-05"
    if not AXE.exists():
        pytest.skip("axe-core is not installed in tests/e2e/axe (make axe): only the 320 px reflow was checked")


def test_the_e_service_works_by_keyboard_alone(site: tuple[str, Database]) -> None:
    """WCAG 2.1.1 and 2.4.7: a citizen logs in, reaches every link and button of the start page with Tab — each
    showing a visible focus outline — and opens Mina uppgifter with Enter, without a mouse."""
    from playwright.sync_api import expect

    url, _ = site
    with browser() as b:
        page: Any = b.new_page(viewport=PHONE, locale="sv-SE")
        page.goto(f"{url}/login")
        radio = f"input[name=personnummer][value='{APPLICANT}']"
        for _ in range(80):  # Tab to the first choice of person, then the arrow keys move within the group
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.name") == "personnummer":
                break
        for _ in range(80):
            if page.evaluate(f"document.activeElement.matches(\"{radio}\")"):
                break
            page.keyboard.press("ArrowDown")
        page.keyboard.press("Space")
        expect(page.locator(radio)).to_be_checked()
        for _ in range(80):
            page.keyboard.press("Tab")
            if page.evaluate("(e => e.type === 'submit' && !!e.form && e.form.getAttribute('action') === '/login')"
                             "(document.activeElement)"):
                break
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert "/login" not in page.url, page.url
        focusable = "a[href], button, input:not([type=hidden]), select, textarea"
        reachable = page.evaluate(f"() => [...document.querySelectorAll('{focusable}')]"
                                  ".filter(e => e.offsetParent !== null).length")
        seen, target = set(), None
        for _ in range(reachable + 5):
            page.keyboard.press("Tab")
            info = page.evaluate("""() => { const e = document.activeElement, s = getComputedStyle(e);
                return {key: e.outerHTML.slice(0, 120), href: e.getAttribute('href'),
                        outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2}; }""")
            assert info["outline"], f"no visible focus on {info['key']}"
            seen.add(info["key"])
            if info["href"] == "/mina-uppgifter":
                target = info
                break
        assert target is not None, "Mina uppgifter cannot be reached with Tab"
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.url.endswith("/mina-uppgifter")
        expect(page.locator("h1")).to_be_visible()
        shot(page, "etjanst-keyboard-mina-uppgifter")
