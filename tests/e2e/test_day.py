"""A handler's day in a real browser (Playwright driving Debian's chromium): search a household by
personnummer — the number never in a URL or a server log line — and Mina ärenden (take a case, hand it over).
Screenshots go to ``test-output/browser/`` (docs/web.md)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from adapters.driven.db.engine import Database
from adapters.driving.web.app import WebConfig, create_app
from tests.e2e.browserkit import CHROMIUM, KEY, NO_CHROMIUM, browser, decided_database, login, serve, shot
from tests.e2e.test_workbench import _raw_codes, app_id

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason=NO_CHROMIUM)

APPLICANT_01 = "19850709-2388"  # examples 01 and 16: one household, two applications


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@dataclass
class Site:
    url: str
    db: Database
    log: _Lines


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    db = decided_database(tmp_path_factory.mktemp("day") / "finaid.db")
    lines = _Lines()
    root = logging.getLogger()
    old = root.level
    root.addHandler(lines)
    root.setLevel(logging.DEBUG)  # every log line the app writes
    config = WebConfig(demo=True, secure_cookies=False, hmac_key=KEY)
    uvicorn_loggers = [logging.getLogger(n) for n in ("uvicorn.access", "uvicorn.error")]
    try:
        with serve(create_app(config, db)) as url:
            for lg in uvicorn_loggers:  # uvicorn configured its loggers on start: its access log too, at INFO
                lg.addHandler(lines)
                lg.setLevel(logging.INFO)
            yield Site(url, db, lines)
    finally:
        for lg in uvicorn_loggers:
            lg.removeHandler(lines)
        root.removeHandler(lines)
        root.setLevel(old)
        db.dispose()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    with browser() as b:
        yield b


def test_a_handler_searches_a_household_by_personnummer(site: Site, chromium: Any) -> None:
    page = login(chromium, site.url, "handlaggare1")
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    page.click("nav >> text=Sök")
    page.fill("#personnummer", APPLICANT_01)
    page.select_option("#purpose", "uppfoljning")
    page.click("form.search button[type=submit]")
    page.wait_for_load_state()
    results = page.locator("table.results").inner_text()
    assert app_id("01") in results and app_id("16") in results
    assert not _raw_codes(page)
    shot(page, "70-search-results")
    page.click(f"table.results >> text={app_id('16')}")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text().startswith(f"Ansökan {app_id('16')}")
    assert "Hushållets övriga ansökningar och beslut" in page.inner_text("body")
    shot(page, "71-case-with-household")
    digits = APPLICANT_01.replace("-", "")
    assert urls and not [u for u in urls if digits[2:8] in u or digits in u], urls
    assert any("POST /search" in line for line in site.log.lines)  # the access log was captured …
    assert not [line for line in site.log.lines if digits[2:8] in line]  # … and never holds the number
    page.close()


def test_a_handler_takes_a_case_and_hands_it_over(site: Site, chromium: Any) -> None:
    page = login(chromium, site.url, "handlaggare1")
    case = app_id("03")
    page.goto(f"{site.url}/case/{case}")
    assert "Ärendet är inte tilldelat någon" in page.inner_text(".assignment")
    page.click(".assignment >> text=Ta ärendet")
    page.wait_for_load_state()
    assert page.url.startswith(f"{site.url}/mine")
    assert "Du har tagit ärendet." in page.inner_text("body")
    row = page.locator(f"tr#{case}")
    assert case in row.inner_text()
    assert not _raw_codes(page)
    shot(page, "72-mina-arenden")
    row.locator("select[name=to_user]").select_option(label="Sara Arbetsledare (demo)")
    row.locator("text=Lämna över").click()
    page.wait_for_load_state()
    assert "Ärendet är överlämnat." in page.inner_text("body") and case not in page.inner_text("table")
    page.close()
    supervisor = login(chromium, site.url, "supervisor1")
    supervisor.click("nav >> text=Mina ärenden")
    assert case in supervisor.locator("table").inner_text()
    supervisor.goto(f"{site.url}/case/{case}")
    assert "Ärendet är tilldelat dig" in supervisor.inner_text(".assignment")
    shot(supervisor, "73-case-assigned")
    supervisor.close()


def test_a_handler_searches_by_name_never_in_a_url_or_a_log_line(site: Site, chromium: Any) -> None:
    from pathlib import Path

    from adapters.driven.clock import SystemClock
    from adapters.driven.db.uow import SqlUnitOfWork
    from audit.access import person_key
    from decision.services import intake
    from decision.validation import parse_bundle

    named = next((Path(__file__).resolve().parents[2] / "examples" / "bundles-v2").glob("21-*.json"))
    bundle = parse_bundle(named.read_bytes())  # case bundle /2 with the members' names (Exempelsson)
    intake.receive(SqlUnitOfWork(site.db, lambda p: person_key(KEY, p), KEY), bundle, "cli:test", SystemClock().now())
    page = login(chromium, site.url, "handlaggare1")
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    page.click("nav >> text=Sök")
    page.fill("#namn", "Provia Exempelsson")
    page.click("form.search button[type=submit]")
    page.wait_for_load_state()
    results = page.locator("table.results").inner_text()
    assert bundle.application.id in results and "Medsökande Provia Exempelsson" in results
    assert not _raw_codes(page)
    shot(page, "74-search-by-name")
    assert urls and not [u for u in urls if "provia" in u.casefold() or "exempels" in u.casefold()], urls
    assert not [line for line in site.log.lines if "provia" in line.casefold() or "exempels" in line.casefold()]
    page.close()
