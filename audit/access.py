"""The access log: one port for every channel; a row is committed before anything is shown.

Persons are identified by a keyed HMAC of the personnummer (key from settings), never the number.
If the row cannot be written, the caller shows nothing (``AccessDenied``/``AccessLogError``).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from adapters.driven.db.engine import Database
from adapters.driven.db.models import AccessEntry, AccessPerson
from audit.chain import append_access
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
CHANNELS = ("cli", "web", "api", "batch", "report")


class AccessLogError(FinaidError):
    """The access log could not be written: nothing may be shown."""


def person_key(key: bytes, personnummer: str) -> str:
    return hmac.new(key, personnummer.encode("ascii"), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Access:
    at: datetime
    actor: str
    purpose: str
    channel: str
    action: str
    subject: str


class AccessLog:
    """Records reads of personal data; shared by the CLI, web, API, batch reports and impact runs."""

    def __init__(self, db: Database, key: bytes) -> None:
        if len(key) < 16:
            raise AccessLogError("the access-log HMAC key is too short (at least 16 bytes)")
        self.db = db
        self.key = key

    def record(
        self, actor: str, purpose: str, channel: str, action: str, subject: str, personnummer: Iterable[str]
    ) -> None:
        if purpose not in PURPOSES:
            raise AccessLogError(f"unknown purpose {purpose!r}; one of {', '.join(PURPOSES)}")
        if channel not in CHANNELS:
            raise AccessLogError(f"unknown channel {channel!r}")
        keys = [person_key(self.key, p) for p in personnummer]
        try:
            with self.db.transaction() as s:
                append_access(s, actor, purpose, channel, action, subject, keys)
        except SQLAlchemyError as e:
            raise AccessLogError(
                f"the access log could not be written ({type(e).__name__}): nothing is shown"
            ) from None

    def accesses_of(self, personnummer: str) -> list[Access]:
        key = person_key(self.key, personnummer)
        with self.db.read() as s:
            rows = s.execute(
                select(AccessEntry)
                .join(AccessPerson, AccessPerson.seq == AccessEntry.seq)
                .where(AccessPerson.person_key == key)
                .order_by(AccessEntry.seq)
            ).scalars()
            return [Access(r.at, r.actor, r.purpose, r.channel, r.action, r.subject) for r in rows]
