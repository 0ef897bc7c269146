"""The notification settings (``FINAID_NOTIFY*``), a part of :class:`adapters.settings.Settings` kept in its own
module: how the applicant is told that something happened in the e-service (docs/etjanst.md "Avisering").
Whether a channel's settings are complete is checked where the notifier is built (``adapters/driven/notify.py:
notify_problem``), so the error names the missing setting; ``finaid doctor`` shows the same."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings


class NotifySettings(BaseSettings):
    notify: Literal["log", "smtp", "sms"] = Field(
        default="log", description="how applicants are told that something happened: log (demo), smtp or sms"
    )
    notify_link: str | None = Field(
        default=None, description="the e-service's address put in every message (https://…; required for smtp, sms)"
    )
    notify_timeout_s: float = Field(default=10.0, gt=0, le=120, description="timeout of each message sent (seconds)")
    notify_smtp_host: str | None = Field(default=None, description="the mail server that sends the e-mail")
    notify_smtp_port: int | None = Field(
        default=None, ge=1, le=65535, description="its port (default: 587 with starttls, 465 with tls, 25 with none)"
    )
    notify_smtp_security: Literal["starttls", "tls", "none"] = Field(
        default="starttls", description="starttls, tls (implicit, port 465) or none (loopback or demo mode only)"
    )
    notify_smtp_user: str | None = Field(default=None, description="user name at the mail server (unset: no login)")
    notify_smtp_password: SecretStr | None = Field(default=None, description="its password")
    notify_smtp_from: str | None = Field(default=None, description="the sender address, e.g. no-reply@kommun.se")
    notify_sms_url: str | None = Field(
        default=None, description="the SMS gateway's endpoint (https://…) that takes a JSON POST {to, message}"
    )
    notify_sms_token: SecretStr | None = Field(default=None, description="bearer token for the SMS gateway")

    @field_validator("notify_link", "notify_sms_url")
    @classmethod
    def _web_address(cls, value: str | None) -> str | None:
        from urllib.parse import urlsplit

        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise ValueError("must be a web address, https://…")
        return value

    @field_validator("notify_smtp_from")
    @classmethod
    def _address(cls, value: str | None) -> str | None:
        if value is not None and (value.count("@") != 1 or any(c.isspace() for c in value)):
            raise ValueError("must be an e-mail address, e.g. no-reply@kommun.se")
        return value
