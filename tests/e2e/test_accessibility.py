"""Every workbench page passes axe-core with no serious or critical violation (issue 12 item 8).

axe-core comes from the npm registry (``tests/e2e/axe/package.json`` with its committed lock file;
``make test`` runs ``npm ci`` there). Each page in :data:`PAGES` is opened in Debian's chromium as the
role that uses it, ``axe.min.js`` is injected and run, and any violation of impact ``serious`` or
``critical`` fails the test with the rule, its help text and the offending elements. Pages reached by an
action (a confirmation, a preview, a case awaiting a second signature, a signed case) are in
:data:`STATES`. To check a new page, add a line to :data:`PAGES` (or a state to :data:`STATES`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from adapters.driven.db.engine import Database
from adapters.driving.web.app import WebConfig, create_app
from tests.e2e.browserkit import CHROMIUM, KEY, NO_CHROMIUM, browser, decided_database, login, new_page, serve, shot
from tests.e2e.pages import app_id, morning_report

AXE = Path(__file__).resolve().parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
NO_AXE = "axe-core is not installed: run `npm ci` in tests/e2e/axe (make test does it)"
BLOCKING = ("serious", "critical")

pytestmark = [pytest.mark.skipif(CHROMIUM is None, reason=NO_CHROMIUM),
              pytest.mark.skipif(not AXE.exists(), reason=NO_AXE)]


@dataclass(frozen=True)
class Page:
    name: str
    user: str | None  # None: not logged in
    path: str  # a path on the site, or "report:" for the morning report (a file)


PAGES: list[Page] = [
    Page("login", None, "/login"),
    Page("not-found", "handlaggare1", "/case/APP-0000-000000"),
    Page("queue", "handlaggare1", "/queue"),
    Page("queue-filtered", "handlaggare1", "/queue?outcome=MANUAL&state=proposed"),
    Page("case-grant", "handlaggare1", f"/case/{app_id('01')}"),
    Page("case-amend", "handlaggare1", f"/case/{app_id('02')}?andra=1#berakning"),
    Page("case-partial", "handlaggare1", f"/case/{app_id('03')}"),
    Page("case-manual", "handlaggare1", f"/case/{app_id('11')}"),
    Page("case-reject", "handlaggare1", f"/case/{app_id('13')}"),
    Page("case-protected", "supervisor1", f"/case/{app_id('09')}"),
    Page("account", "handlaggare1", "/account"),
    Page("statistics", "supervisor1", "/statistics"),
    Page("access-log", "auditor1", "/access-log"),
    Page("case-auditor", "auditor1", f"/case/{app_id('05')}"),
    Page("admin-users", "admin1", "/admin/users"),
    Page("morning-report", None, "report:"),
]


def _confirm(page: Any) -> None:
    page.click("button[value=confirm_approve]")


def _preview(page: Any) -> None:
    page.click("#amend-link")
    row = page.locator("tr", has=page.locator("span.code", has_text="cost.rent"))
    row.locator("input.amount").fill("9 000,00")
    row.locator("select").select_option("kostnad.styrkt_med_underlag")
    row.locator("input[name^=motivation_]").fill("Ny hyresavi.")
    page.click("button[value=preview]")


def _signed_with_letter(page: Any) -> None:
    page.click("button[value=confirm_approve]")
    page.click("button[value=approve]")
    page.wait_for_selector("section.done")


def _four_eyes(page: Any) -> None:
    page.select_option("select[name=reject_reason]", "avslag.annan_bedomning")
    page.fill("textarea[name=reject_motivation]", "Engångsinkomst ska användas först.")
    page.click("button[value=confirm_reject]")
    page.click("button[value=reject]")
    page.wait_for_selector("section.wait")


def _errors(page: Any) -> None:
    page.click("button[value=confirm_approve]")  # a MANUAL case with its findings not yet assessed
    page.wait_for_selector(".errors")


@dataclass(frozen=True)
class State:
    name: str
    user: str
    case: str  # an example's number
    act: Callable[[Any], None]
    then: str | None = None  # a path to check after the action (e.g. the letter), else the case page


STATES: list[State] = [
    State("confirm-approve", "handlaggare1", "01", _confirm),
    State("amend-preview", "handlaggare1", "02", _preview),
    State("errors", "handlaggare1", "04", _errors),
    State("signed", "handlaggare1", "03", _signed_with_letter),
    State("letter", "handlaggare1", "03", lambda page: None, then="/letter"),
    State("awaiting-second-signature", "handlaggare1", "14", _four_eyes),
    State("supervisor-countersigns", "supervisor1", "14", lambda page: None),
    State("history-returned", "handlaggare1", "15", lambda page: (
        page.select_option("select[name=return_reason]", "komplettering.underlag_saknas"),
        page.fill("textarea[name=return_motivation]", "Kontoutdrag saknas."),
        page.click("button:has-text('Återför')"), page.wait_for_selector(".message"))),
]


@dataclass
class Site:
    url: str
    db: Database
    folder: Path


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("axe")
    db = decided_database(folder / "finaid.db")
    try:
        with serve(create_app(WebConfig(demo=True, secure_cookies=False, hmac_key=KEY), db)) as url:
            yield Site(url, db, folder)
    finally:
        db.dispose()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    with browser() as b:
        yield b


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core run on the page as it is: the serious and critical violations (rule, help, elements)."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    return [{"rule": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in result if v["impact"] in BLOCKING]


def test_every_page_passes_axe_core(site: Site, chromium: Any) -> None:
    found: dict[str, list[dict[str, Any]]] = {}
    pages: dict[str | None, Any] = {}
    try:
        for p in PAGES:
            if p.user not in pages:
                pages[p.user] = (login(chromium, site.url, p.user, bypass_csp=True) if p.user
                                 else new_page(chromium, bypass_csp=True))
            page = pages[p.user]
            if p.path == "report:":
                page.goto(morning_report(site.db, site.folder, demo=True).as_uri())
            else:
                page.goto(f"{site.url}{p.path}")
            shot(page, f"axe-{p.name}")
            found[p.name] = axe_violations(page)
    finally:
        for page in pages.values():
            page.close()
    bad = {k: v for k, v in found.items() if v}
    assert not bad, json.dumps(bad, ensure_ascii=False, indent=1)


def test_every_state_of_a_case_passes_axe_core(site: Site, chromium: Any) -> None:
    found: dict[str, list[dict[str, Any]]] = {}
    pages: dict[str, Any] = {}
    try:
        for s in STATES:
            if s.user not in pages:
                pages[s.user] = login(chromium, site.url, s.user, bypass_csp=True)
            page = pages[s.user]
            case = f"{site.url}/case/{app_id(s.case)}"
            page.goto(case)
            s.act(page)
            if s.then:
                page.goto(case + s.then)
            shot(page, f"axe-{s.name}")
            found[s.name] = axe_violations(page)
    finally:
        for page in pages.values():
            page.close()
    bad = {k: v for k, v in found.items() if v}
    assert not bad, json.dumps(bad, ensure_ascii=False, indent=1)
