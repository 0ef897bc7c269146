"""The registry client's settings, validated from ``FINAID_SSBTEK_…`` (docs/registry.md, "Settings").

A missing or unsafe setting is a :class:`ConfigurationError` naming it: plain HTTP only to a
loopback sandbox in demo mode, mutual TLS material complete, the private key mode 0600.
"""

from __future__ import annotations

import getpass
import ipaddress
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from adapters.settings import Settings
from decision.errors import ConfigurationError

LAGTEXT_SOL_2001 = (
    "11 kap. 11-11 b §§ socialtjänstlagen (2001:453) och förordningen (2008:975) om uppgiftsskyldighet "
    "i vissa fall enligt socialtjänstlagen"
)
LAGTEXT_SOL_2025 = "15 kap. 10-12 §§ socialtjänstlagen (2025:400)"
NEW_LAW_FROM = "2025-07"
_ORGNR = r"^[0-9]{4}[2-9][0-9]{7}$"

def default_lagtext(month: str) -> str:
    """The provisions that oblige the agencies to answer, by the law in force in ``month``."""
    return LAGTEXT_SOL_2025 if month >= NEW_LAW_FROM else LAGTEXT_SOL_2001

@dataclass(frozen=True, slots=True)
class ClientConfig:
    url: str
    cert: Path | None = None
    key: Path | None = None
    ca: Path | None = None
    organisationsnummer: str = "162120000001"
    ingivare_namn: str | None = None
    handlaggare: str = "finaid"
    aktorsid: str = "finaid-sandbox"
    lefi_version: str = "v9"
    syfte: str = "Handläggning av ansökan om ekonomiskt bistånd"
    lagtext: str | None = None
    timeout_s: float = 30.0
    connect_timeout_s: float = 5.0
    attempts: int = 3
    backoff_s: float = 0.5
    concurrency: int = 8
    max_response_bytes: int = 8 * 1024 * 1024
    include_tns: bool = False
    allow_provisional_skv: bool = False

    @classmethod
    def from_settings(cls, s: Settings) -> ClientConfig:
        """Validate the registry settings; a missing or unsafe one is a :class:`ConfigurationError`."""
        url = s.ssbtek_url or (s.sandbox_url if s.demo else None)
        if not url:
            raise ConfigurationError(
                "no registry is configured: set FINAID_SSBTEK_URL, FINAID_SSBTEK_CERT, FINAID_SSBTEK_KEY, "
                "FINAID_SSBTEK_CA, FINAID_SSBTEK_ORGANISATIONSNUMMER and FINAID_SSBTEK_AKTORSID "
                "(or run in demo mode, FINAID_MODE=demo, against the sandbox)"
            )
        check_url(url, demo=s.demo)
        https = urlsplit(url).scheme == "https"
        if https and not s.demo:
            missing = [
                name
                for name, value in (
                    ("FINAID_SSBTEK_CERT", s.ssbtek_cert),
                    ("FINAID_SSBTEK_KEY", s.ssbtek_key),
                    ("FINAID_SSBTEK_CA", s.ssbtek_ca),
                    ("FINAID_SSBTEK_ORGANISATIONSNUMMER", s.ssbtek_organisationsnummer),
                    ("FINAID_SSBTEK_AKTORSID", s.ssbtek_aktorsid),
                )
                if not value
            ]
            if missing:
                raise ConfigurationError(f"the registry needs {', '.join(missing)} (mutual TLS and ingivare)")
        if (s.ssbtek_cert is None) != (s.ssbtek_key is None):
            raise ConfigurationError("FINAID_SSBTEK_CERT and FINAID_SSBTEK_KEY are set together or not at all")
        for path, name in ((s.ssbtek_cert, "FINAID_SSBTEK_CERT"), (s.ssbtek_ca, "FINAID_SSBTEK_CA")):
            if path is not None and not path.is_file():
                raise ConfigurationError(f"{name} does not name a file")
        if s.ssbtek_key is not None:
            check_key_file(s.ssbtek_key)
        org = s.ssbtek_organisationsnummer or ("162120000001" if s.demo else None)
        if org is None or not re.fullmatch(_ORGNR, org):
            raise ConfigurationError("FINAID_SSBTEK_ORGANISATIONSNUMMER must be 12 digits (16 + organisationsnummer)")
        provisional = s.ssbtek_provisional_skv if s.ssbtek_provisional_skv is not None else s.demo
        return cls(
            url=url,
            cert=s.ssbtek_cert,
            key=s.ssbtek_key,
            ca=s.ssbtek_ca,
            organisationsnummer=org,
            ingivare_namn=s.ssbtek_ingivare_namn,
            handlaggare=s.ssbtek_handlaggare or s.actor or _os_user(),
            aktorsid=s.ssbtek_aktorsid or "finaid-sandbox",
            lefi_version=s.ssbtek_lefi_version,
            syfte=s.ssbtek_syfte,
            lagtext=s.ssbtek_lagtext,
            timeout_s=s.ssbtek_timeout_s,
            connect_timeout_s=s.ssbtek_connect_timeout_s,
            attempts=s.ssbtek_attempts,
            backoff_s=s.ssbtek_backoff_s,
            concurrency=s.ssbtek_concurrency,
            max_response_bytes=s.ssbtek_max_response_bytes,
            include_tns=s.ssbtek_include_tns,
            allow_provisional_skv=provisional,
        )


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # pragma: no cover - no user name on this system
        return "finaid"


def check_url(url: str, *, demo: bool) -> None:
    parts = urlsplit(url)
    if parts.scheme == "https":
        if not parts.hostname:
            raise ConfigurationError("the registry URL has no host")
        return
    if parts.scheme != "http":
        raise ConfigurationError("the registry URL must be https:// (http:// only to the sandbox in demo mode)")
    if not demo:
        raise ConfigurationError("plain HTTP to the registry is allowed only in demo mode, to a loopback sandbox")
    if not is_loopback(parts.hostname or ""):
        raise ConfigurationError("plain HTTP is allowed only to a loopback address (127.0.0.1, ::1, localhost)")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_key_file(path: Path) -> None:
    if not path.is_file():
        raise ConfigurationError("FINAID_SSBTEK_KEY does not name a file")
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        raise ConfigurationError(f"the private key {path} must have mode 0600")
