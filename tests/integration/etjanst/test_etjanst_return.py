"""A proposal returned through the workbench's "return" (a sign-off, not an e-service request): the applicant is
told (never what), sees "komplettering begärd" with the return's reason and gets the same answer and upload
form as for an e-service request; a document attached to a cost goes into the new revision with its sha256."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from adapters.driven.clock import DemoClock
from adapters.driven.db.engine import Database
from adapters.driven.db.etjanst_models import Attachment, InformationRequest
from adapters.driven.db.models import Application, Revision
from adapters.driven.db.uow import SqlUnitOfWork
from adapters.driven.notify import LogNotifier
from adapters.driving.web.signoff import Policy, ports
from decision.services import signoff
from decision.services.signoff_types import Signer
from tests.e2e.browserkit import decided_database
from tests.integration.etjanst.kit import OTHER, TODAY, V2_DAY, app_on, form, login, one_page, pdf

APP = "APP-2026-000102"  # example 02, proposed; its applicant is OTHER


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    database = decided_database(tmp_path_factory.mktemp("etjanst-return") / "finaid.db")
    yield database
    database.dispose()


def test_a_workbench_return_is_answered_with_the_same_form(db: Database) -> None:
    with db.read() as s:
        app = s.get(Application, APP)
        assert app is not None and app.state == "proposed"
        decision_id = app.current_decision_id
    told = LogNotifier()
    p = ports(Policy(), clock=DemoClock(TODAY), notifier=told)
    signoff.return_for_information(SqlUnitOfWork(db), p, Signer("user:handlaggare1", None, None, "handler"), APP,
                                   str(decision_id), "komplettering.underlag_saknas", "Hyresavi saknas.")
    assert [e for _k, e in told.sent] == ["information_requested"]
    client, notifier = app_on(db, today=V2_DAY)  # the day example 02's month is decided by a pack that takes /2
    login(client, OTHER)
    case = client.get(f"/arende/{APP}")
    assert "Komplettering begärd" in case.text and "Underlag saknas" in case.text
    assert f'href="/arende/{APP}/komplettering"' in case.text
    assert "Hyresavi saknas." not in case.text  # the handler's motivation stays in the case file
    path = f"/arende/{APP}/komplettering"
    page = client.get(path)
    assert page.status_code == 200 and "Underlag saknas" in page.text and "senast" not in page.text  # no due date
    fields = form(page.text, path)
    assert "upload_cost" in fields.selects  # example 02's month is decided by a pack that takes /2
    r = client.post(path, data=fields.data(answer="Här är hyresavin.", upload_label="Hyresavi", upload_cost="0"),
                    files={"upload": ("avi.pdf", pdf(), "application/pdf")}, follow_redirects=False)
    assert r.status_code == 303, r.text
    with db.read() as s:
        assert s.get(Application, APP).state != "returned"  # type: ignore[union-attr]
        [asked] = s.execute(select(InformationRequest).where(InformationRequest.application_id == APP)).scalars()
        assert asked.requested_by.startswith("return:") and asked.answer == "Här är hyresavin."
        attachment = s.execute(select(Attachment).where(Attachment.application_id == APP)).scalar_one()
        assert attachment.draft_id == asked.id
        current = s.get(Application, APP).current_revision_id  # type: ignore[union-attr]
        bundle_json = s.execute(select(Revision.bundle_json).where(Revision.id == current)).scalar_one()
    assert f"{attachment.id}:sha256:{attachment.sha256}" in bundle_json
    # every file of the application is listed with its hash (docs/case-bundle.md, "application.attachments")
    listed = json.loads(bundle_json)["application"]["attachments"]
    assert listed == [{"id": attachment.id, "sha256": attachment.sha256, "media_type": "application/pdf",
                       "size": attachment.size, "label": "Hyresavi"}]
    assert "information_received" in {e for _k, e in notifier.sent}
    assert client.get(path).status_code == 404  # answered: nothing left to answer


def test_a_file_far_over_the_limit_gets_its_message_beside_the_field_and_keeps_what_was_typed(db: Database) -> None:
    client, _ = app_on(db, max_upload_bytes=4096)
    login(client, "198202114537")  # example 03's applicant
    home = client.get("/")
    path = one_page(client.post("/ansokan/ny", data=form(home.text, "/ansokan/ny").data(), follow_redirects=False
                                ).headers["location"])
    page = client.get(path)
    fields = form(page.text, path).data()
    amount = next(k for k in fields if k.startswith("costs-") and k.endswith("-amount"))
    typed = form(page.text, path).data(action="upload", **{amount: "1 234,50"})
    huge = pdf() + b"%" * (50 * 4096)  # fifty times the limit: read, cut one byte over it, refused
    r = client.post(path, data=typed, files={"upload": ("stor.pdf", huge, "application/pdf")})
    assert r.status_code == 422 and 'id="upload-error"' in r.text and "Den största fil vi tar emot är 4 kB" in r.text
    assert 'value="1 234,50"' in r.text  # nothing typed is lost
    beyond = client.post(path, data=typed, files={"upload": ("enorm.pdf", b"%" * (30 * 4096 + 300_000),
                                                             "application/pdf")})
    assert beyond.status_code == 413  # over the absolute cap (20 × the limit beside the form's own limit)
