"""One settings module: ``FINAID_*`` from the environment and an optional settings file (mode 0600).

Secrets are never logged or echoed: their fields are ``SecretStr`` and ``__repr__`` hides them.
"""

from __future__ import annotations

import os
import re
import stat
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import SettingsConfigDict, SettingsError

from adapters.settings_notify import NotifySettings
from decision.bundle_parts import ATTACHMENT_MAX_BYTES
from decision.errors import ConfigurationError

DB_SCHEMES = ("sqlite", "postgres", "postgresql", "postgresql+psycopg")


class Settings(NotifySettings):
    """Every ``FINAID_*`` setting (the notification ones in adapters/settings_notify.py)."""

    model_config = SettingsConfigDict(env_prefix="FINAID_", extra="ignore")

    mode: Literal["production", "demo"] = Field(
        default="production", description="demo allows the sandbox registry, plain HTTP on loopback and demo data"
    )
    rules_dir: Path | None = Field(default=None, description="extra rule packs and guidelines (packs/, guidelines/)")
    templates_dir: Path | None = Field(default=None, description="a municipality's template overrides")
    actor: str | None = Field(default=None, description="who acts on the CLI (default: the OS user)")
    today: date | None = Field(
        default=None,
        description=(
            "demo mode only: the date finaid's clock shows (YYYY-MM-DD; the time of day stays the system's, "
            "in Europe/Stockholm), so a demo or a test stands inside the packs' coverage; refused otherwise"
        ),
    )

    # --- the registry (SSBTEK) -------------------------------------------------------------------
    ssbtek_url: str | None = Field(
        default=None,
        description="SSBTEK endpoint (https://…); in demo mode the sandbox URL is used when this is unset",
    )
    ssbtek_cert: Path | None = Field(default=None, description="client certificate (PEM) issued to the municipality")
    ssbtek_key: Path | None = Field(default=None, description="the client certificate's private key (PEM, mode 0600)")
    ssbtek_ca: Path | None = Field(
        default=None, description="CA bundle (PEM) that signed the SSBTEK server certificate"
    )
    ssbtek_organisationsnummer: str | None = Field(
        default=None, description="the municipality's organisationsnummer, 12 digits (ingivare)"
    )
    ssbtek_ingivare_namn: str | None = Field(default=None, description="the municipality's name (ingivare namn)")
    ssbtek_handlaggare: str | None = Field(
        default=None,
        description="handläggare identity sent with unattended runs (default: FINAID_ACTOR, then the OS user)",
    )
    ssbtek_aktorsid: str | None = Field(default=None, description="aktörsid assigned by Försäkringskassan (LEFI)")
    ssbtek_lefi_version: str = Field(default="v9", description="LEFI version sent in the FK part")
    ssbtek_syfte: str = Field(
        default="Handläggning av ansökan om ekonomiskt bistånd", description="purpose (syfte) sent with every query"
    )
    ssbtek_lagtext: str | None = Field(
        default=None, description="legal basis (lagtext) override; default chosen by the law period of the month"
    )
    ssbtek_timeout_s: float = Field(default=30.0, gt=0, le=600, description="per-call timeout in seconds")
    ssbtek_connect_timeout_s: float = Field(default=5.0, gt=0, le=120, description="connect timeout in seconds")
    ssbtek_attempts: int = Field(
        default=3, ge=1, le=10, description="tries per call on connect errors, timeouts and 502/503/504"
    )
    ssbtek_backoff_s: float = Field(default=0.5, ge=0, le=60, description="first retry backoff (doubles, jittered)")
    ssbtek_concurrency: int = Field(default=8, ge=1, le=256, description="SSBTEK calls in flight per process")
    ssbtek_max_response_bytes: int = Field(
        default=8 * 1024 * 1024, ge=4096, le=256 * 1024 * 1024, description="largest response envelope accepted"
    )
    ssbtek_include_tns: bool = Field(
        default=False, description="ask Transportstyrelsen (vehicles have no fact kind yet: kept as evidence only)"
    )
    ssbtek_provisional_skv: bool | None = Field(
        default=None,
        description="map finaid's provisional Skatteverket salary dialect to salary facts (default: demo mode only)",
    )
    sandbox_url: str = Field(
        default="http://127.0.0.1:8088/ssbtek", description="the sandbox SSBTEK used in demo mode (loopback only)"
    )
    web_url: str = Field(
        default="http://127.0.0.1:8000", description="where handlers open cases (report links)"
    )
    report_dir: Path = Field(default=Path("var/reports"), description="where batch reports are written")
    batch_db_retry_s: float = Field(
        default=60.0, ge=0, le=3600,
        description="how long batch workers wait for an unreachable database before the run stops (exit 3)",
    )
    db_url: str = Field(default="sqlite:///var/finaid.db", description="SQLAlchemy URL of the database")
    db_schema: str | None = Field(default=None, description="PostgreSQL schema (search_path) to use")
    hmac_key: SecretStr | None = Field(
        default=None, description="key for the keyed HMAC that identifies persons in the access log"
    )
    retention_exempt_counties: str = Field(
        default="05,09,22", description="county codes whose records are kept for research (SoF 2025:468 13:1)"
    )
    retention_exempt_municipalities: str = Field(default="1480", description="municipalities kept for research")
    retention_exempt_birth_days: str = Field(default="5,15,25", description="birth days whose records are kept")

    # --- the web app, sign-off, letters and the HTTP API (docs/web.md) -----------------------------
    web_host: str = Field(default="127.0.0.1", description="address `finaid web serve` listens on")
    web_port: int = Field(default=8000, ge=1, le=65535, description="port `finaid web serve` listens on")
    web_workers: int = Field(
        default=1, ge=1, le=32,
        description="worker processes of `finaid web serve` (more than 1 needs FINAID_WEB_SESSION_SECRET "
                    "outside demo mode)",
    )
    web_session_secret: SecretStr | None = Field(
        default=None, description="key for hashing session ids and login CSRF tokens (random per process if unset)"
    )
    web_idle_timeout_minutes: int = Field(default=15, ge=1, le=480, description="a session ends after this idle time")
    web_session_max_hours: int = Field(default=10, ge=1, le=24, description="a session ends after this long in all")
    web_lockout_attempts: int = Field(default=5, ge=1, le=100, description="failed logins in a row before lockout")
    web_lockout_minutes: int = Field(default=15, ge=1, le=1440, description="how long a locked account stays locked")
    web_secure_cookies: bool | None = Field(
        default=None,
        description="Secure cookies (default: on, except in demo mode on plain-HTTP loopback)",
    )
    web_protected_roles: str = Field(
        default="supervisor", description="roles that see cases with protected identity (comma-separated)"
    )
    web_units_file: Path | None = Field(
        default=None, description="YAML mapping municipality (and district) to unit, loaded at start"
    )
    four_eyes_threshold: str = Field(
        default="1000", description="kronor: an amendment changing the total by more needs a supervisor's signature"
    )
    four_eyes_findings: str = Field(
        default="identity.protected",
        description="finding codes (comma-separated) whose cases need a supervisor's second signature",
    )
    reason_codes_dir: Path | None = Field(
        default=None, description="extra reason-code sets (<id>/reason_codes.yaml) beside rules/reason_codes"
    )
    auto_decisions: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description=(
            "automated decisions per municipality (off by default), JSON: "
            '{"1287": {"delegation_reference": "SN 2025-03-12 § 45", "allowed_notices": ["guideline.example"]}}'
        ),
    )
    letter_board: str = Field(default="Socialnämnden", description="the deciding board named in letters")
    letter_municipality_names: dict[str, str] = Field(
        default_factory=dict, description='municipality names for letters, JSON {"1287": "Trelleborgs kommun"}'
    )
    api_rate_per_minute: int = Field(default=120, ge=1, le=100000, description="default requests per minute per token")
    api_max_body_bytes: int = Field(
        default=1024 * 1024, ge=1024, le=2 * 1024 * 1024, description="largest request body the API accepts"
    )
    api_max_list: int = Field(default=100, ge=1, le=1000, description="most items an API listing returns")

    # --- the applicants' e-service (finaid etjanst serve; docs/etjanst.md) ------------------------------
    etjanst_host: str = Field(default="127.0.0.1", description="address `finaid etjanst serve` listens on")
    etjanst_port: int = Field(default=8010, ge=1, le=65535, description="port `finaid etjanst serve` listens on")
    etjanst_session_secret: SecretStr | None = Field(
        default=None, description="key for the e-service's session ids and CSRF tokens (random per process if unset)"
    )
    etjanst_idle_timeout_minutes: int = Field(
        default=20, ge=1, le=240, description="an applicant's session ends after this idle time"
    )
    etjanst_pnr_claim: str = Field(
        default="personal_number", description="the OpenID Connect claim that carries the personnummer"
    )
    etjanst_oidc_issuer: str | None = Field(
        default=None, description="the e-identification broker's issuer URL (OpenID Connect; BankID, Freja eID)"
    )
    etjanst_oidc_client_id: str | None = Field(default=None, description="the e-service's client id at the broker")
    etjanst_oidc_client_secret: SecretStr | None = Field(default=None, description="its client secret there")
    etjanst_oidc_redirect_uri: str | None = Field(
        default=None, description="the e-service's callback, https://…/login/eid/callback"
    )
    etjanst_clamd: str | None = Field(
        default=None, description="ClamAV's daemon for scanning uploads: unix:/path/to/clamd.ctl or tcp:host:port"
    )
    etjanst_municipality: str | None = Field(
        default=None, pattern=r"^[0-9]{4}$", description="kommunkod of a first application made in the e-service"
    )
    etjanst_max_upload_bytes: int = Field(
        default=10 * 1024 * 1024, ge=1024, le=ATTACHMENT_MAX_BYTES,  # a bundle's attachments[].size limit
        description="largest attachment accepted (bytes)"
    )
    etjanst_max_image_pixels: int = Field(
        default=40_000_000, ge=10_000, le=200_000_000, description="largest image (pixels) decoded: bomb limit"
    )
    etjanst_login_per_minute: int = Field(
        default=10, ge=1, le=1000, description="logins per minute per client address"
    )
    etjanst_submit_per_hour: int = Field(
        default=20, ge=1, le=1000, description="applications sent and files uploaded per hour per person"
    )
    etjanst_draft_retention_days: int = Field(
        default=30, ge=1, le=3650,
        description="a draft never sent (and its attachments) is purged by `retention purge` this many days after "
                    "it was last changed",
    )

    # --- single sign-on (OpenID Connect) for handlers; docs/operations.md "Single sign-on" ------------------
    oidc_issuer: str | None = Field(
        default=None, description="the identity provider's issuer URL (https; discovery at /.well-known/…)"
    )
    oidc_client_id: str | None = Field(default=None, description="finaid's client id at the identity provider")
    oidc_client_secret: SecretStr | None = Field(default=None, description="finaid's client secret there")
    oidc_group_map: str | None = Field(
        default=None,
        description=(
            'the provider\'s groups to finaid roles and units: JSON {"GROUP": {"roles": [...], "units": [...]}}, '
            "or the path of a file holding it"
        ),
    )
    oidc_scopes: str = Field(default="openid profile email", description="scopes asked for (space-separated)")
    oidc_groups_claim: str = Field(default="groups", min_length=1, description="the claim that lists the groups")
    oidc_username_claim: str = Field(
        default="preferred_username", min_length=1, description="the claim a new user's finaid username comes from"
    )
    oidc_timeout_s: float = Field(default=10.0, gt=0, le=120, description="timeout of each call to the provider")

    @field_validator("oidc_issuer")
    @classmethod
    def _oidc_issuer(cls, value: str | None) -> str | None:
        from adapters.driven.identity.urls import issuer_problem

        if value is not None and (problem := issuer_problem(value)):
            raise ValueError(problem)
        return value

    @field_validator("oidc_group_map")
    @classmethod
    def _oidc_group_map(cls, value: str | None) -> str | None:
        if value is not None:
            group_map(value)
        return value

    @field_validator("oidc_scopes")
    @classmethod
    def _oidc_scopes(cls, value: str) -> str:
        if "openid" not in value.split():
            raise ValueError("must include openid, e.g. 'openid profile email groups'")
        return value

    # --- operations: metrics and backups (docs/operations.md) ---------------------------------------
    metrics_token: SecretStr | None = Field(
        default=None, description="bearer token /metrics asks for (unset: /metrics answers loopback clients only)"
    )
    metrics_textfile: Path | None = Field(
        default=None,
        description="where `finaid batch run` writes its run's metrics for node_exporter's textfile collector "
        "(a *.prom file; unset: written nowhere)",
    )
    backup_dir: Path = Field(default=Path("var/backups"), description="where backups go (`finaid db backup`, pg_dump)")
    backup_keep_days: int = Field(default=35, ge=1, le=3650, description="backups older than this are deleted")
    backup_keep: int | None = Field(default=None, ge=1, le=10000, description="keep only the newest this many backups")
    backup_gallring_days: int = Field(
        default=90, ge=1, le=3650,
        description="the longest any backup may be kept (the municipality's gallring decision for backups): a "
        "keep longer than this is refused",
    )

    @field_validator("db_url")
    @classmethod
    def _db_url(cls, value: str) -> str:
        scheme, sep, rest = value.partition("://")
        if not sep or scheme not in DB_SCHEMES or not rest.strip("/"):
            raise ValueError(
                "must be a database URL: sqlite:///path/to/finaid.db, or postgresql://user@host:port/database "
                "(postgres:// and postgresql+psycopg:// are accepted too)"
            )
        return value

    @property
    def demo(self) -> bool:
        return self.mode == "demo"


def group_map(value: str) -> dict[str, dict[str, list[str]]]:
    """``FINAID_OIDC_GROUP_MAP`` read: inline JSON (``{…}``) or a JSON file's path; each group names lists of
    roles and units (which roles exist is the web app's to check). ValueError saying what is wrong."""
    import json

    text = value.strip()
    if not text.startswith("{"):
        path = Path(text)
        if not path.is_file():
            raise ValueError(f"is neither a JSON object nor an existing file ({path})")
        text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise ValueError(f"is not valid JSON ({e.msg} at line {e.lineno})") from None
    if not isinstance(data, dict) or not data:
        raise ValueError('must map at least one group: {"GROUP": {"roles": ["handler"], "units": ["nord"]}}')
    out: dict[str, dict[str, list[str]]] = {}
    for group, grant in data.items():
        if not isinstance(grant, dict) or set(grant) - {"roles", "units"} or "roles" not in grant:
            raise ValueError(f'group {group!r}: must be {{"roles": [...], "units": [...]}}')
        lists = {k: grant.get(k, []) for k in ("roles", "units")}
        if not all(isinstance(v, list) and all(isinstance(x, str) and x for x in v) for v in lists.values()):
            raise ValueError(f"group {group!r}: roles and units must be lists of names")
        if not lists["roles"]:
            raise ValueError(f"group {group!r}: names no role")
        out[str(group)] = lists
    return out


def _check_file_mode(path: Path) -> None:
    st = path.stat()
    if stat.S_IMODE(st.st_mode) & 0o077:
        raise ConfigurationError(f"settings file {path} must have mode 0600 (it may hold secrets)")


def _named(e: ValidationError) -> ConfigurationError:
    """A settings error naming each bad variable (``FINAID_TODAY: …``), never echoing its value."""
    parts = []
    for err in e.errors():
        loc = err.get("loc", ())
        name = "FINAID_" + "_".join(str(p) for p in loc).upper()
        msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        parts.append(f"{name}: {msg}{_allowed(str(loc[0]) if loc else '')}")
    return ConfigurationError("; ".join(parts) or "invalid settings")


def _allowed(field: str) -> str:
    """`` (allowed: …)`` for a setting: its range, or its type's spelling (a Literal's message lists its choices)."""
    info = Settings.model_fields.get(field)
    if info is None:
        return ""
    bounds = {k: getattr(m, k) for m in info.metadata for k in ("gt", "ge", "le") if getattr(m, k, None) is not None}
    kind = str(info.annotation)
    if "ge" in bounds and "le" in bounds:
        return f" (allowed: {bounds['ge']} to {bounds['le']})"
    if "gt" in bounds and "le" in bounds:
        return f" (allowed: more than {bounds['gt']}, at most {bounds['le']})"
    for word, spelled in (("bool", "true or false"), ("date", "a date YYYY-MM-DD"), ("dict", "a JSON object")):
        if word in kind:
            return f" (allowed: {spelled})"
    return ""


@lru_cache(maxsize=1)
def settings() -> Settings:
    file = os.environ.get("FINAID_SETTINGS_FILE")
    try:
        if file:
            path = Path(file)
            if not path.is_file():
                raise ConfigurationError(f"settings file {path} does not exist")
            _check_file_mode(path)
            return Settings(_env_file=path)  # type: ignore[call-arg]
        return Settings()
    except ValidationError as e:
        raise _named(e) from None
    except SettingsError as e:  # a complex value (JSON) that does not parse
        found = re.search(r'field "(\w+)"', str(e))
        name = f"FINAID_{found.group(1).upper()}" if found else "a FINAID_ setting"
        raise ConfigurationError(f"{name}: not valid JSON{_allowed(found.group(1) if found else '')}") from None
