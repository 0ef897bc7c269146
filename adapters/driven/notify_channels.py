"""The channels a notification goes out by (adapters/driven/notify.py chooses one from ``FINAID_NOTIFY``):

- :class:`SmtpChannel`: e-mail through the municipality's mail server, with the standard library's ``smtplib``
  and ``email`` (STARTTLS, implicit TLS, or plain SMTP only on loopback / in demo mode; login when a user is set);
- :class:`SmsChannel`: a plain HTTP JSON POST ``{"to": "+46…", "message": "…"}`` to the SMS gateway with a
  bearer token (httpx); any answer but 2xx is a failure.

Both raise :class:`ChannelError` (the kind of failure only, never the address) and never retry: the
notification is best effort and the applicant reads what happened when they log in.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import httpx

from decision.errors import FinaidError


class ChannelError(FinaidError):
    """A message could not be handed over (refused, unreachable, timed out); the reason names the kind only."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class SmtpChannel:
    host: str
    port: int
    security: str  # starttls | tls | none
    sender: str
    timeout_s: float
    user: str | None = None
    password: str | None = None
    tls_context: ssl.SSLContext | None = None  # default: the system's CA store, hostname checked

    name = "smtp"

    def address(self, email: str | None, mobile: str | None) -> str | None:
        return email

    def send(self, to: str, subject: str, text: str) -> None:
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = self.sender, to, subject
        msg["Date"] = formatdate(localtime=False)
        msg["Message-ID"] = make_msgid(domain=self.sender.rpartition("@")[2])
        msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies
        msg.set_content(text)
        context = self.tls_context or ssl.create_default_context()
        try:
            if self.security == "tls":
                client: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout_s,
                                                        context=context)
            else:
                client = smtplib.SMTP(self.host, self.port, timeout=self.timeout_s)
            with client:
                if self.security == "starttls":
                    client.starttls(context=context)
                if self.user:
                    client.login(self.user, self.password or "")
                client.send_message(msg)
        except smtplib.SMTPResponseException as e:
            raise ChannelError(f"smtp_refused_{e.smtp_code}") from None
        except smtplib.SMTPRecipientsRefused:
            raise ChannelError("smtp_recipient_refused") from None
        except TimeoutError:
            raise ChannelError("timeout") from None
        except (smtplib.SMTPException, OSError) as e:
            raise ChannelError(type(e).__name__) from None


@dataclass(frozen=True)
class SmsChannel:
    url: str
    token: str
    timeout_s: float

    name = "sms"

    def address(self, email: str | None, mobile: str | None) -> str | None:
        return mobile

    def send(self, to: str, subject: str, text: str) -> None:
        try:
            answer = httpx.post(self.url, json={"to": to, "message": text}, timeout=self.timeout_s,
                                headers={"Authorization": f"Bearer {self.token}"}, follow_redirects=False)
        except httpx.TimeoutException:
            raise ChannelError("timeout") from None
        except httpx.HTTPError as e:
            raise ChannelError(type(e).__name__) from None
        if not 200 <= answer.status_code < 300:
            raise ChannelError(f"gateway_{answer.status_code}")
