"""Where an applicant wants to be notified (``etjanst_contact``, migration 0013): an e-mail address and/or a
mobile number given under Mina uppgifter → Avisering, keyed by the keyed HMAC of the personnummer — the key the
notifier is called with (``application.household_key``, a partner's ``partner_key``). The address and number
never reach a log line or an audit event. Retention: ``purge_contacts`` (docs/etjanst.md "Retention")."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, or_, select, update

from adapters.driven.db.engine import Database
from adapters.driven.db.etjanst_models import Contact, Draft
from adapters.driven.db.models import Application
from adapters.driven.db.trail import append_event


@dataclass(frozen=True)
class ContactRow:
    email: str | None
    mobile: str | None
    consented_at: datetime | None


class ContactStore:
    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self.db = db
        self.now = clock

    def get(self, person_key: str) -> ContactRow | None:
        """The person's contact, or None (none given, removed, or blanked by retention)."""
        with self.db.read() as s:
            row = s.get(Contact, person_key)
            if row is None or not (row.email or row.mobile):
                return None
            return ContactRow(row.email, row.mobile, row.consented_at)

    def save(self, person_key: str, email: str | None, mobile: str | None) -> None:
        """Store what the person gave (both empty: removed); the consent's time is when they saved it."""
        if not (email or mobile):
            self.remove(person_key)
            return
        at = self.now()
        with self.db.transaction() as s:
            row = s.get(Contact, person_key)
            if row is None:
                s.add(Contact(person_key=person_key, email=email, mobile=mobile, consented_at=at, updated_at=at))
            else:
                row.email, row.mobile, row.consented_at, row.updated_at, row.purged_at = email, mobile, at, at, None

    def remove(self, person_key: str) -> bool:
        """The person takes their contact back: the row is deleted. Whether there was one."""
        with self.db.transaction() as s:
            row = s.get(Contact, person_key)
            if row is None:
                return False
            s.delete(row)
            return True


def purge_contacts(db: Database, before: datetime, at: datetime, actor: str, dry_run: bool = False) -> int:
    """Gallring: blank the contact of every person unchanged since ``before`` who no longer has a case or a draft
    that is kept (every application of theirs purged, every draft of theirs purged or gone). One audit event
    ``contacts_purged`` with the count (never a person). How many were (or would be) blanked."""
    live_case = exists().where(Application.household_key == Contact.person_key, Application.purged_at.is_(None))
    live_draft = exists().where(or_(Draft.applicant_key == Contact.person_key, Draft.partner_key == Contact.person_key),
                                Draft.purged_at.is_(None))
    with db.transaction() as s:
        keys = list(s.execute(select(Contact.person_key).where(
            Contact.purged_at.is_(None), Contact.updated_at < before, ~live_case, ~live_draft)).scalars())
        if dry_run or not keys:
            return len(keys)
        s.execute(update(Contact).where(Contact.person_key.in_(keys)).values(email=None, mobile=None, purged_at=at))
        append_event(s, actor, "contacts_purged", "etjanst:contacts",
                     {"count": len(keys), "before": before.isoformat(), "reason": "no_case_kept"}, at)
    return len(keys)
