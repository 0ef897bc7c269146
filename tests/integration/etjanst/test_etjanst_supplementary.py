"""A tilläggsansökan in the e-service: offered only for a month with a signed decision, prefilled from that
month's application, a new routine cost with its person and receipt, signed by both adults and sent as a
finaid.case-bundle/2 of kind ``supplementary`` under a new application id (never a revision of the signed one)
— as of 2026-12-04, when the packs that take /2 are published."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from adapters.driven.clock import DemoClock
from adapters.driven.db.engine import Database
from adapters.driven.db.models import Application, Revision
from adapters.driving.etjanst.app import create_etjanst_app
from adapters.driving.etjanst.config import EtjanstConfig
from adapters.driving.web.app import WebConfig, create_app
from adapters.driving.web.demo_accounts import demo_password, ensure_demo
from tests.e2e.browserkit import decided_database
from tests.integration.etjanst.kit import KEY, form, login, one_page, png

APP = "APP-2024-000203"  # example 03: a couple, May 2024, a partial grant
APPLICANT, PARTNER = "198202114537", "198410306263"


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    database = decided_database(tmp_path_factory.mktemp("etjanst-supp") / "finaid.db")
    yield database
    database.dispose()


def sign_as_handler(db: Database, app_id: str) -> None:
    ensure_demo(db)
    wb = TestClient(create_app(WebConfig(demo=True, secure_cookies=False, hmac_key=KEY, pdf=False), db))
    page = wb.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    wb.post("/login", data={"csrf_token": token, "username": "handlaggare1",
                            "password": demo_password("handlaggare1"), "next": "/"})
    case = wb.get(f"/case/{app_id}")
    r = wb.post(f"/case/{app_id}/sign", data=form(case.text, f"/case/{app_id}/sign").data(action="approve"))
    assert "Beslutet är fattat" in r.text, r.text[-2000:]


def test_supplementary_application_for_a_decided_month(db: Database) -> None:
    client = TestClient(create_etjanst_app(EtjanstConfig(demo=True, secure_cookies=False, hmac_key=KEY), db,
                                           clock=DemoClock(date(2026, 12, 4))))
    login(client, APPLICANT)
    assert 'value="supplementary"' not in client.get("/").text  # nothing decided yet: no tilläggsansökan
    sign_as_handler(db, APP)
    home = client.get("/")
    assert '<option value="2024-05">maj 2024</option>' in home.text
    supp = [f for f in _forms(home.text) if ("kind", "supplementary") in f.fields][0]
    r = client.post("/ansokan/ny", data=supp.data(), follow_redirects=False)
    assert r.status_code == 303, (r.status_code, supp.data(), r.text[-800:])
    path = one_page(r.headers["location"])
    page = client.get(path)
    assert "Tilläggsansökan · maj 2024" in page.text
    assert '<option value="glasses">Glasögon</option>' in page.text  # the /2 cost kinds, with whose cost
    data = form(page.text, path).data()
    row = next(int(k.split("-")[1]) for k, v in data.items() if k.endswith("-amount") and k.startswith("costs-")
               and not v)
    r = client.post(path, data={**data, f"costs-{row}-kind": "glasses", f"costs-{row}-amount": "1800",
                                f"costs-{row}-person": APPLICANT, "action": "upload",
                                "upload_label": "Kvitto glasögon", "upload_cost": str(row)},
                    files={"upload": ("kvitto.png", png(), "image/png")})
    assert r.status_code == 200, r.text[-1500:]
    page = client.get(path)
    summary = client.post(path, data=form(page.text, path).data(action="summary"), follow_redirects=False)
    assert summary.status_code == 303, summary.text[-3000:]
    sign = path + "/signera"
    s = client.get(path + "/sammanfattning")
    client.post(sign, data=form(s.text, sign).data(confirm="on"))
    login(client, PARTNER)
    s = client.get(path + "/sammanfattning")
    r = client.post(sign, data=form(s.text, sign).data(confirm="on"), follow_redirects=False)
    assert r.status_code == 303, re.findall(r'class="(?:field-error|notice)"[^<]*>([^<]*)', r.text)
    assert r.headers["location"].startswith("/kvittens/")
    app_id = "ET-" + path.rsplit("/", 1)[1]
    with db.read() as s2:
        app = s2.get(Application, app_id)
        assert app is not None and app.state == "received" and app.month == "2024-05"
        bundle = json.loads(s2.execute(select(Revision.bundle_json).where(Revision.application_id == app_id))
                            .scalar())
        assert s2.get(Application, APP).state == "signed"  # type: ignore[union-attr]  # the signed one untouched
    assert bundle["schema"] == "finaid.case-bundle/2" and bundle["application"]["kind"] == "supplementary"
    glasses = [c for c in bundle["application"]["costs"] if c["kind"] == "glasses"]
    assert glasses and glasses[0]["person"] == APPLICANT and glasses[0]["document"]
    assert "previous_aid" not in bundle["application"] and bundle["application"]["aid_history"]


def _forms(html: str) -> list:  # type: ignore[type-arg]
    from tests.integration.etjanst.kit import Forms

    parser = Forms()
    parser.feed(html)
    return parser.forms
