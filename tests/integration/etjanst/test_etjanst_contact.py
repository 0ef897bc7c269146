"""Mina uppgifter → Avisering: the applicant gives an e-mail address and/or a mobile number (the fields the
configured channel uses), consents in plain Swedish (and English), sees each error beside its field with what
they typed kept, and can remove it. Stored keyed by the person's HMAC; the audit events and the access log
never hold the address. Then a handler's return tells the person by SMS at the number given — and a gateway
that fails never undoes the return."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from adapters.driven.clock import DemoClock
from adapters.driven.db.engine import Database
from adapters.driven.db.etjanst_models import Contact
from adapters.driven.db.models import Application, AuditEvent
from adapters.driven.db.uow import SqlUnitOfWork
from adapters.driven.notify import NOTIFICATIONS, ContactNotifier
from adapters.driven.notify_channels import SmsChannel
from adapters.driving.etjanst.app import create_etjanst_app
from adapters.driving.etjanst.config import EtjanstConfig
from adapters.driving.web.signoff import Policy, ports
from audit.access import person_key
from decision.services import signoff
from decision.services.signoff_types import Signer
from tests.e2e.browserkit import decided_database
from tests.integration.etjanst.kit import APPLICANT, KEY, OTHER, TODAY, app_on, form, login
from tests.integration.notify.counterparts import sms_gateway

PAGE = "/mina-uppgifter/avisering"
APP = "APP-2026-000102"  # example 02, proposed; its applicant is OTHER
LINK = "https://etjanst.kommun.example/"


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    database = decided_database(tmp_path_factory.mktemp("etjanst-contact") / "finaid.db")
    yield database
    database.dispose()


def stored(db: Database, pnr: str) -> Contact | None:
    with db.read() as s:
        return s.get(Contact, person_key(KEY, pnr))


def test_the_applicant_gives_removes_and_corrects_a_contact(db: Database) -> None:
    client, _ = app_on(db)
    login(client, APPLICANT)
    assert f'href="{PAGE}"' in client.get("/mina-uppgifter").text
    page = client.get(PAGE)
    assert page.status_code == 200 and "<h1>Avisering</h1>" in page.text
    assert "aldrig vad som har hänt" in page.text and "Du får inga meddelanden nu." in page.text
    fields = form(page.text, PAGE)
    assert 'id="email"' in page.text and 'id="mobile"' in page.text  # the demo's log channel: both

    r = client.post(PAGE, data=fields.data(email="anna@", mobile="070-12"))  # no consent either
    assert r.status_code == 422
    assert 'id="email-error"' in r.text and "Skriv en e-postadress, till exempel namn@exempel.se." in r.text
    assert 'id="mobile-error"' in r.text and "Skriv ett mobilnummer, till exempel 070-123 45 67." in r.text
    assert 'id="consent-error"' in r.text and "Kryssa i rutan" in r.text
    assert 'value="anna@"' in r.text and 'value="070-12"' in r.text  # nothing typed is lost
    r = client.post(PAGE, data=fields.data())
    assert r.status_code == 422 and "Skriv en e-postadress eller ett mobilnummer, eller båda." in r.text
    assert stored(db, APPLICANT) is None

    r = client.post(PAGE, data=fields.data(email="anna@example.se", mobile="070-123 45 67", consent="on"),
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"{PAGE}?saved=1"
    row = stored(db, APPLICANT)
    assert row is not None and (row.email, row.mobile) == ("anna@example.se", "+46701234567")
    assert row.consented_at is not None
    page = client.get(f"{PAGE}?saved=1")
    assert "Ditt val är sparat." in page.text and "Du får meddelanden nu." in page.text
    assert 'value="anna@example.se"' in page.text

    assert client.post(PAGE, data={"email": "x@example.se", "consent": "on"}).status_code == 403  # no CSRF token
    r = client.post(f"{PAGE}/ta-bort", data={"csrf_token": fields.data()["csrf_token"]}, follow_redirects=False)
    assert r.status_code == 303 and stored(db, APPLICANT) is None
    with db.read() as s:
        events = list(s.execute(select(AuditEvent).where(AuditEvent.event.like("notification_contact_%"))).scalars())
    assert [e.event for e in events] == ["notification_contact_saved", "notification_contact_removed"]
    assert all("anna" not in e.payload and "4670" not in e.payload for e in events)

    client.get("/sprak/en?next=/")
    english = client.get(PAGE)
    assert "<h1>Messages to you</h1>" in english.text and "It never says what has happened" in english.text


def test_a_number_given_is_told_by_sms_and_a_failing_gateway_undoes_nothing(db: Database) -> None:
    with sms_gateway() as gateway:
        channel = SmsChannel(gateway.url, "gateway-token", 2.0)
        notifier = ContactNotifier(db, KEY, channel, LINK, DemoClock(TODAY))
        config = EtjanstConfig(demo=True, secure_cookies=False, hmac_key=KEY, pdf=False)
        client = TestClient(create_etjanst_app(config, db, clock=DemoClock(TODAY), notifier=notifier))
        login(client, OTHER)
        page = client.get(PAGE)
        assert 'id="mobile"' in page.text and 'id="email"' not in page.text  # the SMS channel asks for a number
        r = client.post(PAGE, data=form(page.text, PAGE).data(mobile="+46 70 765 43 21", consent="on"),
                        follow_redirects=False)
        assert r.status_code == 303
        with db.read() as s:
            decision_id = str(s.get(Application, APP).current_decision_id)  # type: ignore[union-attr]
        gateway.status = 503  # the gateway fails: the return is stored all the same
        before = NOTIFICATIONS.value("sms", "failed")
        signoff.return_for_information(SqlUnitOfWork(db), ports(Policy(), clock=DemoClock(TODAY), notifier=notifier),
                                       Signer("user:handlaggare1", None, None, "handler"), APP, decision_id,
                                       "komplettering.underlag_saknas", "Hyresavi saknas.")
        assert NOTIFICATIONS.value("sms", "failed") == before + 1
        with db.read() as s:
            assert s.get(Application, APP).state == "returned"  # type: ignore[union-attr]
        gateway.status = 200
        notifier.notify(person_key(KEY, OTHER), "information_requested")
    assert [body["to"] for _h, body in gateway.received] == ["+46707654321", "+46707654321"]
    assert all(body["message"].count(LINK) == 1 and "Hyresavi" not in body["message"] for _h, body in gateway.received)
