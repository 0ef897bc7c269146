"""The e-service's configuration (:class:`EtjanstConfig`): from ``FINAID_ETJANST_*`` and the shared settings, or
built by tests directly."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from adapters.driven.ssbtek.config import is_loopback
from decision.errors import ConfigurationError

if TYPE_CHECKING:
    from adapters.settings import Settings

DEMO_SECRET = b"finaid-etjanst-demo-session-secret-not-a-secret"


@dataclass
class EtjanstConfig:
    demo: bool = False
    secure_cookies: bool = True
    session_secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    hmac_key: bytes = b""
    idle_minutes: int = 20
    pnr_claim: str = "personal_number"
    max_upload_bytes: int = 10 * 1024 * 1024
    max_image_pixels: int = 40_000_000
    login_per_minute: int = 10
    submit_per_hour: int = 20
    municipality: str | None = None  # a first application's municipality (a continued one keeps its own)
    demo_citizens: int = 40  # how many demo households the demo login lists
    pdf: bool = True

    @staticmethod
    def from_settings(cfg: Settings, host: str | None = None) -> EtjanstConfig:
        from adapters.driven.keys import access_log_key

        plain_http_ok = cfg.demo and is_loopback(host or cfg.etjanst_host)
        secure = cfg.web_secure_cookies
        if secure is None:
            secure = not plain_http_ok
        elif not secure and not plain_http_ok:
            raise ConfigurationError("cookies without Secure are allowed only in demo mode on a loopback address")
        if cfg.etjanst_session_secret is not None:
            secret = cfg.etjanst_session_secret.get_secret_value().encode("utf-8")
            if len(secret) < 16:
                raise ConfigurationError("FINAID_ETJANST_SESSION_SECRET must be at least 16 characters")
        elif cfg.demo:
            secret = DEMO_SECRET
        else:
            secret = secrets.token_bytes(32)  # sessions end when the process restarts
        return EtjanstConfig(
            demo=cfg.demo, secure_cookies=secure, session_secret=secret, hmac_key=access_log_key(cfg),
            idle_minutes=cfg.etjanst_idle_timeout_minutes, pnr_claim=cfg.etjanst_pnr_claim,
            max_upload_bytes=cfg.etjanst_max_upload_bytes, max_image_pixels=cfg.etjanst_max_image_pixels,
            municipality=cfg.etjanst_municipality, login_per_minute=cfg.etjanst_login_per_minute,
            submit_per_hour=cfg.etjanst_submit_per_hour,
        )
