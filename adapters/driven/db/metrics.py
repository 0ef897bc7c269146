"""The figures ``/metrics`` shows from the database, and whether the database is ready (``/readyz``).

Each figure is one small query on an indexed column (``application.state``, ``decision`` by primary key,
``sign_off.at``, ``batch_run.started_at``, ``chain_head``): cheap enough for a scrape every 15 seconds. No
figure holds personal data — counts, ages, actions, and the chains' heads.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from adapters.driven.db.engine import Database
from adapters.driven.db.models import Application, BatchRun, ChainHead, Decision, SignOff
from decision.states import State

STOCKHOLM = ZoneInfo("Europe/Stockholm")
SIGNOFF_STATES = ("proposed", "awaiting_second_signature")  # a proposal waits for a handler
BATCH_STATES = ("received", "fetched", "failed")  # an application waits for the night


@dataclass(frozen=True)
class LastRun:
    status: str
    cases: int
    failed: int
    seconds: float
    finished_unix: float

    @property
    def cases_per_second(self) -> float:
        return self.cases / self.seconds if self.seconds > 0 else 0.0


@dataclass(frozen=True)
class Figures:
    by_state: dict[str, int]
    oldest_waiting_s: dict[str, float]  # queue (signoff, batch) -> seconds the oldest has waited
    signoffs: dict[tuple[str, str], int]  # (today | yesterday, action) -> count
    last_run: LastRun | None
    chains: dict[str, tuple[int, str]]  # chain -> (seq, hash)


def _aware(at: datetime | None) -> datetime | None:
    return at.replace(tzinfo=UTC) if at is not None and at.tzinfo is None else at  # SQLite keeps no zone


def figures(db: Database, now: datetime) -> Figures:
    """Every figure, read in one transaction at ``now`` (the caller's clock reading)."""
    local_midnight = datetime.combine(now.astimezone(STOCKHOLM).date(), time(0), STOCKHOLM)
    # a day in Stockholm: 23 or 25 hours at a change of summer time
    yesterday = datetime.combine(local_midnight.date() - timedelta(days=1), time(0), STOCKHOLM)
    with db.read() as s:
        by_state = {str(st): 0 for st in State}  # every state, 0 when none is in it (a series never vanishes)
        by_state.update({st: int(n) for st, n in s.execute(
            select(Application.state, func.count()).group_by(Application.state))})
        signoff_since = s.execute(
            select(func.min(Decision.decided_at)).select_from(Application)
            .join(Decision, Decision.id == Application.current_decision_id)
            .where(Application.state.in_(SIGNOFF_STATES))).scalar()
        batch_since = s.execute(select(func.min(Application.updated_at))
                                .where(Application.state.in_(BATCH_STATES))).scalar()
        signoffs: dict[tuple[str, str], int] = {}
        for day, start, end in (("today", local_midnight, now), ("yesterday", yesterday, local_midnight)):
            for action, n in s.execute(select(SignOff.action, func.count())
                                       .where(SignOff.at >= start.astimezone(UTC), SignOff.at < end.astimezone(UTC))
                                       .group_by(SignOff.action)):
                signoffs[(day, action)] = int(n)
        run = s.execute(select(BatchRun).where(BatchRun.finished_at.is_not(None))
                        .order_by(BatchRun.started_at.desc()).limit(1)).scalar_one_or_none()
        last_run = _last_run(run) if run is not None else None
        chains = {h.chain: (int(h.seq), h.hash) for h in s.execute(select(ChainHead)).scalars()}
    waiting = {}
    for queue, since in (("signoff", signoff_since), ("batch", batch_since)):
        at = _aware(since)
        waiting[queue] = max(0.0, (now - at).total_seconds()) if at is not None else 0.0
    return Figures(by_state, waiting, signoffs, last_run, chains)


def _last_run(run: BatchRun) -> LastRun:
    counts = json.loads(run.counts) if run.counts else {}
    statuses = counts.get("statuses", {})
    started, finished = _aware(run.started_at), _aware(run.finished_at)
    assert started is not None and finished is not None
    return LastRun(run.status, int(counts.get("cases", 0)),
                   int(statuses.get("failed", 0)) + int(statuses.get("failed_permanent", 0)),
                   max(0.0, (finished - started).total_seconds()), finished.timestamp())


def not_ready(db: Database, head: str) -> str | None:
    """Why the database cannot serve (None: it can) — reachable, and the schema at ``head``. The reason names
    the kind of problem, never a host, user or password (``/readyz`` answers without a login)."""
    from adapters.driven.db.problems import DatabaseProblem, schema_revision

    try:
        current = schema_revision(db.engine, db.url, db.schema)
    except DatabaseProblem as e:
        text = str(e)
        for kind in ("authentication failed", "permission denied", "cannot connect"):
            if text.startswith(kind):
                return f"database: {kind}"
        return "database: unusable (see `finaid doctor`)"
    except SQLAlchemyError as e:
        return f"database: {type(e).__name__}"
    if current is None:
        return f"database: no finaid schema (finaid expects revision {head})"
    if current != head:
        return f"database: schema at revision {current}, finaid expects {head}"
    return None
