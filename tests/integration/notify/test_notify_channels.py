"""Notifications over real counterparts on loopback: the e-mail goes through an SMTP server (aiosmtpd) over a
socket, the SMS as a JSON POST to an HTTP gateway. The message says that something happened and gives the link —
never what, never a name or a personnummer. Refusals, 5xx answers and timeouts never raise: they are a log line
``etjanst.notification_failed`` without personal data and a count in ``finaid_notifications_total``; a person
without a contact gets nothing (``no_contact``). Each send is a read of the contact: it is in the access log."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from structlog.testing import capture_logs

from adapters.driven.db import migrate
from adapters.driven.db.access import AccessLog
from adapters.driven.db.engine import Database
from adapters.driven.db.etjanst_contact import ContactStore
from adapters.driven.notify import NOTIFICATIONS, SUBJECT, ContactNotifier, notifier_from_settings
from adapters.driven.notify_channels import ChannelError, SmtpChannel
from adapters.settings import Settings
from audit.access import person_key
from tests.integration.notify.counterparts import free_port, mail_server, sms_gateway, tls_pair

KEY = b"finaid-notify-test-hmac-key-0123456789"
PNR = "198507092388"
WHO = person_key(KEY, PNR)
LINK = "https://etjanst.kommun.example/"
EMAIL, MOBILE = "anna@example.se", "+46701234567"


def now() -> datetime:
    return datetime(2026, 12, 3, 9, tzinfo=UTC)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'finaid.db'}")
    migrate.upgrade(database)
    ContactStore(database, now).save(WHO, EMAIL, MOBILE)
    yield database
    database.dispose()


def smtp(port: int, **kw: Any) -> Settings:
    return Settings(notify="smtp", notify_link=LINK, notify_smtp_host="127.0.0.1", notify_smtp_port=port,
                    notify_smtp_security="none", notify_smtp_from="no-reply@kommun.example", **kw)


def sms(url: str, **kw: Any) -> Settings:
    return Settings(notify="sms", notify_link=LINK, notify_sms_url=url, notify_sms_token="gateway-token", **kw)


def counted(channel: str, outcome: str) -> int:
    return NOTIFICATIONS.value(channel, outcome)


def never_what(text: str) -> None:
    for secret in (PNR, PNR[:8], "19850709-2388", "decision", "beslut", "kr", "bistånd", WHO[:8]):
        assert secret not in text, secret


def test_an_email_goes_through_the_smtp_server_with_the_link_only(db: Database) -> None:
    with mail_server() as server:
        notifier = notifier_from_settings(smtp(server.port), db, KEY)
        assert isinstance(notifier, ContactNotifier)
        before = counted("smtp", "sent")
        notifier.notify(WHO, "decision_made")
    [(to, msg)] = server.received
    assert to == [EMAIL] and msg["To"] == EMAIL and msg["From"] == "no-reply@kommun.example"
    assert msg["Subject"] == SUBJECT and msg["Auto-Submitted"] == "auto-generated"
    body = msg.get_content()
    assert LINK in body and "Logga in" in body and "Log in" in body
    never_what(body + msg["Subject"])
    assert counted("smtp", "sent") == before + 1
    [read] = AccessLog(db, KEY).accesses_of(PNR)  # the contact was read to send: in the access log
    assert (read.actor, read.purpose, read.channel, read.action) == (
        "system:notify", "handlaggning", "etjanst", "etjanst_notify")


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_the_mail_goes_encrypted_and_an_untrusted_server_is_refused(db: Database, tmp_path: Path,
                                                                    security: str) -> None:
    server_ctx, client_ctx = tls_pair(tmp_path)
    tls = {"starttls": server_ctx} if security == "starttls" else {"implicit_tls": server_ctx}
    with mail_server(**tls) as server:  # type: ignore[arg-type]
        SmtpChannel("127.0.0.1", server.port, security, "no-reply@kommun.example", 5.0,
                    tls_context=client_ctx).send(EMAIL, SUBJECT, "Logga in: " + LINK)
        with pytest.raises(ChannelError):  # the system's CA store does not trust the test's certificate
            SmtpChannel("127.0.0.1", server.port, security, "no-reply@kommun.example", 5.0).send(EMAIL, SUBJECT, "x")
    [(to, msg)] = server.received
    assert to == [EMAIL] and LINK in msg.get_content()


def test_an_sms_is_posted_to_the_gateway_with_its_token(db: Database) -> None:
    with sms_gateway() as gateway:
        before = counted("sms", "sent")
        notifier_from_settings(sms(gateway.url), db, KEY).notify(WHO, "information_requested")
    [(headers, body)] = gateway.received
    assert headers["Authorization"] == "Bearer gateway-token"
    assert body["to"] == MOBILE and LINK in body["message"] and set(body) == {"to", "message"}
    never_what(body["message"])
    assert counted("sms", "sent") == before + 1


def failed_line(logs: list[dict[str, Any]]) -> dict[str, Any]:
    [line] = [e for e in logs if e["event"] == "etjanst.notification_failed"]
    text = repr(line)
    for personal in (EMAIL, MOBILE, PNR, WHO[:8], "gateway-token"):
        assert personal not in text
    return line


def test_a_refusing_smtp_server_is_logged_and_counted_never_raised(db: Database) -> None:
    with mail_server(refuse="554 5.7.1 Message refused") as server, capture_logs() as logs:
        before = counted("smtp", "failed")
        notifier_from_settings(smtp(server.port), db, KEY).notify(WHO, "decision_made")
    assert server.received == []
    assert failed_line(logs)["reason"] == "smtp_refused_554"
    assert counted("smtp", "failed") == before + 1


def test_an_unreachable_smtp_server_is_a_failure_too(db: Database) -> None:
    with capture_logs() as logs:
        before = counted("smtp", "failed")
        notifier_from_settings(smtp(free_port(), notify_timeout_s=2), db, KEY).notify(WHO, "decision_made")
    assert failed_line(logs)["reason"] == "ConnectionRefusedError"
    assert counted("smtp", "failed") == before + 1


@pytest.mark.parametrize(("status", "delay", "reason"), [(503, 0.0, "gateway_503"), (500, 0.0, "gateway_500"),
                                                         (200, 1.5, "timeout")])
def test_gateway_errors_and_timeouts_are_logged_and_counted(db: Database, status: int, delay: float,
                                                            reason: str) -> None:
    with sms_gateway(status, delay) as gateway, capture_logs() as logs:
        before = counted("sms", "failed")
        notifier_from_settings(sms(gateway.url, notify_timeout_s=0.5), db, KEY).notify(WHO, "decision_made")
    assert failed_line(logs)["reason"] == reason
    assert counted("sms", "failed") == before + 1


def test_a_person_without_a_contact_gets_nothing(db: Database) -> None:
    other = person_key(KEY, "199104173183")
    with sms_gateway() as gateway, mail_server() as server:
        before = (counted("sms", "no_contact"), counted("smtp", "no_contact"))
        notifier_from_settings(sms(gateway.url), db, KEY).notify(other, "decision_made")
        notifier_from_settings(smtp(server.port), db, KEY).notify(other, "decision_made")
        ContactStore(db, now).save(WHO, EMAIL, None)
        notifier_from_settings(sms(gateway.url), db, KEY).notify(WHO, "decision_made")  # no mobile number
    assert gateway.received == [] and server.received == []
    assert (counted("sms", "no_contact"), counted("smtp", "no_contact")) == (before[0] + 2, before[1] + 1)
    assert AccessLog(db, KEY).accesses_of("199104173183") == []


@pytest.mark.parametrize(("settings", "named"), [
    ({"notify": "smtp"}, "FINAID_NOTIFY_LINK"),
    ({"notify": "smtp", "notify_link": LINK}, "FINAID_NOTIFY_SMTP_HOST and FINAID_NOTIFY_SMTP_FROM"),
    ({"notify": "smtp", "notify_link": LINK, "notify_smtp_host": "mail.kommun.example",
      "notify_smtp_from": "no-reply@kommun.example", "notify_smtp_security": "none"}, "FINAID_NOTIFY_SMTP_SECURITY"),
    ({"notify": "smtp", "notify_link": LINK, "notify_smtp_host": "mail.kommun.example",
      "notify_smtp_from": "a@b.se", "notify_smtp_user": "finaid"}, "FINAID_NOTIFY_SMTP_PASSWORD"),
    ({"notify": "sms", "notify_link": LINK}, "FINAID_NOTIFY_SMS_URL and FINAID_NOTIFY_SMS_TOKEN"),
    ({"notify": "sms", "notify_link": LINK, "notify_sms_url": "http://sms.example/send", "notify_sms_token": "t"},
     "FINAID_NOTIFY_SMS_URL"),
    ({"notify": "sms", "notify_link": "http://etjanst.kommun.example/", "notify_sms_url": "https://sms.example/",
      "notify_sms_token": "t"}, "FINAID_NOTIFY_LINK"),
])
def test_a_missing_or_unsafe_setting_is_named(db: Database, settings: dict[str, Any], named: str) -> None:
    from decision.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match=named):
        notifier_from_settings(Settings(**settings), db, KEY)


def test_bad_values_are_refused_naming_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    from adapters.settings import settings
    from decision.errors import ConfigurationError

    for name, value, message in (("FINAID_NOTIFY", "fax", "FINAID_NOTIFY: Input should be 'log', 'smtp' or 'sms'"),
                                 ("FINAID_NOTIFY_SMTP_FROM", "no address", "FINAID_NOTIFY_SMTP_FROM: must be an e-"),
                                 ("FINAID_NOTIFY_TIMEOUT_S", "0", "FINAID_NOTIFY_TIMEOUT_S: Input should be greater"),
                                 ("FINAID_NOTIFY_SMS_URL", "sms.example", "FINAID_NOTIFY_SMS_URL: must be a web")):
        settings.cache_clear()
        monkeypatch.setenv(name, value)
        with pytest.raises(ConfigurationError, match=message):
            settings()
        monkeypatch.delenv(name)
    settings.cache_clear()
