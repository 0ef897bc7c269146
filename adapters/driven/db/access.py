"""The access log's storage: ``decision.ports.AccessRecorder`` on the hash-chained ``access_log`` table.

The rules (purposes, channels, the keyed HMAC of a personnummer) are audit/access.py; a row is committed
before anything is shown; when it cannot be written the caller shows nothing (``AccessLogError``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from adapters.driven.clock import SystemClock
from adapters.driven.db.engine import Database
from adapters.driven.db.models import AccessEntry, AccessPerson
from adapters.driven.db.trail import append_access, append_access_many
from audit.access import Access, AccessLogError, check_access, check_key, person_key


class AccessLog:
    """Records reads of personal data; shared by the CLI, web, API, batch reports and impact runs."""

    def __init__(self, db: Database, key: bytes, clock: Callable[[], datetime] | None = None) -> None:
        check_key(key)
        self.db = db
        self.key = key
        self.clock = clock or SystemClock().now  # entry points pass the bootstrap's clock

    def record(
        self, actor: str, purpose: str, channel: str, action: str, subject: str, personnummer: Iterable[str],
        at: datetime | None = None, person_keys: Iterable[str] = (),
    ) -> None:
        """``person_keys``: persons already keyed (``person_key`` under this key: a search by name found them
        in the name index by key, never by number)."""
        check_access(purpose, channel)
        keys = list(dict.fromkeys([person_key(self.key, p) for p in personnummer] + list(person_keys)))
        try:
            with self.db.transaction() as s:
                append_access(s, actor, purpose, channel, action, subject, keys, at or self.clock())
        except SQLAlchemyError as e:
            raise AccessLogError(
                f"the access log could not be written ({type(e).__name__}): nothing is shown"
            ) from None

    def record_reads(
        self, actor: str, purpose: str, channel: str, reads: Iterable[tuple[str, str, Iterable[str]]],
        at: datetime | None = None,
    ) -> None:
        """Several reads shown together on one page (action, subject, personnummer), one entry each, in order, in
        ONE transaction (the case page: the case, its journal notes, the previous month). The same entries and
        chain as that many :meth:`record` calls at one instant; nothing is written when one cannot be."""
        check_access(purpose, channel)
        when = at or self.clock()
        rows = [(action, subject, list(dict.fromkeys(person_key(self.key, p) for p in persons)))
                for action, subject, persons in reads]
        try:
            with self.db.transaction() as s:
                for action, subject, keys in rows:
                    append_access(s, actor, purpose, channel, action, subject, keys, when)
        except SQLAlchemyError as e:
            raise AccessLogError(
                f"the access log could not be written ({type(e).__name__}): nothing is shown"
            ) from None

    def record_many(
        self, actor: str, purpose: str, channel: str, action: str, reads: Iterable[tuple[str, Iterable[str]]],
        at: datetime | None = None,
    ) -> None:
        """Several reads by one actor for one purpose (subject, personnummer) in ONE transaction: the batch logs
        a chunk's registry reads together. Nothing is written when one cannot be (``AccessLogError``)."""
        check_access(purpose, channel)
        when = at or self.clock()
        rows = [(subject, [person_key(self.key, p) for p in persons]) for subject, persons in reads]
        if not rows:
            return
        try:
            with self.db.transaction() as s:
                append_access_many(s, actor, purpose, channel, action, rows, when)
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
