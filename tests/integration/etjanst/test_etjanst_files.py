"""The applicant's files from the e-service to the handler (docs/etjanst.md, "Attachments"): a sent application
lists every file in its bundle (one attached to no cost too); after the night the handler's case page and the
e-service block list each file (label, type, size, sha256, when added) with a download that is access-logged and
served as a download (Content-Disposition attachment, nosniff, the stored media type) — only to a person who may
see the case: another unit, a protected identity without the role for it, another application's file: 404; an
inspector states a purpose first."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from adapters.driven.clock import DemoClock
from adapters.driven.db.access import AccessLog
from adapters.driven.db.engine import Database
from adapters.driven.db.etjanst_models import Attachment
from adapters.driven.db.models import AccessEntry, Application, Revision
from adapters.driven.db.store import CaseStore
from audit.access import person_key
from decision.validation import parse_bundle
from tests.decide import decide_and_store
from tests.e2e.browserkit import decided_database
from tests.integration.etjanst.kit import KEY, V2_DAY, app_on, form, login, one_page, pdf, png
from tests.services import SERVICES

PENSIONER = "195803082378"  # example 04: a single pensioner (no partner to sign)
PROTECTED_APP = "APP-2024-000809"  # example 09: a protected identity in the household


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    from adapters.driving.web.demo_accounts import ensure_demo

    database = decided_database(tmp_path_factory.mktemp("etjanst-files") / "finaid.db")
    ensure_demo(database)
    yield database
    database.dispose()


def workbench(db: Database, username: str) -> TestClient:
    from adapters.driving.web.app import WebConfig, create_app
    from adapters.driving.web.demo_accounts import demo_password

    client = TestClient(create_app(WebConfig(demo=True, secure_cookies=False, hmac_key=KEY, pdf=False), db))
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    r = client.post("/login", data={"csrf_token": token, "username": username, "password": demo_password(username),
                                    "next": "/"}, follow_redirects=False)
    assert r.status_code == 303
    return client


def send_with_two_files(db: Database) -> str:
    """Example 04's applicant applies with a payslip attached to no cost and a receipt attached to the rent."""
    client, _ = app_on(db, today=V2_DAY)  # the month's pack takes finaid.case-bundle/2
    login(client, PENSIONER)
    home = client.get("/")
    path = one_page(client.post("/ansokan/ny", data=form(home.text, "/ansokan/ny").data(), follow_redirects=False
                                ).headers["location"])
    page = client.get(path)
    r = client.post(path, data=form(page.text, path).data(action="upload", upload_label="Pensionsbesked"),
                    files={"upload": ("besked.pdf", pdf(), "application/pdf")})
    assert r.status_code == 200, r.text
    page = client.get(path)
    rent = next(k for k, v in form(page.text, path).data().items() if k.startswith("costs-") and v == "rent")
    r = client.post(path, data=form(page.text, path).data(action="upload", upload_label="Kvitto hyra",
                                                          upload_cost=rent.split("-")[1]),
                    files={"upload": ("kvitto.png", png(), "image/png")})
    assert r.status_code == 200, r.text
    page = client.get(path)
    r = client.post(path, data=form(page.text, path).data(action="summary"), follow_redirects=False)
    assert r.status_code == 303, r.text
    summary = client.get(r.headers["location"])
    sign = r.headers["location"].replace("/sammanfattning", "/signera")
    r = client.post(sign, data=form(summary.text, sign).data(confirm="on"), follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/kvittens/"), r.text
    return f"ET-{path.rsplit('/', 1)[1]}"


def night(db: Database, app_id: str) -> None:
    """The night, as far as the handler needs it: the bundle decided with an empty registry record (every source
    unconsulted: a MANUAL proposal), so the case is in the queue with a decision."""
    with db.read() as s:
        app = s.get(Application, app_id)
        assert app is not None
        raw = s.execute(select(Revision.bundle_json).where(Revision.id == app.current_revision_id)).scalar_one()
    sealed = parse_bundle(json.dumps({**json.loads(raw), "registry": []}))
    decide_and_store(sealed, pipeline=SERVICES.pipeline, catalog=SERVICES.catalog,
                     store=CaseStore(db, person_key=lambda p: person_key(KEY, p)), access=AccessLog(db, KEY),
                     actor="system:batch:demo", clock=DemoClock(V2_DAY))


def downloads(db: Database) -> list[AccessEntry]:
    with db.read() as s:
        return list(s.execute(select(AccessEntry).where(AccessEntry.action == "download_attachment")
                              .order_by(AccessEntry.seq)).scalars())


def test_sent_files_are_in_the_bundle_and_the_handler_downloads_them_access_logged(db: Database) -> None:
    app_id = send_with_two_files(db)
    with db.read() as s:
        files = list(s.execute(select(Attachment).where(Attachment.application_id == app_id)
                               .order_by(Attachment.id)).scalars())
        raw = s.execute(select(Revision.bundle_json).where(Revision.application_id == app_id)).scalar_one()
    bundle = json.loads(raw)
    assert bundle["schema"] == "finaid.case-bundle/2" and len(files) == 2
    assert bundle["application"]["attachments"] == [
        {"id": f.id, "sha256": f.sha256, "media_type": f.media_type, "size": f.size, "label": f.label} for f in files]
    payslip, receipt = files
    assert bundle["application"]["costs"][0]["document"] == f"{receipt.id}:sha256:{receipt.sha256}"

    night(db, app_id)
    handler = workbench(db, "handlaggare1")
    case = handler.get(f"/case/{app_id}")
    assert case.status_code == 200
    for f in files:
        assert f'href="/case/{app_id}/bilaga/{f.id}"' in case.text and f.sha256 in case.text
    assert "Pensionsbesked" in case.text and "Kvitto hyra" in case.text and "PDF" in case.text
    block = handler.get(f"/case/{app_id}/etjanst")
    assert f'href="/case/{app_id}/bilaga/{payslip.id}"' in block.text and "Pensionsbesked" in block.text
    before = len(downloads(db))
    r = handler.get(f"/case/{app_id}/bilaga/{payslip.id}")
    assert r.status_code == 200 and r.content == payslip.content
    assert r.headers["content-type"] == "application/pdf"
    assert r.headers["content-disposition"] == f'attachment; filename="bilaga-{payslip.id}.pdf"'
    assert r.headers["x-content-type-options"] == "nosniff" and r.headers["cache-control"] == "no-store"
    image = handler.get(f"/case/{app_id}/bilaga/{receipt.id}")
    assert image.headers["content-type"] == "image/png" and image.headers["content-disposition"].startswith(
        "attachment;")
    logged = downloads(db)
    assert len(logged) == before + 2
    assert (logged[-2].actor.startswith("user:"), logged[-2].purpose, logged[-2].channel, logged[-2].subject) == (
        True, "handlaggning", "web", f"attachment:{payslip.id}")
    assert logged[-2].person_keys  # the household it concerns, by keyed HMAC (never a personnummer)
    assert PENSIONER not in json.dumps([e.person_keys for e in logged])

    # another application's file through this case, an unknown file: 404, nothing logged
    with db.read() as s:
        other = s.execute(select(Attachment).where(Attachment.application_id != app_id)).scalars().first()
    for bad in ([other.id] if other else []) + ["01JNOSUCHATTACHMENT0000000"]:
        assert handler.get(f"/case/{app_id}/bilaga/{bad}").status_code == 404
    assert handler.get(f"/case/APP-2023-000042/bilaga/{payslip.id}").status_code == 404
    # another unit's handler: the case does not exist for them
    assert workbench(db, "handlaggare2").get(f"/case/{app_id}/bilaga/{payslip.id}").status_code == 404
    # an auditor reads for internal control (revision)
    assert workbench(db, "auditor1").get(f"/case/{app_id}/bilaga/{payslip.id}").status_code == 200
    assert downloads(db)[-1].purpose == "revision"
    # an inspector states a purpose and a reference first: the form, not the file, and nothing logged
    count = len(downloads(db))
    gate = workbench(db, "inspektor1").get(f"/case/{app_id}/bilaga/{payslip.id}")
    assert gate.status_code == 200 and gate.headers["content-type"].startswith("text/html")
    assert payslip.content not in gate.content and f'action="/case/{app_id}/tillsyn"' in gate.text
    assert len(downloads(db)) == count


def test_a_protected_identitys_files_only_for_the_roles_that_may_see_it(db: Database) -> None:
    from adapters.driven.db.etjanst import EtjanstStore

    store = EtjanstStore(db, b"x" * 32, lambda p: person_key(KEY, p), DemoClock(V2_DAY).now)
    row = store.add_attachment("01JDRAFTOFAPROTECTEDCASE00", "application/pdf", pdf(), "Intyg", PROTECTED_APP)
    assert workbench(db, "handlaggare1").get(f"/case/{PROTECTED_APP}/bilaga/{row.id}").status_code == 404
    assert workbench(db, "handlaggare1").get(f"/case/{PROTECTED_APP}/etjanst").status_code == 404
    supervisor = workbench(db, "supervisor1")  # the role configured for protected identities
    assert f"/case/{PROTECTED_APP}/bilaga/{row.id}" in supervisor.get(f"/case/{PROTECTED_APP}").text
    r = supervisor.get(f"/case/{PROTECTED_APP}/bilaga/{row.id}")
    assert r.status_code == 200 and r.headers["content-disposition"].startswith("attachment;")
    assert downloads(db)[-1].subject == f"attachment:{row.id}"
