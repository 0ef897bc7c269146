"""The SQLAlchemy unit of work (``decision.uow.UnitOfWork``): one session, one transaction, its repositories.

``with uow: …; uow.commit()`` — leaving the block without commit rolls back. SQLite write transactions
begin ``IMMEDIATE`` (adapters/driven/db/engine.py); on PostgreSQL rows are locked ``FOR UPDATE`` by the
repositories. Entering again opens a new transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Self

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from ulid import ULID

from adapters.driven.db.casework import SqlCasework
from adapters.driven.db.engine import Database
from adapters.driven.db.names import SqlNames
from adapters.driven.db.repositories import (
    SqlAccess,
    SqlApplications,
    SqlAudit,
    SqlDecisions,
    SqlEvidence,
    SqlRetention,
    SqlSignOffs,
)
from audit.access import name_key
from decision.uow import Conflict


class SqlUnitOfWork:
    applications: SqlApplications
    decisions: SqlDecisions
    signoffs: SqlSignOffs
    evidence: SqlEvidence
    retention: SqlRetention
    audit: SqlAudit
    access: SqlAccess
    casework: SqlCasework
    names: SqlNames

    def __init__(self, db: Database, person_key: Callable[[str], str] | None = None,
                 access_key: bytes | None = None) -> None:
        self.db = db
        self._person_key = person_key
        self.access_key = access_key
        self._session: Session | None = None

    @property
    def session(self) -> Session:
        """The open transaction's session (for adapter-side checks such as a batch claim)."""
        if self._session is None:
            raise RuntimeError("the unit of work is not open")
        return self._session

    def __enter__(self) -> Self:
        if self._session is not None:
            raise RuntimeError("the unit of work is already open")
        session = self.db.sessions()
        session.begin()
        self._session = session
        self.applications = SqlApplications(session)
        self.decisions = SqlDecisions(session)
        self.signoffs = SqlSignOffs(session)
        self.evidence = SqlEvidence(session)
        self.retention = SqlRetention(session)
        self.audit = SqlAudit(session)
        self.access = SqlAccess(session, self.access_key)
        self.casework = SqlCasework(session)
        self.names = SqlNames(session)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        session, self._session = self._session, None
        if session is None:
            return
        try:
            if session.in_transaction():
                session.rollback()
        finally:
            session.close()

    def commit(self) -> None:
        try:
            self.session.commit()
        except IntegrityError as e:
            raise Conflict("a concurrent writer stored the same record first") from e

    def rollback(self) -> None:
        self.session.rollback()

    def new_id(self) -> str:
        return str(ULID())

    def person_key(self, personnummer: str) -> str | None:
        return self._person_key(personnummer) if self._person_key is not None else None

    def name_key(self, token: str) -> str | None:
        """A name token's keyed HMAC under the access-log key (the household key's), None without one."""
        return name_key(self.access_key, token) if self.access_key is not None else None
