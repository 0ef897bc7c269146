"""Notifications to applicants (``decision.ports.Notifier``): that something happened in their case, never
what — they log in to read it (docs/etjanst.md "Avisering").

- :class:`LogNotifier` (``FINAID_NOTIFY=log``, demo mode and tests): a log line with a short prefix of the
  person's keyed HMAC (no number, no name, no content).
- :class:`ContactNotifier` (``smtp``, ``sms``): looks up the contact the person gave under Mina uppgifter →
  Avisering (``etjanst_contact``, by the keyed HMAC), writes that read to the access log, and sends
  :data:`SUBJECT`/:data:`TEXT` with the e-service's address through the channel (adapters/driven/notify_channels.py).
  The text is the same whatever happened. It never raises: a failure is a log line ``etjanst.notification_failed``
  (the channel, the event and the kind of failure; no address, number or key) and nothing stored is undone.

Every attempt is counted in ``finaid_notifications_total{channel,outcome}`` (:data:`NOTIFICATIONS`, this
process's; outcome ``sent``, ``failed``, ``no_contact``, or ``logged`` for the log channel).
:func:`notifier_from_settings` is the one factory the e-service, the workbench and the night use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit

import structlog

from adapters.driven.metrics import NotifyMetrics
from decision.errors import ConfigurationError

if TYPE_CHECKING:
    from adapters.driven.db.engine import Database
    from adapters.settings import Settings
    from decision.ports import Clock, Notifier

log = structlog.get_logger("finaid.notify")

# One short message in Swedish and English (the person's language choice is a cookie of the e-service, not
# known when the night decides): that something happened and where to read it. Nothing about what happened,
# not even that it concerns ekonomiskt bistånd — a phone's lock screen or a shared inbox shows it.
SUBJECT = "Nytt i kommunens e-tjänst / News in the municipality's e-service"
TEXT = ("Hej! Det finns något nytt för dig i kommunens e-tjänst. Logga in för att läsa det: {link}\n"
        "Svara inte på det här meddelandet.\n\n"
        "Hello! There is something new for you in the municipality's e-service. Log in to read it: {link}\n"
        "Please do not reply to this message.\n")
SMS_TEXT = ("Nytt för dig i kommunens e-tjänst. Logga in för att läsa: {link} "
            "(New for you in the municipality's e-service. Log in to read it.)")


NOTIFICATIONS = NotifyMetrics()  # this process's counts (/metrics; a batch worker hands its own to the run)


class LogNotifier:
    def __init__(self, metrics: NotifyMetrics = NOTIFICATIONS) -> None:
        self.sent: list[tuple[str, str]] = []
        self.metrics = metrics

    def notify(self, person_key: str, event: str) -> None:
        self.sent.append((person_key, event))
        log.info("etjanst.notification", notification=event, person_key=person_key[:8])
        self.metrics.count("log", "logged")


class Channel(Protocol):
    name: str

    def address(self, email: str | None, mobile: str | None) -> str | None: ...

    def send(self, to: str, subject: str, text: str) -> None: ...


class ContactNotifier:
    """Sends the fixed message to the contact a person gave, by one channel; never raises."""

    def __init__(self, db: Database, key: bytes, channel: Channel, link: str, clock: Clock | None = None,
                 metrics: NotifyMetrics = NOTIFICATIONS) -> None:
        from adapters.driven.db.access import AccessLog
        from adapters.driven.db.etjanst_contact import ContactStore

        now = clock.now if clock is not None else None
        self.access = AccessLog(db, key, now)
        self.contacts = ContactStore(db, self.access.clock)
        self.channel, self.link, self.metrics = channel, link, metrics

    def notify(self, person_key: str, event: str) -> None:
        channel = self.channel.name
        try:
            contact = self.contacts.get(person_key)
            to = self.channel.address(contact.email, contact.mobile) if contact is not None else None
            if to is None:
                self.metrics.count(channel, "no_contact")
                log.info("etjanst.notification_skipped", channel=channel, notification=event, reason="no_contact")
                return
            self.access.record("system:notify", "handlaggning", "etjanst", "etjanst_notify", f"notification:{event}",
                               (), person_keys=[person_key])
            text = (SMS_TEXT if channel == "sms" else TEXT).format(link=self.link)
            self.channel.send(to, SUBJECT, text)
        except Exception as e:  # noqa: BLE001 - best effort: what was stored stays; the person reads it on login
            self.metrics.count(channel, "failed")
            log.warning("etjanst.notification_failed", channel=channel, notification=event,
                        reason=getattr(e, "reason", type(e).__name__))
            return
        self.metrics.count(channel, "sent")
        log.info("etjanst.notification_sent", channel=channel, notification=event)


def _loopback(url_or_host: str) -> bool:
    from adapters.driven.ssbtek.config import is_loopback

    host = urlsplit(url_or_host).hostname if "//" in url_or_host else url_or_host
    return is_loopback(host or "")


def notify_problem(cfg: Settings) -> str | None:
    """What keeps the configured channel from working, naming the setting; None when complete."""
    if cfg.notify == "log":
        return None
    if not cfg.notify_link:
        return "FINAID_NOTIFY_LINK is not set: the e-service's address (https://…) that every message gives"
    if not cfg.demo and cfg.notify_link.startswith("http:") and not _loopback(cfg.notify_link):
        return "FINAID_NOTIFY_LINK: must be https:// (plain http only on loopback or in demo mode)"
    if cfg.notify == "smtp":
        missing = [n for n, v in (("FINAID_NOTIFY_SMTP_HOST", cfg.notify_smtp_host),
                                  ("FINAID_NOTIFY_SMTP_FROM", cfg.notify_smtp_from)) if not v]
        if missing:
            return f"FINAID_NOTIFY=smtp needs {' and '.join(missing)}"
        if cfg.notify_smtp_user and cfg.notify_smtp_password is None:
            return "FINAID_NOTIFY_SMTP_USER needs FINAID_NOTIFY_SMTP_PASSWORD"
        if cfg.notify_smtp_security == "none" and not (cfg.demo or _loopback(cfg.notify_smtp_host or "")):
            return ("FINAID_NOTIFY_SMTP_SECURITY: none (no encryption) is allowed only to a loopback mail server "
                    "or in demo mode; use starttls or tls")
        return None
    missing = [n for n, v in (("FINAID_NOTIFY_SMS_URL", cfg.notify_sms_url),
                              ("FINAID_NOTIFY_SMS_TOKEN", cfg.notify_sms_token)) if not v]
    if missing:
        return f"FINAID_NOTIFY=sms needs {' and '.join(missing)}"
    if not cfg.demo and (cfg.notify_sms_url or "").startswith("http:") and not _loopback(cfg.notify_sms_url or ""):
        return "FINAID_NOTIFY_SMS_URL: must be https:// (plain http only on loopback or in demo mode)"
    return None


def channel_from_settings(cfg: Settings) -> Channel:
    """The configured smtp or sms channel; ConfigurationError naming the setting when it is incomplete."""
    from adapters.driven.notify_channels import SmsChannel, SmtpChannel

    problem = notify_problem(cfg)
    if problem is not None:
        raise ConfigurationError(problem)
    if cfg.notify == "smtp":
        assert cfg.notify_smtp_host and cfg.notify_smtp_from
        port = cfg.notify_smtp_port or {"starttls": 587, "tls": 465, "none": 25}[cfg.notify_smtp_security]
        password = cfg.notify_smtp_password.get_secret_value() if cfg.notify_smtp_password else None
        return SmtpChannel(cfg.notify_smtp_host, port, cfg.notify_smtp_security, cfg.notify_smtp_from,
                           cfg.notify_timeout_s, cfg.notify_smtp_user, password)
    assert cfg.notify_sms_url and cfg.notify_sms_token
    return SmsChannel(cfg.notify_sms_url, cfg.notify_sms_token.get_secret_value(), cfg.notify_timeout_s)


def notifier_from_settings(cfg: Settings, db: Database | None, key: bytes | None,
                           clock: Clock | None = None) -> Notifier:
    """The notifier ``FINAID_NOTIFY`` names: the log, or the contact notifier on ``db`` (``key``: the access-log
    key the contacts are keyed by). A bad or missing setting is a ConfigurationError naming it."""
    if cfg.notify == "log":
        return LogNotifier()
    channel = channel_from_settings(cfg)
    if db is None or key is None:
        raise ConfigurationError(f"FINAID_NOTIFY={cfg.notify} needs the database and FINAID_HMAC_KEY")
    assert cfg.notify_link is not None
    return ContactNotifier(db, key, channel, cfg.notify_link, clock)


def configured_notifier(db: Database | None, clock: Clock | None = None) -> Notifier:
    """This process's notifier from its settings (the sign-off's ports, the night: adapters/driving/web/signoff.py)."""
    from adapters.settings import settings

    cfg = settings()
    if cfg.notify == "log" or db is None:
        return LogNotifier()
    from adapters.driven.keys import access_log_key

    return notifier_from_settings(cfg, db, access_log_key(cfg), clock)
