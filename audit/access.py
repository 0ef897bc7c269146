"""The access log's rules: purposes, channels, the person key. One port for every channel
(``decision.ports.AccessRecorder``); a row is committed before anything is shown (storage:
adapters/driven/db/access.py).

Persons are identified by a keyed HMAC of the personnummer (key from settings), never the number.
If the row cannot be written, the caller shows nothing (``AccessDenied``/``AccessLogError``).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime

from decision.errors import FinaidError

PURPOSES = (
    "handlaggning",  # handling the case
    "uppfoljning",  # follow-up
    "revision",  # internal control / audit
    "tillsyn",  # supervision (IVO, JO)
    "impact_analysis",  # rule-pack impact analysis
    "registerutdrag",  # a data subject's request
    "drift",  # operations (batch reports, verification)
)
CHANNELS = ("cli", "web", "api", "batch", "report", "etjanst")


class AccessLogError(FinaidError):
    """The access log could not be written: nothing may be shown."""


def person_key(key: bytes, personnummer: str) -> str:
    return hmac.new(key, personnummer.encode("ascii"), hashlib.sha256).hexdigest()


def name_key(key: bytes, token: str) -> str:
    """A name token's keyed HMAC (decision/names.py): the same key as :func:`person_key`, a message of its own
    (a prefix no personnummer has), so a token's HMAC never equals a person's."""
    return hmac.new(key, b"finaid-name\x00" + token.encode("utf-8"), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Access:
    at: datetime
    actor: str
    purpose: str
    channel: str
    action: str
    subject: str


def check_access(purpose: str, channel: str) -> None:
    if purpose not in PURPOSES:
        raise AccessLogError(f"unknown purpose {purpose!r}; one of {', '.join(PURPOSES)}")
    if channel not in CHANNELS:
        raise AccessLogError(f"unknown channel {channel!r}")


def check_key(key: bytes) -> None:
    if len(key) < 16:
        raise AccessLogError("the access-log HMAC key is too short (at least 16 bytes)")

