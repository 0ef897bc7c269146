"""The continued application part by part through the e-service's HTTP surface (the browser test does it in
chromium): a new draft starts at the household; each prefilled part is confirmed ("Stämmer") or changed
("Ändra") and saved to the draft; the summary waits until every part is confirmed and links each part to change
it; a member who moved out is the applicant's answer and sets household_changed; a field error stays beside its
field with what was typed; a member with a protected identity is never shown, only a neutral line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from adapters.driven.clock import DemoClock
from adapters.driven.db import migrate
from adapters.driven.db.access import AccessLog
from adapters.driven.db.engine import Database
from adapters.driven.db.store import CaseStore
from adapters.driving.etjanst import forms
from adapters.driving.etjanst.app import create_etjanst_app
from adapters.driving.etjanst.config import EtjanstConfig
from adapters.driving.etjanst.identity import DemoCitizens
from audit.access import person_key
from decision.validation import parse_bundle
from tests.decide import decide_and_store
from tests.e2e.browserkit import ROOT, decided_database
from tests.integration.etjanst.kit import APPLICANT, KEY, PARTNER, TODAY, app_on, form, login, new_draft, png
from tests.services import SERVICES

CHILD = "201811045614"  # example 01's elder child


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    database = decided_database(tmp_path_factory.mktemp("etjanst-parts") / "finaid.db")
    yield database
    database.dispose()


def test_each_part_is_confirmed_or_changed_before_the_summary(db: Database) -> None:
    client, _ = app_on(db)
    draft = new_draft(client, APPLICANT)
    step = f"{draft}/del/hushall"
    page = client.get(step)
    assert page.status_code == 200
    assert "Steg 1 av 5" in page.text and 'aria-current="step"' in page.text
    assert "19870311-4424" in page.text and "20181104-5614" in page.text  # prefilled from the last application
    assert "Bor de här personerna i hushållet i december 2026?" in page.text and ">Stämmer<" in page.text
    assert f'href="{step}?andra=1"' in page.text  # Ändra
    # the summary waits until every part is confirmed
    r = client.get(f"{draft}/sammanfattning", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == step
    # a form without the CSRF token is refused, nothing saved
    refused = client.post(step, data={"action": "confirm"})
    assert refused.status_code == 403
    # Ändra: each member is answered for; the elder child has moved out
    page = client.get(step + "?andra=1")
    fields = form(page.text, step).data()
    child_row = next(k.split("-")[1] for k, v in fields.items() if k.endswith("-personnummer") and v == CHILD)
    assert fields[f"household-{child_row}-keep"] == "on"
    assert "Bor inte i hushållet i december 2026" in page.text
    r = client.post(step, data={**fields, f"household-{child_row}-keep": "off", "action": "next"},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"{draft}/del/inkomster"
    page = client.get(step)  # the part as answered, back from the next step
    assert "Bor inte i hushållet i december 2026:" in page.text and "(klart)" in page.text
    # incomes as they were: Stämmer
    incomes = f"{draft}/del/inkomster"
    page = client.get(incomes)
    assert "Steg 2 av 5" in page.text and "Lön" in page.text
    r = client.post(incomes, data=form(page.text, incomes).data(action="confirm"), follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"{draft}/del/kostnader"
    # costs: a wrong amount is shown beside its field, with what was typed; the other parts are untouched
    costs = f"{draft}/del/kostnader"
    page = client.get(costs + "?andra=1")
    fields = form(page.text, costs).data()
    rent = next(k for k, v in fields.items() if k.startswith("costs-") and k.endswith("-kind") and v == "rent")
    amount = rent.replace("-kind", "-amount")
    r = client.post(costs, data={**fields, amount: "åtta tusen", "action": "next"})
    assert r.status_code == 422
    assert f'id="{amount}-error"' in r.text and "Skriv beloppet i kronor" in r.text and 'value="åtta tusen"' in r.text
    assert 'value="åtta tusen"' in client.get(costs + "?andra=1").text  # saved as typed
    # corrected, the rent invoice attached to the rent, then on to the assets
    fixed = form(r.text, costs).data(**{amount: "8 250", "action": "upload", "upload_label": "Hyresavi",
                                        "upload_cost": rent.split("-")[1]})
    r = client.post(costs, data=fixed, files={"upload": ("hyra.png", png(), "image/png")}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == costs + "?andra=1#upload-box"
    page = client.get(costs + "?andra=1")
    assert "Hyresavi" in page.text
    r = client.post(costs, data=form(page.text, costs).data(action="next"), follow_redirects=False)
    assert r.headers["location"] == f"{draft}/del/tillgangar"
    page = client.get(costs)
    assert "8\u00a0250\u00a0kr" in page.text and "Dokument: Hyresavi" in page.text
    for slug, following in (("tillgangar", "arbetsmarknad"), ("arbetsmarknad", None)):
        path = f"{draft}/del/{slug}"
        page = client.get(path)
        r = client.post(path, data=form(page.text, path).data(action="confirm"), follow_redirects=False)
        assert r.status_code == 303
        assert r.headers["location"] == (f"{draft}/del/{following}" if following else f"{draft}/sammanfattning")
    summary = client.get(f"{draft}/sammanfattning")
    assert summary.status_code == 200 and "Kontrollera och skriv under" in summary.text
    assert "Du har berättat att hushållet har ändrats" in summary.text and "20181104-5614" not in summary.text
    for slug in ("hushall", "inkomster", "kostnader", "tillgangar", "arbetsmarknad"):
        assert f'href="{draft}/del/{slug}?andra=1"' in summary.text
    # the partner reads the summary to sign it but cannot change the parts
    draft_id = draft.rsplit("/", 1)[1]
    sign = f"{draft}/signera"
    client.post(sign, data=form(summary.text, sign).data(confirm="on"))
    login(client, PARTNER)
    theirs = client.get(f"{draft}/sammanfattning")
    assert "?andra=1" not in theirs.text
    assert client.get(f"{draft}/del/kostnader", follow_redirects=False).headers["location"].endswith("/sammanfattning")
    assert client.post(f"{draft}/del/kostnader", data=form(theirs.text, sign).data(action="next")).status_code == 403
    assert draft_id


def test_a_member_with_a_protected_identity_is_not_shown_in_the_prefill(tmp_path: Path) -> None:
    """The household's last application says the partner has a protected identity: the applicant's continued
    application neither names nor shows them — one neutral line, as Mina uppgifter says it."""
    db = Database(f"sqlite:///{tmp_path / 'finaid.db'}")
    migrate.upgrade(db)
    example = json.loads(next((ROOT / "examples" / "bundles").glob("01-*.json")).read_text())
    for entry in example["registry"]:
        for fact in entry.get("facts", []):
            if fact["kind"] == "protected_identity" and entry["person"] == PARTNER:
                fact["value"] = True
    decide_and_store(parse_bundle(json.dumps(example)), pipeline=SERVICES.pipeline, catalog=SERVICES.catalog,
                     store=CaseStore(db, person_key=lambda p: person_key(KEY, p)), access=AccessLog(db, KEY),
                     actor="system:batch:demo")
    try:
        demo = DemoCitizens(lambda: [example], demo=True)  # the demo list leaves such households out: log in anyway
        client = TestClient(create_etjanst_app(EtjanstConfig(demo=True, secure_cookies=False, hmac_key=KEY), db,
                                               clock=DemoClock(TODAY), identity=demo))
        draft = new_draft(client, APPLICANT)
        for path in (f"{draft}/del/hushall", f"{draft}/del/hushall?andra=1", f"{draft}/del/inkomster?andra=1",
                     f"{draft}/del/arbetsmarknad", draft):
            page = client.get(path)
            assert page.status_code == 200, path
            assert PARTNER[:8] not in page.text, path
            if "hushall" in path or path == draft:
                assert "En eller flera personer i hushållet har skyddade personuppgifter" in page.text, path
        assert "19850709-2388" in client.get(f"{draft}/del/hushall").text
        # left out of what is sent, the partner makes it a changed household: the case goes to a handler
        assert "kommer inte med i det du skickar" in client.get(f"{draft}/del/hushall").text
        services = client.app.state.etjanst  # type: ignore[attr-defined]
        stored = services.store.draft(services.person_key(APPLICANT), draft.rsplit("/", 1)[1])
        assert stored.data["household_changed"] is True
        assert PARTNER in stored.data["last_household"]
        bundle, errors = forms.to_bundle(stored.data, application_id="ET-1", municipality=stored.municipality,
                                         month=stored.month, kind=stored.kind, submitted_at=datetime(2026, 12, 4, 9,
                                                                                                    tzinfo=UTC))
        assert errors == {} and bundle is not None
        assert bundle.application.household_changed is True
        assert PARTNER not in {m.personnummer for m in bundle.application.household}
    finally:
        db.dispose()
