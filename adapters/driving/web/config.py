"""The web app's configuration (:class:`WebConfig`): built from ``FINAID_*`` by ``WebConfig.from_settings``, or
by tests directly — no monkeypatching (docs/web.md)."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from adapters.driven.ssbtek.config import is_loopback
from adapters.driving.web.auth import DEMO_SECRET
from adapters.driving.web.roles import Role
from decision.errors import ConfigurationError
from decision.money import parse_kronor

if TYPE_CHECKING:
    from adapters.driven.db.engine import Database
    from adapters.driving.web.sso import SsoConfig
    from adapters.settings import Settings


@dataclass
class WebConfig:
    demo: bool = False
    secure_cookies: bool = True
    session_secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    hmac_key: bytes = b""
    idle_minutes: int = 15
    max_hours: int = 10
    lockout_attempts: int = 5
    lockout_minutes: int = 15
    protected_roles: frozenset[Role] = frozenset({Role.SUPERVISOR})
    four_eyes_threshold_ore: int = 100_000
    four_eyes_findings: frozenset[str] = frozenset({"identity.protected"})
    reason_codes_dir: Path | None = None
    units_file: Path | None = None
    api_rate_per_minute: int = 120
    api_max_body_bytes: int = 1024 * 1024
    api_max_list: int = 100
    board: str = "Socialnämnden"
    municipality_names: dict[str, str] = field(default_factory=dict)
    registry_factory: Callable[[Database], Any] | None = None  # db -> RegistrySource | None
    pdf: bool = True
    sso: SsoConfig | None = None  # single sign-on through the municipality's identity provider (sso.py)
    totp: bool | None = None  # local passwords need a TOTP code too (default: outside demo mode)

    @property
    def totp_required(self) -> bool:
        return (not self.demo) if self.totp is None else self.totp

    @staticmethod
    def from_settings(
        host: str | None = None, cfg: Settings | None = None,
        registry_factory: Callable[[Database], Any] | None = None,
    ) -> WebConfig:
        """From ``cfg`` (default: ``FINAID_*``); ``registry_factory`` is the bootstrap's registry source."""
        from adapters.driven.keys import access_log_key
        from adapters.settings import settings

        cfg = cfg or settings()
        plain_http_ok = cfg.demo and is_loopback(host or cfg.web_host)
        secure = cfg.web_secure_cookies
        if secure is None:
            secure = not plain_http_ok
        elif not secure and not plain_http_ok:
            raise ConfigurationError("cookies without Secure are allowed only in demo mode on a loopback address")
        if cfg.web_session_secret is not None:
            secret = cfg.web_session_secret.get_secret_value().encode("utf-8")
        elif cfg.demo:
            secret = DEMO_SECRET
        else:
            secret = secrets.token_bytes(32)  # sessions end when the process restarts
        try:
            threshold = parse_kronor(cfg.four_eyes_threshold.strip())
        except ValueError:
            raise ConfigurationError("FINAID_FOUR_EYES_THRESHOLD must be kronor, e.g. 1000") from None
        return WebConfig(
            demo=cfg.demo, secure_cookies=secure, session_secret=secret, hmac_key=access_log_key(cfg),
            idle_minutes=cfg.web_idle_timeout_minutes, max_hours=cfg.web_session_max_hours,
            lockout_attempts=cfg.web_lockout_attempts, lockout_minutes=cfg.web_lockout_minutes,
            protected_roles=frozenset(Role(r.strip()) for r in cfg.web_protected_roles.split(",") if r.strip()),
            four_eyes_threshold_ore=threshold,
            four_eyes_findings=frozenset(c.strip() for c in cfg.four_eyes_findings.split(",") if c.strip()),
            reason_codes_dir=cfg.reason_codes_dir, units_file=cfg.web_units_file,
            api_rate_per_minute=cfg.api_rate_per_minute, api_max_body_bytes=cfg.api_max_body_bytes,
            api_max_list=cfg.api_max_list, board=cfg.letter_board,
            municipality_names=dict(cfg.letter_municipality_names),
            registry_factory=registry_factory, sso=sso_config(cfg),
        )


def sso_config(cfg: Settings) -> SsoConfig | None:
    """Single sign-on from ``FINAID_OIDC_*``: None when no issuer is set; ConfigurationError naming what is
    missing or wrong when it is set."""
    from adapters.driven.identity.oidc import OidcConfig
    from adapters.driving.web.sso import CALLBACK_PATH, SsoConfig, parse_group_map
    from adapters.settings import group_map

    if cfg.oidc_issuer is None:
        stray = [n for n, v in (("FINAID_OIDC_CLIENT_ID", cfg.oidc_client_id),
                                ("FINAID_OIDC_CLIENT_SECRET", cfg.oidc_client_secret),
                                ("FINAID_OIDC_GROUP_MAP", cfg.oidc_group_map)) if v]
        if stray:
            raise ConfigurationError(f"FINAID_OIDC_ISSUER is not set, but {', '.join(stray)} is: set the issuer "
                                     "too (single sign-on), or unset them")
        return None
    missing = [n for n, v in (("FINAID_OIDC_CLIENT_ID", cfg.oidc_client_id),
                              ("FINAID_OIDC_CLIENT_SECRET", cfg.oidc_client_secret),
                              ("FINAID_OIDC_GROUP_MAP", cfg.oidc_group_map)) if not v]
    if missing:
        raise ConfigurationError(f"{', '.join(missing)}: not set; single sign-on (FINAID_OIDC_ISSUER) needs it")
    assert cfg.oidc_client_id and cfg.oidc_client_secret and cfg.oidc_group_map
    try:
        groups = parse_group_map(group_map(cfg.oidc_group_map))
    except ValueError as e:
        raise ConfigurationError(f"FINAID_OIDC_GROUP_MAP: {e}") from None
    base = cfg.web_url.rstrip("/")
    oidc = OidcConfig(
        issuer=cfg.oidc_issuer, client_id=cfg.oidc_client_id,
        client_secret=cfg.oidc_client_secret.get_secret_value(), scopes=tuple(cfg.oidc_scopes.split()),
        groups_claim=cfg.oidc_groups_claim, claims=tuple(sorted({"name", cfg.oidc_username_claim})),
        timeout_s=cfg.oidc_timeout_s,
    )
    return SsoConfig(oidc=oidc, group_map=groups, redirect_uri=base + CALLBACK_PATH,
                     after_logout_uri=base + "/login", username_claim=cfg.oidc_username_claim)

