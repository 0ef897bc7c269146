"""Casework in a real browser (Playwright driving Debian's chromium): a handler corrects a signed decision
(preview of the rules' new total, then the signature; the old decision stays in the history), sends
findings for comment and records the answer (kommunicering, FL 25 §), and writes a journal note.
Screenshots go to ``test-output/browser/`` (docs/web.md)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from adapters.driving.web.app import WebConfig, create_app
from tests.e2e.browserkit import CHROMIUM, KEY, NO_CHROMIUM, browser, decided_database, login, serve, shot
from tests.e2e.test_workbench import app_id

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason=NO_CHROMIUM)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db = decided_database(tmp_path_factory.mktemp("casework") / "finaid.db")
    config = WebConfig(demo=True, secure_cookies=False, hmac_key=KEY, pdf=False)
    try:
        with serve(create_app(config, db)) as url:
            yield url
    finally:
        db.dispose()


@pytest.fixture(scope="module")
def handler(site: str) -> Iterator[Any]:
    with browser() as b:
        yield login(b, site, "handlaggare1")


def test_a_handler_corrects_a_signed_decision_seeing_the_new_total_first(site: str, handler: Any) -> None:
    from playwright.sync_api import expect

    page = handler
    page.goto(f"{site}/case/{app_id('01')}")
    page.click("button[value=confirm_approve]")
    page.click("button[value=approve]")
    expect(page.locator("section.done h2")).to_contain_text("8\u00a0360")
    page.click("#open-change")
    row = page.locator("#change-form tr", has_text="cost.rent")
    amount = row.locator("input.amount")
    rent = amount.input_value()
    whole = int(rent.split(",")[0].replace(" ", "").replace("\u00a0", ""))
    amount.fill(f"{whole + 100},00")
    row.locator("select").select_option(index=1)
    row.locator("input[name^=motivation_]").fill("Hyran skrevs in fel.")
    page.fill("#change_reason", "Räknefel: hyran enligt avtalet skrevs in med fel belopp.")
    page.click("#preview-change")
    expect(page.locator("#change-preview h3")).to_contain_text("8\u00a0460")
    expect(page.locator("section.done h2")).to_contain_text("8\u00a0360")  # nothing signed by a preview
    shot(page, "40-correction-preview")
    page.click("#sign-change")
    expect(page.locator(".message")).to_contain_text("ersätter det tidigare")
    expect(page.locator("section.done h2")).to_contain_text("8\u00a0460")
    history = page.locator("#beslutshistorik")
    expect(history).to_contain_text("Rättelse")
    expect(history).to_contain_text("Ersatt")
    expect(history).to_contain_text("Gäller")
    shot(page, "41-correction-history")


def test_kommunicering_round_trip(site: str, handler: Any) -> None:
    from playwright.sync_api import expect

    page = handler
    case = app_id("03")
    page.goto(f"{site}/case/{case}")
    page.click("#kommunicering summary")
    page.locator("#communicate-form input[name=item]").first.check()
    page.fill("#message", "Vi har fått uppgifter från Försäkringskassan som du kanske inte har sett.")
    page.click("#send-communication")
    expect(page.locator(".message")).to_contain_text("väntar på svar")
    expect(page.locator("h1 .state")).to_contain_text("Väntar på svar")
    shot(page, "42-kommunicering-held")
    page.goto(f"{site}/queue")
    expect(page.locator("#vantar-pa-svar + table")).to_contain_text(case)
    page.goto(f"{site}/case/{case}")
    page.click("text=Kommuniceringsbrev")
    expect(page.locator("h1")).to_contain_text("Du får tillfälle att yttra dig")
    expect(page.locator("body")).to_contain_text("Svara senast")
    shot(page, "43-kommuniceringsbrev")
    page.goto(f"{site}/case/{case}")
    page.fill("#answer", "Hyran har sänkts från och med nästa månad.")
    page.click("#record-answer")
    expect(page.locator(".message")).to_contain_text("Svaret är registrerat")
    expect(page.locator("h1 .state")).to_contain_text("Förslag väntar på beslut")
    expect(page.locator("#kommunicering")).to_contain_text("Hyran har sänkts")


def test_a_journal_note_is_written_and_shown_with_author_and_stockholm_time(site: str, handler: Any) -> None:
    from playwright.sync_api import expect

    page = handler
    page.goto(f"{site}/case/{app_id('02')}")
    page.fill("#note_text", "Ringde den sökande: lönespecifikation kommer på måndag.")
    page.click("#add-note")
    expect(page.locator(".message")).to_contain_text("Anteckningen är sparad")
    note = page.locator("#journal .note").first
    expect(note).to_contain_text("lönespecifikation kommer på måndag")
    expect(note).to_contain_text("Hanna Handläggare")
    expect(note).to_contain_text("CET")
    shot(page, "44-journal-note")
