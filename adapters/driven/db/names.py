"""The keyed name index (migration 0012): ``decision.names.NameIndex`` and the search over it.

One row per (application, person, name token), each as a keyed HMAC (audit/access.py ``person_key`` and
``name_key``): the clear name is never stored here. The person key is the access log's person key, so a
search by name logs exactly the persons it found. Rows are only added (an application keeps the tokens of
every revision it had: a case is found by a name it carried); ``finaid_runtime`` may SELECT and INSERT,
only ``finaid_purge`` may DELETE, which gallring does with the case (adapters/driven/db/roles.py).
Kept apart from models.py (the module-size limit); it shares its ``Base``.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ForeignKey, String, delete, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from adapters.driven.db.models import Base


class NameToken(Base):
    """A household member's name token, keyed: (application, person key, token key)."""

    __tablename__ = "name_index"

    application_id: Mapped[str] = mapped_column(ForeignKey("application.id"), primary_key=True)
    person_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    token_key: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)


class SqlNames:
    def __init__(self, session: Session) -> None:
        self.s = session

    def add(self, application_id: str, rows: Sequence[tuple[str, str]]) -> int:
        if not rows:
            return 0
        have = {(p, t) for p, t in self.s.execute(select(NameToken.person_key, NameToken.token_key)
                                                  .where(NameToken.application_id == application_id))}
        new = [r for r in dict.fromkeys(rows) if r not in have]
        if new:
            self.s.add_all([NameToken(application_id=application_id, person_key=p, token_key=t) for p, t in new])
            self.s.flush()
        return len(new)


def matching(s: Session, token_keys: Sequence[str]) -> dict[str, set[str]]:
    """Applications with a person whose name has EVERY one of these tokens: application id -> person keys.

    Only keyed HMACs are query parameters (never a name)."""
    wanted = sorted(set(token_keys))
    if not wanted:
        return {}
    q = (select(NameToken.application_id, NameToken.person_key).where(NameToken.token_key.in_(wanted))
         .group_by(NameToken.application_id, NameToken.person_key)
         .having(func.count(NameToken.token_key.distinct()) == len(wanted)))
    out: dict[str, set[str]] = {}
    for app_id, person in s.execute(q):
        out.setdefault(app_id, set()).add(person)
    return out


def purge(s: Session, application_id: str) -> int:
    """Gallring: delete the application's name tokens (the purge role's DELETE); how many."""
    return len(list(s.execute(delete(NameToken).where(NameToken.application_id == application_id)
                              .returning(NameToken.token_key))))
