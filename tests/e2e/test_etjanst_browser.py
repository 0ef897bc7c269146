"""The e-service in a real browser (Playwright driving Debian's chromium), as an applicant uses it: on a 320 px
phone the applicant makes the household's continued application with a receipt, signs, the partner signs with
their own login on a desktop, the kvittens; the night decides it (the use cases, the registry's answers for the
month); a handler signs it in the workbench; the applicant sees the decision, opens the letter (its first
opening recorded) and sees in Mina uppgifter who has read their data. A draft thrown away is gone. No page is
wider than the phone, and every page passes axe-core with no serious or critical violation (when axe-core is
installed: ``tests/e2e/axe``, the workbench's setup; else that check is skipped and says so). Screenshots go to
``test-output/browser/etjanst-*.png``."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from adapters.driven.clock import DemoClock
from adapters.driven.db.access import AccessLog
from adapters.driven.db.engine import Database
from adapters.driven.db.models import Application, Revision
from adapters.driven.db.store import CaseStore
from adapters.driving.etjanst.app import create_etjanst_app
from adapters.driving.etjanst.config import EtjanstConfig
from adapters.driving.web.app import WebConfig, create_app
from audit.access import person_key
from decision.validation import parse_bundle
from tests.decide import decide_and_store
from tests.e2e.browserkit import CHROMIUM, KEY, NO_CHROMIUM, ROOT, browser, decided_database, login, serve, shot
from tests.services import SERVICES

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason=NO_CHROMIUM)

TODAY = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
APPLICANT, PARTNER = "198507092388", "198703114424"  # example 01's couple
PHONE = {"width": 320, "height": 740}
DESKTOP = {"width": 1280, "height": 900}


@dataclass
class Sites:
    etjanst: str
    workbench: str
    db: Database


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sites]:
    db = decided_database(tmp_path_factory.mktemp("etjanst-browser") / "finaid.db")
    clock = DemoClock(TODAY.date())
    citizen = create_etjanst_app(EtjanstConfig(demo=True, secure_cookies=False, hmac_key=KEY), db, clock=clock)
    handler = create_app(WebConfig(demo=True, secure_cookies=False, hmac_key=KEY), db)
    try:
        with serve(citizen) as e_url, serve(handler) as w_url:
            yield Sites(e_url, w_url, db)
    finally:
        db.dispose()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    with browser() as b:
        yield b


def citizen(b: Any, url: str, pnr: str, viewport: dict[str, int]) -> Any:
    page = b.new_page(viewport=viewport, locale="sv-SE")
    page.goto(f"{url}/login")
    page.check(f"input[name=personnummer][value='{pnr}']")
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_load_state()
    return page


AXE = ROOT / "tests" / "e2e" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
checked: list[str] = []


def fits(page: Any, width: int) -> None:
    """Nothing on the page needs a wider screen than it has (WCAG 1.4.10 reflow at 320 px), and axe-core finds
    no serious or critical violation on it."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url
    axe(page)


def axe(page: Any) -> None:
    if not AXE.exists():
        return
    page.evaluate(AXE.read_text(encoding="utf-8"))  # through the DevTools protocol: the page's CSP allows no script
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    bad = [f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
           for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert bad == [], f"{page.url}: {bad}"
    checked.append(page.url)


def night(db: Database, app_id: str) -> None:
    """The night for one application: the registry's answers for the month (example 01's, re-dated), decided by
    the deciding use case as the batch would."""
    with db.read() as s:
        app = s.get(Application, app_id)
        assert app is not None
        bundle = json.loads(s.execute(
            Revision.__table__.select().with_only_columns(Revision.bundle_json)
            .where(Revision.id == app.current_revision_id)).scalar())
    example = json.loads(next((ROOT / "examples" / "bundles").glob("01-*.json")).read_text())
    fetched = TODAY.replace(hour=2).isoformat()
    registry = []
    month = bundle["application"]["month"]
    for answer in example["registry"]:
        entry = {**answer, "fetched_at": fetched, "request_id": answer["request_id"] + "-etjanst"}
        entry["facts"] = [{**f, "month": month} if "month" in f else f for f in entry.get("facts", [])]
        registry.append(entry)
    sealed = parse_bundle(json.dumps({**bundle, "registry": registry}))
    store = CaseStore(db, person_key=lambda p: person_key(KEY, p))
    decide_and_store(sealed, pipeline=SERVICES.pipeline, catalog=SERVICES.catalog, store=store,
                     access=AccessLog(db, KEY), actor="system:batch:demo", clock=DemoClock(TODAY.date()))


def test_phone_application_partner_signs_night_handler_signs_citizen_reads_letter(sites: Sites, chromium: Any) -> None:
    from playwright.sync_api import expect

    page = citizen(chromium, sites.etjanst, APPLICANT, PHONE)
    expect(page.locator("h1")).to_have_text("Mina ansökningar")
    fits(page, 320)
    shot(page, "etjanst-01-home-phone")
    page.click("form[action='/ansokan/ny'] button")
    # part by part: each prefilled part is confirmed ("Stämmer") or changed ("Ändra")
    expect(page.locator("#progress")).to_have_text("Steg 1 av 5")
    expect(page.locator("h1")).to_have_text("Hushåll")
    expect(page.locator("#household")).to_contain_text("19870311-4424")
    fits(page, 320)
    shot(page, "etjanst-02-step-household-phone")
    page.click("button[value=confirm]")
    expect(page.locator("#progress")).to_have_text("Steg 2 av 5")
    fits(page, 320)
    page.click("button[value=confirm]")
    expect(page.locator("#progress")).to_have_text("Steg 3 av 5")
    expect(page.locator("#costs")).to_contain_text("Hyra")
    fits(page, 320)
    page.click("main a[href$='?andra=1']")  # Ändra
    # a wrong amount: the message beside the field, what was typed kept
    rent = page.locator("select[name$='-kind'][name^='costs-'] option[value=rent][selected]").locator("xpath=../..")
    amount = rent.locator("xpath=following-sibling::div[1]//input")
    amount.fill("åttatusen")
    page.click("button[value=next]")
    expect(page.locator(".field-error").first).to_contain_text("Skriv beloppet i kronor")
    expect(amount).to_have_value("åttatusen")
    fits(page, 320)
    shot(page, "etjanst-02-field-error-phone")
    amount.fill("8200")
    page.set_input_files("#upload", files=[{"name": "hyresavi.pdf", "mimeType": "application/pdf",
                                             "buffer": _pdf()}])
    page.fill("#upload_label", "Hyresavi december")
    page.select_option("#upload_cost", index=1)
    page.click("button[value=upload]")
    expect(page.locator("ul.files")).to_contain_text("Hyresavi december")
    page.click("button[value=next]")
    expect(page.locator("#progress")).to_have_text("Steg 4 av 5")
    page.click("button[value=confirm]")
    expect(page.locator("#progress")).to_have_text("Steg 5 av 5")
    fits(page, 320)
    shot(page, "etjanst-02-step-work-phone")
    page.click("button[value=confirm]")
    expect(page.locator("h1")).to_have_text("Kontrollera och skriv under")
    expect(page.locator("#s-reg")).to_have_text("Det här frågar vi andra myndigheter om")
    expect(page.locator("section a[href$='/del/kostnader?andra=1']")).to_be_visible()  # each part can be changed
    fits(page, 320)
    shot(page, "etjanst-03-summary-phone")
    page.check("#confirm")
    page.click("form[action$='/signera'] button")
    expect(page.locator("p.notice")).to_contain_text("make, maka eller sambo")
    draft_url = page.url

    partner = citizen(chromium, sites.etjanst, PARTNER, DESKTOP)
    expect(partner.locator("section.notice h2")).to_contain_text("väntar på din underskrift")
    partner.click("section.notice a.button")
    partner.check("#confirm")
    axe(partner)
    shot(partner, "etjanst-04-partner-signs-desktop")
    partner.click("form[action$='/signera'] button")
    expect(partner.locator("h1")).to_have_text("Din ansökan är skickad")
    app_id = partner.locator("#application-id").inner_text()
    assert app_id.startswith("ET-")
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d CET", partner.locator("#sent-at").inner_text())
    axe(partner)
    shot(partner, "etjanst-05-kvittens-desktop")

    page.goto(draft_url)  # the applicant's own page now shows the kvittens too
    expect(page.locator("#application-id")).to_have_text(app_id)
    page.goto(f"{sites.etjanst}/arende/{app_id}")
    expect(page.locator("#status")).to_have_text("Mottagen")
    fits(page, 320)

    night(sites.db, app_id)
    page.reload()
    expect(page.locator("#status")).to_have_text("Under handläggning")

    handler = login(chromium, sites.workbench, "handlaggare1")
    handler.goto(f"{sites.workbench}/case/{app_id}")
    for i, sel in enumerate(handler.locator("select[name^=resolution_]").all()):
        sel.select_option("fynd.kontrollerat_paverkar_inte")
        handler.locator(f"textarea[name=resolution_motivation_{sel.get_attribute('name').split('_')[1]}]").fill(
            f"Kontrollerat ({i + 1}).")
    handler.click("button[value=confirm_approve]")
    handler.click("button[value=approve]")
    expect(handler.locator(".message")).to_contain_text("Beslutet är fattat")
    handler.goto(f"{sites.workbench}/case/{app_id}/etjanst")
    expect(handler.locator("table")).to_contain_text("application/pdf")
    shot(handler, "etjanst-06-handler-attachments")

    page.reload()
    expect(page.locator("#status")).to_have_text("Beslut fattat")
    expect(page.locator("dd").nth(1)).to_have_text("Inte ännu")
    fits(page, 320)
    shot(page, "etjanst-07-decided-phone")
    page.click("text=Läs beslutsbrevet")
    expect(page.locator("body")).to_contain_text(app_id[:3])
    page.go_back()
    page.reload()
    fits(page, 320)
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d CET", page.locator("dd").nth(1).inner_text())
    page.goto(f"{sites.etjanst}/mina-uppgifter")
    expect(page.locator("#who")).to_be_visible()
    expect(page.locator("table").last).to_contain_text("En handläggare eller annan anställd")
    fits(page, 320)
    shot(page, "etjanst-08-my-data-phone")
    page.click("a[href='/mina-uppgifter/avisering']")  # Avisering: an error beside its field, then saved
    expect(page.locator("h1")).to_have_text("Avisering")
    page.fill("#email", "anna@")
    page.click("form[action='/mina-uppgifter/avisering'] button")
    expect(page.locator("#email-error")).to_contain_text("namn@exempel.se")
    expect(page.locator("#consent-error")).to_be_visible()
    fits(page, 320)
    page.fill("#email", "anna@example.se")
    page.check("#consent")
    page.click("form[action='/mina-uppgifter/avisering'] button")
    expect(page.locator(".notice")).to_contain_text("Ditt val är sparat.")
    fits(page, 320)
    shot(page, "etjanst-08b-notifications-phone")
    page.close()
    partner.close()
    handler.close()


def test_a_draft_thrown_away_is_gone_and_english_works(sites: Sites, chromium: Any) -> None:
    from playwright.sync_api import expect

    login_page = chromium.new_page(viewport=PHONE, locale="sv-SE")
    login_page.goto(f"{sites.etjanst}/login")
    fits(login_page, 320)
    login_page.close()
    page = citizen(chromium, sites.etjanst, "198202114537", PHONE)  # example 03's applicant
    page.click("a[hreflang=en]")
    expect(page.locator("h1")).to_have_text("My applications")
    page.click("form[action='/ansokan/ny'] button")
    expect(page.locator("#progress")).to_have_text("Step 1 of 5")
    page.click("main a[href$='?andra=1']")
    fits(page, 320)  # the household's fields: each member answered for with yes or no
    page.check("input[name$='-keep'][value=off] >> nth=0")
    page.click("button[value=save]")
    expect(page.locator("p.notice[role=status]")).to_have_text("Saved.")
    expect(page.locator("input[name$='-keep'][value=off] >> nth=0")).to_be_checked()
    shot(page, "etjanst-09-step-household-change-en-phone")
    page.goto(f"{sites.etjanst}/")
    expect(page.locator("#drafts")).to_have_text("Not sent yet")
    page.click("ul.cards a >> nth=0")  # taken up again at its first part not yet confirmed
    expect(page.locator("h1")).to_have_text("Household")
    fits(page, 320)
    page.click("form[action$='/kasta'] button")
    expect(page.locator("#drafts")).to_have_count(0)
    page.goto(f"{sites.etjanst}/tillganglighet")
    expect(page.locator("h1")).to_have_text("Accessibility statement")
    fits(page, 320)
    shot(page, "etjanst-09-accessibility-en-phone")
    page.close()
    assert not AXE.exists() or len(checked) >= 12  # axe ran on every page above (both tests, in order)


def test_the_parts_on_a_desktop_then_changed_from_the_summary(sites: Sites, chromium: Any) -> None:
    """The continued application part by part in a desktop window: Back returns to the part before, the
    summary's "Ändra" opens a part's fields and Next returns to the summary."""
    from playwright.sync_api import expect

    page = citizen(chromium, sites.etjanst, "198202114537", DESKTOP)  # example 03's applicant
    page.click("form[action='/ansokan/ny'] button")
    expect(page.locator("#progress")).to_have_text("Steg 1 av 5")
    axe(page)
    shot(page, "etjanst-12-step-household-desktop")
    by_keyboard(page, "button[value=confirm]")  # Stämmer, without a mouse
    expect(page.locator("#progress")).to_have_text("Steg 2 av 5")
    by_keyboard(page, "main a[href$='?andra=1']")  # Ändra
    expect(page.locator("#incomes")).to_be_visible()
    axe(page)
    shot(page, "etjanst-13-step-incomes-change-desktop")
    by_keyboard(page, "button[value=back]")
    expect(page.locator("#progress")).to_have_text("Steg 1 av 5")
    expect(page.locator("li[aria-current=step]")).to_contain_text("Hushåll")
    page.click("button[value=confirm]")  # the household again: on to the first part not yet confirmed
    for n in (2, 3, 4, 5):
        expect(page.locator("#progress")).to_have_text(f"Steg {n} av 5")
        page.click("button[value=confirm]")
    expect(page.locator("h1")).to_have_text("Kontrollera och skriv under")
    axe(page)
    shot(page, "etjanst-14-summary-desktop")
    page.click("section a[href$='/del/tillgangar?andra=1']")
    expect(page.locator("#progress")).to_have_text("Steg 4 av 5")
    page.click("button[value=next]")
    expect(page.locator("h1")).to_have_text("Kontrollera och skriv under")
    page.goto(page.url.replace("/sammanfattning", "/del/hushall"))
    page.click("form[action$='/kasta'] button")
    expect(page.locator("#drafts")).to_have_count(0)
    page.close()


def by_keyboard(page: Any, selector: str) -> None:
    """Tab to the element (each stop with a visible focus outline) and press Enter on it."""
    for _ in range(120):
        page.keyboard.press("Tab")
        here = page.evaluate("""() => { const e = document.activeElement, s = getComputedStyle(e);
            return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2; }""")
        assert here, page.evaluate("document.activeElement.outerHTML.slice(0, 120)")
        if page.evaluate(f"document.activeElement.matches(\"{selector}\")"):
            with page.expect_navigation():
                page.keyboard.press("Enter")
            return
    raise AssertionError(f"{selector} cannot be reached with Tab on {page.url}")


def _pdf() -> bytes:
    from tests.integration.etjanst.kit import pdf

    return pdf()


def test_komplettering_round_trip_in_the_browser(sites: Sites, chromium: Any) -> None:
    from playwright.sync_api import expect

    app_id = "APP-2024-000203"  # example 03, proposed
    handler = login(chromium, sites.workbench, "handlaggare1")
    handler.goto(f"{sites.workbench}/case/{app_id}")
    handler.click("text=E-tjänsten: bilagor och begäran om komplettering")
    handler.fill("#message", "Skicka lönespecifikationen för maj.")
    handler.fill("#due_date", "2026-12-17")
    handler.click("text=Begär komplettering")
    expect(handler.locator(".request")).to_contain_text("Inte besvarad ännu")
    shot(handler, "etjanst-10-handler-asks")

    page = citizen(chromium, sites.etjanst, "198202114537", PHONE)
    page.goto(f"{sites.etjanst}/arende/{app_id}")
    expect(page.locator("#status")).to_have_text("Komplettering begärd")
    expect(page.locator("section.notice")).to_contain_text("lönespecifikationen")
    fits(page, 320)
    page.click("text=Svara och bifoga dokument")
    page.click("form[action$='/komplettering'] button[type=submit]")  # nothing written: the error beside it
    expect(page.locator("#answer-error")).to_contain_text("Skriv ett svar eller bifoga ett dokument")
    fits(page, 320)
    page.fill("#answer", "Här är lönespecifikationen.")
    page.set_input_files("#upload", files=[{"name": "lon.pdf", "mimeType": "application/pdf", "buffer": _pdf()}])
    page.click("form[action$='/komplettering'] button[type=submit]")
    expect(page.locator("p.notice[role=status]")).to_contain_text("Vi har tagit emot ditt svar")
    expect(page.locator("#status")).to_have_text("Mottagen")  # back for the night, then the handler's queue
    shot(page, "etjanst-11-answered-phone")
    handler.reload()
    expect(handler.locator(".request")).to_contain_text("Här är lönespecifikationen.")
    page.close()
    handler.close()
