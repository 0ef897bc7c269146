"""The e-service end to end through its HTTP surface (the browser test does the same in chromium): a demo
citizen's continued application prefilled from the household's last, a field error beside its field with
nothing typed lost, a receipt attached, the partner signing with their own login, the kvittens, the case
sent through the intake's submit (state received, audit event), withdrawing it; another household's case
and draft answer 404; uploads refused by content and by size with a clear message."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from adapters.driven.db.engine import Database
from adapters.driven.db.etjanst_models import Attachment
from adapters.driven.db.models import Application, AuditEvent, Revision
from tests.e2e.browserkit import decided_database
from tests.integration.etjanst.kit import (
    APPLICANT,
    KEY,
    OTHER,
    PARTNER,
    app_on,
    form,
    login,
    new_draft,
    one_page,
    pdf,
    png,
)


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    database = decided_database(tmp_path_factory.mktemp("etjanst") / "finaid.db")
    yield database
    database.dispose()


def start(client, pnr: str = APPLICANT) -> str:  # noqa: ANN001
    return new_draft(client, pnr)  # the one-page form of the new draft


def test_continued_application_partner_signs_kvittens_then_withdrawn(db: Database) -> None:
    client, notifier = app_on(db)
    path = start(client)
    page = client.get(path)
    assert page.status_code == 200
    # prefilled from the household's last application: both adults, the children, the rent
    assert "19850709-2388" in page.text and "19870311-4424" in page.text and "20181104-5614" in page.text
    fields = form(page.text, path)
    data = fields.data()
    rent_row = next(k for k, v in data.items() if k.endswith("-kind") and k.startswith("costs-") and v == "rent")
    amount = rent_row.replace("-kind", "-amount")
    assert data[amount] == "8\u00a0200,00"  # shown as Swedish kronor (decision.money.format_kr_form)
    # a bad amount: the message beside the field, everything typed kept
    bad = fields.data(**{amount: "åtta tusen", "costs-3-kind": "other", "costs-3-amount": "120",
                         "costs-3-description": "Busskort", "action": "summary"})
    r = client.post(path, data=bad)
    assert r.status_code == 422
    assert f'id="{amount}-error"' in r.text and "Skriv beloppet i kronor" in r.text
    assert 'value="åtta tusen"' in r.text and 'value="Busskort"' in r.text
    # corrected, with a receipt (an image with metadata) attached to the rent
    fixed = form(r.text, path).data(**{amount: "8 300,50", "action": "upload", "upload_label": "Hyresavi",
                                       "upload_cost": rent_row.split("-")[1]})
    r = client.post(path, data=fixed, files={"upload": ("hyra.png", png(), "image/png")})
    assert r.status_code == 200, r.text
    with db.read() as s:
        stored = s.execute(select(Attachment)).scalars().one()
        assert stored.media_type == "image/png" and b"SecretCameraMaker" not in (stored.content or b"")
    page = client.get(path)
    assert f'<option value="{stored.id}" selected>' in page.text  # the rent names its document
    r = client.post(path, data=form(page.text, path).data(action="summary"), follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("/sammanfattning")
    summary = client.get(r.headers["location"])
    assert "Skatteverket" in summary.text and "8\u00a0300,50\u00a0kr" in summary.text
    sign = r.headers["location"].replace("/sammanfattning", "/signera")
    refused = client.post(sign, data=form(summary.text, sign).data())
    assert refused.status_code == 422 and 'id="confirm-error"' in refused.text
    r = client.post(sign, data=form(summary.text, sign).data(confirm="on"), follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("/sammanfattning")  # waits for the partner
    assert any(event == "signature_requested" for _k, event in notifier.sent)
    draft_id = path.rsplit("/", 1)[1]
    # the partner logs in with their own identity and signs; then it is sent
    login(client, PARTNER)
    assert "En ansökan väntar på din underskrift" in client.get("/").text
    summary = client.get(f"/ansokan/{draft_id}/sammanfattning")
    r = client.post(sign, data=form(summary.text, sign).data(confirm="on"), follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/kvittens/{draft_id}"
    receipt = client.get(r.headers["location"])
    app_id = f"ET-{draft_id}"
    assert app_id in receipt.text and re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d CET", receipt.text)
    with db.read() as s:
        app = s.get(Application, app_id)
        assert app is not None and app.state == "received" and app.month == "2026-12"
        bundle = json.loads(s.execute(select(Revision.bundle_json).where(Revision.application_id == app_id)).scalar())
        assert {"kind": "rent", "amount": "8300.50"}.items() <= bundle["application"]["costs"][0].items()
        assert s.execute(select(AuditEvent).where(AuditEvent.subject == f"application:{app_id}",
                                                  AuditEvent.event == "received")).first() is not None
    # the applicant follows it and withdraws it
    login(client, APPLICANT)
    case = client.get(f"/arende/{app_id}")
    assert "Mottagen" in case.text
    withdraw = f"/arende/{app_id}/aterkalla"
    asked = client.post(withdraw, data=form(case.text, withdraw).data())
    r = client.post(withdraw, data=form(asked.text, withdraw).data(confirm="on"), follow_redirects=False)
    assert r.status_code == 303
    assert "Återkallad" in client.get(f"/arende/{app_id}").text
    with db.read() as s:
        assert s.get(Application, app_id).state == "withdrawn"  # type: ignore[union-attr]
    # another household sees neither the case nor the draft
    login(client, OTHER)
    assert client.get(f"/arende/{app_id}").status_code == 404
    assert client.get(f"/ansokan/{draft_id}").status_code == 404
    assert client.get("/arende/APP-2023-000042").status_code == 404


def test_uploads_are_checked_by_content_and_size(db: Database) -> None:
    client, _ = app_on(db, max_upload_bytes=4096)
    login(client, "198202114537")  # example 03's applicant
    home = client.get("/")
    path = one_page(client.post("/ansokan/ny", data=form(home.text, "/ansokan/ny").data(), follow_redirects=False
                                ).headers["location"])
    page = client.get(path)

    def upload(name: str, content: bytes, kind: str) -> str:
        r = client.post(path, data=form(page.text, path).data(action="upload"), files={"upload": (name, content, kind)})
        return r.text if r.status_code == 422 else ""

    not_pdf = b"MZ\x90\x00 not a pdf"
    assert "Vi tar bara emot PDF-, JPEG- och PNG-filer" in upload("intyg.pdf", not_pdf, "application/pdf")
    assert "Den största fil vi tar emot är 4 kB" in upload("stor.pdf", pdf() + b"%" * 5000, "application/pdf")
    assert "skript eller inbäddade filer" in upload("js.pdf", pdf(javascript=True), "application/pdf")
    assert "skript eller inbäddade filer" in upload("bilaga.pdf", pdf(embedded=True), "application/pdf")
    assert upload("ok.pdf", pdf(), "application/pdf") == ""
    assert 'id="upload-error"' in upload("x.png", b"\x89PNG\r\n\x1a\n broken", "image/png")


def test_komplettering_round_trip(db: Database) -> None:
    from adapters.driving.web.app import WebConfig, create_app
    from adapters.driving.web.demo_accounts import demo_password, ensure_demo
    from decision.states import CLAIMABLE

    app_id = "APP-2023-000042"  # example 01, proposed
    ensure_demo(db)
    workbench = TestClient(create_app(WebConfig(demo=True, secure_cookies=False, hmac_key=KEY, pdf=False), db))
    page = workbench.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    workbench.post("/login", data={"csrf_token": token, "username": "supervisor1",
                                   "password": demo_password("supervisor1"), "next": "/"})
    assert "/case/APP-2023-000042/etjanst" in workbench.get(f"/case/{app_id}").text
    block = workbench.get(f"/case/{app_id}/etjanst")
    ask = f"/case/{app_id}/etjanst"
    bad = workbench.post(ask, data=form(block.text, ask).data(message="Hyresavi för december", due_date="igår"))
    assert bad.status_code == 422 and "ÅÅÅÅ-MM-DD" in bad.text and "Hyresavi för december" in bad.text
    r = workbench.post(ask, data=form(block.text, ask).data(message="Skicka hyresavin för mars.",
                                                             due_date="2026-12-20"), follow_redirects=False)
    assert r.status_code == 303
    assert [e for _k, e in workbench.app.state.notifier.sent] == ["information_requested"]  # type: ignore[attr-defined]
    with db.read() as s:
        assert s.get(Application, app_id).state == "returned"  # type: ignore[union-attr]
    # the applicant sees it, answers and attaches the invoice
    client, notifier = app_on(db)
    login(client, APPLICANT)
    case = client.get(f"/arende/{app_id}")
    assert "Komplettering begärd" in case.text and "Skicka hyresavin för mars." in case.text
    answer_path = f"/arende/{app_id}/komplettering"
    page = client.get(answer_path)
    empty = client.post(answer_path, data=form(page.text, answer_path).data())
    assert empty.status_code == 422 and 'id="answer-error"' in empty.text
    r = client.post(answer_path, data=form(page.text, answer_path).data(answer="Här är hyresavin."),
                    files={"upload": ("avi.pdf", pdf(), "application/pdf")}, follow_redirects=False)
    assert r.status_code == 303, r.text
    with db.read() as s:
        app = s.get(Application, app_id)
        assert app is not None and app.state in CLAIMABLE  # back for the night, then in the handler's queue
        events = [e.event for e in s.execute(select(AuditEvent).where(
            AuditEvent.subject == f"application:{app_id}").order_by(AuditEvent.seq)).scalars()]
        assert events[-4:] == ["returned", "attachment_added", "received", "information_answered"]
        assert s.execute(select(Attachment).where(Attachment.application_id == app_id)).first() is not None
    assert ("information_received" in {e for _k, e in notifier.sent})
    assert "Tack. Vi har tagit emot ditt svar." in client.get(f"/arende/{app_id}?answered=1").text
    assert "Här är hyresavin." in workbench.get(f"/case/{app_id}/etjanst").text


def test_retention_blanks_the_e_services_personal_content_with_the_rest(db: Database) -> None:
    """Runs last in this module: gallring of every application (none exempt) blanks drafts, attachments and
    requests too; the applicant then sees no case content."""
    from datetime import date

    from adapters.driven.clock import DemoClock
    from adapters.driven.db.etjanst_models import Draft, InformationRequest
    from adapters.driven.db.uow import SqlUnitOfWork
    from decision.services.retention import Exemptions, purge

    result = purge(SqlUnitOfWork(db), DemoClock(date(2040, 1, 2)), date(2040, 1, 1),
                   Exemptions(frozenset(), frozenset(), frozenset()), actor="system:retention")
    assert result.purged
    with db.read() as s:
        sent = [d for d in s.execute(select(Draft).where(Draft.application_id.is_not(None))).scalars()]
        assert sent and all(d.data_json is None and d.purged_at is not None for d in sent)
        files = list(s.execute(select(Attachment).where(Attachment.application_id.is_not(None))).scalars())
        assert files and all(f.content is None and f.label is None for f in files)
        asked = list(s.execute(select(InformationRequest)).scalars())
        assert asked and all(r.message is None and r.answer is None for r in asked)
