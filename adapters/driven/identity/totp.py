"""Time-based one-time passwords (RFC 6238; pyotp): the second factor of a local password.

Six digits, 30-second steps, SHA-1 (what every authenticator app reads from an ``otpauth://`` URI); a code is
accepted one step early or late (clock drift) and only once (the caller stores the step returned and hands it
back as ``last_step``). The secret is kept encrypted (AES-256-GCM, :class:`SecretBox`) under a key derived from
a key the installation already keeps and backs up (the access-log key); it never appears in a log.
"""

from __future__ import annotations

import base64
import hmac
import secrets
from datetime import datetime

import pyotp
import segno
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

STEP_S = 30
DIGITS = 6
DRIFT_STEPS = 1
ISSUER = "finaid"
_PREFIX = "v1:"


class SecretBox:
    """Encrypts TOTP secrets at rest: AES-256-GCM under a key derived (HKDF-SHA256) from ``master``."""

    def __init__(self, master: bytes) -> None:
        if len(master) < 16:
            raise ValueError("the TOTP key needs at least 16 bytes of key material")
        self._aead = AESGCM(HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                                 info=b"finaid totp secret v1").derive(master))

    def seal(self, secret: str, user_id: str) -> str:
        nonce = secrets.token_bytes(12)
        sealed = self._aead.encrypt(nonce, secret.encode("ascii"), user_id.encode("utf-8"))
        return _PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")

    def open(self, sealed: str, user_id: str) -> str | None:
        """The secret, or None when it cannot be opened (another key, another user's row, damaged)."""
        if not sealed.startswith(_PREFIX):
            return None
        try:
            raw = base64.urlsafe_b64decode(sealed[len(_PREFIX):].encode("ascii"))
            return self._aead.decrypt(raw[:12], raw[12:], user_id.encode("utf-8")).decode("ascii")
        except (InvalidTag, ValueError):
            return None


def new_secret() -> str:
    """A new random secret (160 bits, base32, as RFC 4226 recommends)."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, account: str, issuer: str = ISSUER) -> str:
    """The ``otpauth://totp/…`` URI an authenticator app reads (from the QR code or typed in)."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_S).provisioning_uri(name=account, issuer_name=issuer)


def qr_data_uri(uri: str) -> str:
    """The URI as a QR code: an SVG ``data:`` URI (the page fetches nothing)."""
    return str(segno.make(uri, error="m").svg_data_uri(scale=5, border=2))


def code_at(secret: str, at: datetime) -> str:
    """The code an authenticator shows at ``at`` (tests, and nothing else, need this)."""
    return str(pyotp.TOTP(secret, digits=DIGITS, interval=STEP_S).at(at))


def verify(secret: str, code: str, at: datetime, last_step: int | None = None) -> int | None:
    """The time step ``code`` belongs to (to store as the new ``last_step``), or None: wrong, or already used."""
    typed = "".join(code.split())
    if len(typed) != DIGITS or not typed.isdigit():
        return None
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_S)
    now_step = int(at.timestamp()) // STEP_S
    for step in range(now_step - DRIFT_STEPS, now_step + DRIFT_STEPS + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(totp.at(step * STEP_S), typed):
            return step
    return None
