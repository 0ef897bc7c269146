"""The case store: applications, revisions, evidence and decisions through the unit of work.

The writing is the use cases' alone (decision/services/: intake, deciding, …) on the SQLAlchemy unit of work
(adapters/driven/db/uow.py), which :meth:`CaseStore.uow` opens; this class keeps only the read helpers of
the CLI's listings. A bundle is stored (``received``) before it is evaluated, so
a crash loses nothing; a decision is unique per (revision hash, pack hash, guideline hash) — a database
constraint — so deciding twice is a no-op.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from ulid import ULID

from adapters.driven.clock import SystemClock
from adapters.driven.db.engine import Database
from adapters.driven.db.models import Application, Decision, Evidence
from adapters.driven.db.repositories import SqlEvidence
from adapters.driven.db.uow import SqlUnitOfWork
from decision.ports import Clock
from decision.services.intake import bundle_hash
from decision.states import DECIDED
from decision.uow import Guard as UowGuard
from decision.uow import Stored, UnitOfWork

if TYPE_CHECKING:
    from adapters.driven.db.claims import Guard

__all__ = ["DECIDED_STATES", "CaseStore", "DbEvidenceStore", "Stored", "bundle_hash", "new_id", "write_evidence"]

DECIDED_STATES = tuple(sorted(s.value for s in DECIDED))


def new_id() -> str:
    return str(ULID())


def uow_guard(guard: Guard | None) -> UowGuard | None:
    """A batch claim check (on a session) as a unit-of-work guard."""
    if guard is None:
        return None

    def check(uow: UnitOfWork) -> None:
        assert isinstance(uow, SqlUnitOfWork)
        guard(uow.session)

    return check


class CaseStore:
    """Applications, their revisions and decisions; one instance per process."""

    def __init__(self, db: Database, person_key: Callable[[str], str] | None = None) -> None:
        self.db = db
        # the keyed HMAC that links a household's months (of the applicant's personnummer), when wired
        self.person_key = person_key

    def uow(self, access_key: bytes | None = None) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.db, self.person_key, access_key)

    # ------------------------------------------------------------------ reads
    def decision(self, s: Session, decision_id: str) -> Decision | None:
        return s.get(Decision, decision_id)

    def recent(self, s: Session, limit: int = 20, include_protected: bool = False) -> list[dict[str, Any]]:
        q = select(Application).order_by(Application.updated_at.desc()).limit(limit)
        if not include_protected:
            q = q.where(Application.protected.is_(False))
        out = []
        for app in s.execute(q).scalars():
            d = s.get(Decision, app.current_decision_id) if app.current_decision_id else None
            out.append(
                {
                    "application": app.id, "municipality": app.municipality, "month": app.month,
                    "state": app.state, "reason": app.state_reason, "updated_at": app.updated_at,
                    "decision": d.id if d else None, "outcome": d.outcome if d else None,
                    "pack": d.pack_id if d else None,
                }
            )
        return out

    def count_protected(self, s: Session) -> int:
        from sqlalchemy import func

        return int(s.execute(select(func.count()).where(Application.protected.is_(True))).scalar_one())


class DbEvidenceStore:
    """``decision.ports.EvidenceStore`` on the ``registry_evidence`` table (raw envelopes by request id);
    ``stored_at`` is the bootstrap's clock."""

    def __init__(self, db: Database, clock: Clock | None = None) -> None:
        self.db = db
        self.clock: Clock = clock if clock is not None else SystemClock()

    def put(self, request_id: str, raw: bytes, sha256: str) -> None:
        with self.db.transaction() as s:
            if s.get(Evidence, request_id) is None:
                s.add(Evidence(request_id=request_id, sha256=sha256, raw=raw, stored_at=self.clock.now()))

    def get(self, request_id: str) -> bytes | None:
        with self.db.read() as s:
            row = s.get(Evidence, request_id)
            if row is None or row.purged_at is not None:
                return None
            if row.raw is not None:
                return row.raw
            # one envelope answers for several agencies: its bytes are kept once, under one request id
            return s.execute(
                select(Evidence.raw).where(Evidence.sha256 == row.sha256, Evidence.raw.is_not(None)).limit(1)
            ).scalar_one_or_none()


def write_evidence(s: Session, revision_id: str, items: list[tuple[str, bytes, str]], at: datetime) -> None:
    """Raw envelopes for a revision, in the caller's transaction; each distinct envelope's bytes once."""
    SqlEvidence(s).add(revision_id, items, at)
