"""The handler's workbench in a real browser (Playwright driving Debian's chromium), as a handler uses it.

Every action of the sign-off on each kind of proposal as the role that may do it: approve as proposed
(GRANT, PARTIAL, REJECT, MANUAL with its findings assessed), amend with the rules' preview and a
confirmation, decide differently (reject), return, countersign, refuse; Hämta igen with the registry down
and up; each action refused over HTTP for the roles that may not; no rendered page shows a raw code or a
Python value outside the small-type code label (also tests/e2e/test_printable.py). The morning report's
links over TLS: tests/e2e/test_report_links.py. Screenshots go to ``test-output/browser/`` (docs/web.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from adapters.driven.db.engine import Database
from adapters.driving.web.app import WebConfig, create_app
from decision.bundle import AnswerStatus, RegistryEntry
from decision.validation import parse_bundle
from tests.e2e.browserkit import CHROMIUM, KEY, NO_CHROMIUM, ROOT, browser, decided_database, login, serve, shot
from tests.e2e.pages import app_id, morning_report

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason=NO_CHROMIUM)


@dataclass
class Registry:
    """A registry that answers with the case's own answers: ``down`` as they were (Försäkringskassan does
    not answer example 08), up with every source answering (no data where it did not answer)."""

    down: bool = True
    calls: int = 0
    seen: list[str] = field(default_factory=list)

    async def fetch(self, bundle: Any) -> list[RegistryEntry]:
        self.calls += 1
        original = parse_bundle(next((ROOT / "examples" / "bundles").glob("08-*.json")).read_bytes())
        out = []
        for e in original.registry or []:
            answered = not self.down and e.status is AnswerStatus.UNAVAILABLE
            status = {"status": AnswerStatus.NO_DATA, "error": None} if answered else {}
            out.append(e.model_copy(update={"request_id": f"{e.request_id}-{self.calls}", **status}))
        return out


@dataclass
class Site:
    url: str
    db: Database
    registry: Registry


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    db = decided_database(tmp_path_factory.mktemp("workbench") / "finaid.db")
    registry = Registry()
    config = WebConfig(demo=True, secure_cookies=False, hmac_key=KEY, registry_factory=lambda _db: registry)
    try:
        with serve(create_app(config, db)) as url:
            yield Site(url, db, registry)
    finally:
        db.dispose()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    with browser() as b:
        yield b


def _state(page: Any) -> str:
    return str(page.locator("h1 .state").inner_text())


def _assess_findings(page: Any) -> None:
    for i, sel in enumerate(page.locator("select[name^=resolution_]").all()):
        sel.select_option("fynd.kontrollerat_paverkar_inte")
        page.locator(f"textarea[name=resolution_motivation_{sel.get_attribute('name').split('_')[1]}]").fill(
            f"Kontrollerat med den sökande ({i + 1}).")


@pytest.mark.parametrize(("number", "decided", "amount"), [
    ("01", "Beviljat", "8\u00a0360"),          # GRANT
    ("03", "Delvis beviljat", "3\u00a0640"),   # PARTIAL
    ("13", "Avslag", "0\u00a0kr"),             # REJECT
    ("04", "Beviljat", "2\u00a0030"),          # MANUAL, its finding assessed
])
def test_a_handler_approves_each_kind_of_proposal_after_a_confirmation(
        site: Site, chromium: Any, number: str, decided: str, amount: str) -> None:
    from playwright.sync_api import expect

    page = login(chromium, site.url, "handlaggare1")
    page.goto(f"{site.url}/case/{app_id(number)}")
    expect(page.locator("dl.meta")).to_contain_text(" år)")  # ages, as on the printed beslutsunderlag
    if number == "04":
        page.click("button[value=confirm_approve]")  # not assessed yet: the page says so, nothing is signed
        expect(page.locator(".errors")).to_contain_text("ange hur fyndet har bedömts")
        _assess_findings(page)
    page.click("button[value=confirm_approve]")
    expect(page.locator("#confirm h2")).to_contain_text(amount)
    assert _state(page) == "Förslag väntar på beslut"  # confirming signs nothing
    shot(page, f"10-approve-{number}-confirm")
    page.click("button[value=approve]")
    expect(page.locator(".message")).to_contain_text("Beslutet är fattat")
    expect(page.locator("section.done h2")).to_contain_text(decided)
    expect(page.locator("section.done h2")).to_contain_text(amount)
    assert _state(page) == "Beslutad"
    shot(page, f"11-approve-{number}-signed")
    page.close()


def test_a_handler_amends_with_a_preview_by_the_rules_and_signs_the_new_total(site: Site, chromium: Any) -> None:
    from playwright.sync_api import expect

    page = login(chromium, site.url, "handlaggare1")
    page.goto(f"{site.url}/case/{app_id('02')}")
    assert page.locator("input.amount").count() == 0  # amounts are changed only after Ändra
    page.click("#amend-link")
    row = page.locator("tr", has=page.locator("span.code", has_text="cost.rent"))
    offered = row.locator("select option").all_inner_texts()
    assert any("Kostnaden" in o for o in offered)
    assert not any("Inkomsten" in o or "Normen" in o for o in offered)  # reason codes per kind of line
    before = int(re.sub(r"\D", "", row.locator("input.amount").input_value().split(",")[0]))
    after = before + 500
    row.locator("input.amount").fill(f"{after // 1000} {after % 1000:03d},00")  # as a Swede writes: "8 200,50"
    row.locator("select").select_option("kostnad.styrkt_med_underlag")
    row.locator("input[name^=motivation_]").fill("Ny hyresavi från hyresvärden.")
    norm = page.locator("tbody.group-norm input.amount").first  # retyped, equal in öre: not a change
    kr = int(re.sub(r"\D", "", norm.input_value().split(",")[0]))  # pre-filled as "3 940,00"
    norm.fill(f"{kr // 1000}\u00a0{kr % 1000:03d}" if kr >= 1000 else f"{kr},0")
    page.click("button[value=preview]")
    expect(page.locator("#preview h2")).to_contain_text("13\u00a0294")  # 12 794 kr + 500 kr, by the rules
    expect(page.locator("#preview")).to_contain_text("(1 rad)")  # the retyped norm line is no change
    expect(page.locator("tr.result")).to_contain_text("13\u00a0294")
    assert _state(page) == "Förslag väntar på beslut"  # nothing signed by the preview
    shot(page, "20-amend-preview")
    expect(page.locator("button[value=amend]")).to_contain_text("13\u00a0294")
    page.click("button[value=amend]")
    expect(page.locator("section.done h2")).to_contain_text("13\u00a0294")
    shot(page, "21-amend-signed")
    page.close()


def test_a_handler_rejects_against_the_proposal_and_a_supervisor_refuses_to_countersign(
        site: Site, chromium: Any) -> None:
    from playwright.sync_api import expect

    case = app_id("14")
    page = login(chromium, site.url, "handlaggare1")
    page.goto(f"{site.url}/case/{case}")
    page.select_option("select[name=reject_reason]", "avslag.annan_bedomning")
    page.fill("textarea[name=reject_motivation]", "Hushållet har fått en engångsinkomst som ska användas först.")
    page.click("button[value=confirm_reject]")
    expect(page.locator("#confirm h2")).to_contain_text("Avslag, 0\u00a0kr")
    shot(page, "30-reject-confirm")
    page.click("button[value=reject]")
    expect(page.locator(".message")).to_contain_text("andra underskrift")
    assert _state(page) == "Väntar på andra underskrift"
    page.close()

    sup = login(chromium, site.url, "supervisor1")
    sup.goto(f"{site.url}/case/{case}")
    sup.select_option("select[name=refuse_reason]", index=1)
    sup.fill("textarea[name=refuse_motivation]", "Engångsinkomsten är inte styrkt.")
    shot(sup, "31-supervisor-refuses")
    sup.click("button.danger:has-text('Återvisa')")
    expect(sup.locator(".message")).to_contain_text("återvisat")
    assert _state(sup) == "Förslag väntar på beslut"
    sup.close()


def test_a_handler_returns_a_case_and_a_supervisor_countersigns_a_large_change(site: Site, chromium: Any) -> None:
    from playwright.sync_api import expect

    page = login(chromium, site.url, "handlaggare1")
    page.goto(f"{site.url}/case/{app_id('15')}")
    page.select_option("select[name=return_reason]", "komplettering.underlag_saknas")
    page.fill("textarea[name=return_motivation]", "Kontoutdrag för de senaste tre månaderna.")
    page.click("button:has-text('Återför')")
    expect(page.locator(".message")).to_contain_text("återfört")
    assert _state(page) == "Återförd för komplettering"
    shot(page, "40-returned")

    case = app_id("06")  # PARTIAL: the rent lowered by 2 000 kr needs four eyes
    page.goto(f"{site.url}/case/{case}")
    page.click("#amend-link")
    row = page.locator("tr", has=page.locator("span.code", has_text="cost.rent"))
    amount = int(re.sub(r"\D", "", row.locator("input.amount").input_value().split(",")[0]))
    row.locator("input.amount").fill(str(amount - 2000))
    row.locator("select").select_option("kostnad.ej_styrkt")
    row.locator("input[name^=motivation_]").fill("Hyresavin gäller en större lägenhet än den hushållet bor i.")
    page.click("button[value=preview]")
    expect(page.locator("#preview h2")).to_contain_text("10\u00a0480")
    page.click("button[value=amend]")
    assert _state(page) == "Väntar på andra underskrift"
    page.close()

    sup = login(chromium, site.url, "supervisor1")
    sup.goto(f"{site.url}/case/{case}")
    sup.click("button[name=countersign]")
    expect(sup.locator(".message")).to_contain_text("underskrivet")
    expect(sup.locator("section.done h2")).to_contain_text("10\u00a0480")
    shot(sup, "41-countersigned")
    sup.close()


def test_fetch_again_with_the_registry_down_keeps_the_proposal_and_with_it_up_replaces_it(
        site: Site, chromium: Any) -> None:
    from playwright.sync_api import expect

    case = app_id("08")
    page = login(chromium, site.url, "handlaggare1")
    page.goto(f"{site.url}/case/{case}")
    current = page.locator("dl.meta div:has(dt:text('Förslag')) dd").inner_text().split()[0]
    site.registry.down = True
    page.click("button:has-text('Hämta igen')")
    box = page.locator("section.fetched")
    expect(box.locator("h2")).to_contain_text("det tidigare förslaget gäller fortfarande")
    expect(box).to_contain_text("Svarade inte: Försäkringskassan")
    expect(box).to_contain_text("Svarade: Skatteverket")
    expect(box.locator("table.compare").first).to_contain_text("Föreslaget belopp")
    assert page.locator("dl.meta div:has(dt:text('Förslag')) dd").inner_text().split()[0] == current
    shot(page, "50-fetch-again-registry-down")

    site.registry.down = False
    page.click("button:has-text('Hämta igen')")
    expect(page.locator("section.fetched h2")).to_contain_text("alla källor svarade")
    expect(page.locator(".message")).to_contain_text("det nya förslaget gäller nu")
    assert page.locator("dl.meta div:has(dt:text('Förslag')) dd").inner_text().split()[0] != current
    assert "Svarade inte" not in page.locator("section.fetched").inner_text()
    shot(page, "51-fetch-again-registry-up")
    page.close()


def test_roles_that_may_not_act_are_refused_over_http_and_nothing_changes(site: Site, chromium: Any) -> None:
    """Each action as a role that may not take it answers 403 (another unit's case: 404), nothing stored."""
    case = app_id("07")
    url = f"{site.url}/case/{case}"
    decision = "unknown"
    actions = {
        "approve": ("sign", {"action": "approve"}), "amend": ("sign", {"action": "amend", "amount_0": "1 000,00",
                                                                      "reason_0": "norm.annan_bedomning",
                                                                      "motivation_0": "Prov."}),
        "reject": ("sign", {"action": "reject", "reject_reason": "avslag.annan_bedomning",
                            "reject_motivation": "Prov."}),
        "return": ("return", {"return_reason": "komplettering.underlag_saknas", "return_motivation": "Prov."}),
        "countersign": ("countersign", {"first_id": "x"}), "refuse": ("refuse", {"first_id": "x",
                                                                              "refuse_reason": "x",
                                                                              "refuse_motivation": "Prov."}),
        "fetch": ("fetch", {}),
    }
    may_not = {"auditor1": set(actions), "admin1": set(actions), "handlaggare1": {"countersign", "refuse"},
               "handlaggare2": set(actions)}
    statuses: dict[tuple[str, str], int] = {}
    for user, refused in may_not.items():
        page = login(chromium, site.url, user)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.content())
        assert token, user
        if user == "handlaggare1":
            page.goto(url)
            decision = page.locator("input[name=decision_id]").first.get_attribute("value")
        for name in sorted(refused):
            path, data = actions[name]
            r = page.request.post(f"{url}/{path}", form={"csrf_token": token.group(1), "decision_id": decision,
                                                        **data}, max_redirects=0)
            statuses[(user, name)] = r.status
        page.close()
    # a handler of syd may sign, but not a case of nord: it does not exist for them (404)
    expected = {k: 404 if k[0] == "handlaggare2" and k[1] not in ("countersign", "refuse") else 403
                for k in statuses}
    assert statuses == expected
    page = login(chromium, site.url, "handlaggare1")
    page.goto(url)
    assert _state(page) == "Förslag väntar på beslut"
    page.close()


# --------------------------------------------------------------------- no codes or Python values as text
CODE_WORDS = re.compile(
    r"\b(True|False|None|no_data|unavailable|received|proposed|awaiting_second_signature|auto_approved|"
    r"failed_permanent|second_signature_refused|letter_created|registry_unavailable)\b"
    r"|\b[a-z]+(?:_[a-z]+)*\.[a-z]+(?:_[a-z]+)*(?:\.[a-z_]+)*\b"  # a dotted code (labour.not_registered)
)
VISIBLE_TEXT = """() => { const b = document.body.cloneNode(true);
  b.querySelectorAll('.code, code, script, style, option').forEach(e => e.remove());
  return b.innerText; }"""


def _raw_codes(page: Any) -> list[str]:
    text = page.evaluate(VISIBLE_TEXT)
    return sorted({m.group(0) for m in CODE_WORDS.finditer(text)} - {"m.fl"})  # Swedish: "med flera"


def test_no_page_shows_a_code_or_a_python_value_outside_the_code_label(site: Site, chromium: Any,
                                                                       tmp_path: Path) -> None:
    page = login(chromium, site.url, "supervisor1")  # sees protected identities too
    found: dict[str, list[str]] = {}
    page.goto(f"{site.url}/queue")
    found["queue"] = _raw_codes(page)
    for number in [f"{i:02d}" for i in range(1, 16)]:
        page.goto(f"{site.url}/case/{app_id(number)}")  # the case with its history (Händelser i ärendet)
        found[number] = _raw_codes(page)
        assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} CES?T", page.inner_text("body")), number  # Stockholm time
    page.goto(f"{site.url}/case/{app_id('01')}/letter")
    found["letter"] = _raw_codes(page)
    page.close()
    page = login(chromium, site.url, "auditor1")
    page.goto(f"{site.url}/access-log")
    found["access-log"] = _raw_codes(page)
    report = _report(site, tmp_path)
    page.goto(report.as_uri())
    found["report"] = _raw_codes(page)
    shot(page, "60-morning-report")
    page.close()
    assert not {k: v for k, v in found.items() if v}, found


def _report(site: Site, folder: Path) -> Path:
    """A morning report in production mode (not demo: links point to the web app) over the site's cases."""
    return morning_report(site.db, folder)
