"""Claiming applications for a batch worker: a lease and an attempt number, checked at commit.

PostgreSQL: ``SELECT … FOR UPDATE SKIP LOCKED`` inside an ``UPDATE … RETURNING`` — several
``batch run`` processes on several machines share the work. SQLite: the same ``UPDATE …
RETURNING`` in a ``BEGIN IMMEDIATE`` transaction (one writer at a time; one worker).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, text, update
from sqlalchemy.orm import Session

from adapters.driven.clock import SystemClock
from adapters.driven.db.engine import Database, is_postgres
from adapters.driven.db.models import Application
from decision.errors import FinaidError
from decision.ports import Clock

Guard = Callable[[Session], None]


class LeaseLost(FinaidError):
    """Another worker took this application over after our lease expired: write nothing."""


@dataclass(frozen=True)
class Claim:
    application_id: str
    attempt: int
    revision_id: str
    state: str
    failures: int


_CLAIM_SQL = """
UPDATE application SET claimed_by = :worker, lease_until = :lease_until, claim_attempt = claim_attempt + 1
WHERE id IN (
    SELECT id FROM application
    WHERE (state IN ('received', 'fetched') OR (state = 'failed' AND updated_at < :run_started))
      AND (lease_until IS NULL OR lease_until < :now)
    ORDER BY updated_at, id
    LIMIT :n {lock}
)
RETURNING id, claim_attempt, current_revision_id, state, attempts
"""


class Claims:
    def __init__(self, db: Database, worker: str, lease_seconds: float, run_started: datetime,
                 clock: Clock | None = None) -> None:
        self.db = db
        self.clock: Clock = clock or SystemClock()  # leases run on the wall clock
        self.worker = worker
        self.lease = timedelta(seconds=lease_seconds)
        self.run_started = run_started
        self.sql = text(_CLAIM_SQL.format(lock="FOR UPDATE SKIP LOCKED" if is_postgres(db.engine) else ""))

    def claim(self, n: int) -> list[Claim]:
        if n <= 0:
            return []
        at = self.clock.now()
        with self.db.transaction() as s:
            rows = s.execute(
                self.sql,
                {"worker": self.worker, "lease_until": at + self.lease, "now": at, "n": n,
                 "run_started": self.run_started},
            ).all()
        claims = [Claim(r[0], int(r[1]), r[2], r[3], int(r[4])) for r in rows]
        return sorted(claims, key=lambda c: c.application_id)

    def renew(self, claims: list[Claim]) -> None:
        if not claims:
            return
        until = self.clock.now() + self.lease
        with self.db.transaction() as s:
            for c in claims:
                s.execute(
                    update(Application)
                    .where(Application.id == c.application_id, Application.claimed_by == self.worker,
                           Application.claim_attempt == c.attempt)
                    .values(lease_until=until)
                )

    def still_ours(self, s: Session, claims: list[Claim]) -> set[str]:
        """Lock the claimed rows in the caller's transaction; the ids whose claim is still ours."""
        wanted = {c.application_id: c.attempt for c in claims}
        rows = s.execute(
            select(Application.id, Application.claimed_by, Application.claim_attempt)
            .where(Application.id.in_(list(wanted)))
            .order_by(Application.id)
            .with_for_update()
        ).all()
        return {r[0] for r in rows if r[1] == self.worker and r[2] == wanted[r[0]]}

    def guard(self, claim: Claim) -> Guard:
        """A check run inside the committing transaction: the claim must still be ours."""

        def check(s: Session) -> None:
            row = s.execute(
                select(Application.claimed_by, Application.claim_attempt)
                .where(Application.id == claim.application_id)
                .with_for_update()
            ).one_or_none()
            if row is None or row[0] != self.worker or row[1] != claim.attempt:
                raise LeaseLost(f"application {claim.application_id}: claim {claim.attempt} was taken over")

        return check


def pending_count(db: Database, run_started: datetime) -> int:
    from sqlalchemy import func

    with db.read() as s:
        return int(
            s.execute(
                select(func.count()).where(
                    or_(
                        Application.state.in_(("received", "fetched")),
                        and_(Application.state == "failed", Application.updated_at < run_started),
                    )
                )
            ).scalar_one()
        )
