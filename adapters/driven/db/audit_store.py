"""The audit trail's reads over the database: the sources audit/ verifies, explains and replays from.

The logic — chain rules, record checks, the why-view, replay, gallring — is audit/ and
decision/services/retention.py; these are their storage ports and the session-based entry points the
CLI, the web app, the benchmarks and the tests call.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime
from functools import partial
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from adapters.driven.clock import SystemClock
from adapters.driven.db.engine import Database
from adapters.driven.db.models import (
    AccessEntry,
    AccessPerson,
    Application,
    AuditEvent,
    ChainHead,
    Decision,
    DecisionEarlier,
    DecisionUse,
    Evidence,
    Letter,
    Revision,
    SignOff,
    SignOffOverride,
)
from adapters.driven.db.uow import SqlUnitOfWork
from audit.chain import Row, access_hash, audit_hash
from audit.query import Filters
from audit.replay import ReplayResult, replay
from audit.verify import VerifyReport, check
from audit.why import Why, why_of
from decision.pipeline import Pipeline
from decision.ports import EarlierDecision
from decision.services import retention
from decision.services.retention import Exemptions, PurgeResult


class SqlTrail:
    """``audit.verify.TrailSource`` and ``audit.why.WhySource`` on one session."""

    def __init__(self, session: Session) -> None:
        self.s = session

    def chain(self, name: str) -> tuple[Iterable[Row], tuple[int, str]]:
        head = self.s.execute(select(ChainHead).where(ChainHead.chain == name)).scalar_one()
        return (self._audit_rows() if name == "audit" else self._access_rows()), (head.seq, head.hash)

    def _audit_rows(self) -> Iterator[Row]:
        for r in self.s.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars():
            yield r.seq, r.prev_hash, r.hash, partial(_audit_recompute, r)

    def _access_rows(self) -> Iterator[Row]:
        for r in self.s.execute(select(AccessEntry).order_by(AccessEntry.seq)).scalars():
            yield r.seq, r.prev_hash, r.hash, partial(_access_recompute, r)

    def recorded(self, events: tuple[str, ...]) -> Iterable[tuple[str, str, str]]:
        q = select(AuditEvent.event, AuditEvent.subject, AuditEvent.payload).where(AuditEvent.event.in_(events))
        return ((e.event, e.subject, e.payload) for e in self.s.execute(q))

    def decisions(self) -> Iterable[tuple[str, str, str, str | None]]:
        q = select(Decision.id, Decision.application_id, Decision.basis_hash, Decision.basis_json)
        return ((d.id, d.application_id, d.basis_hash, d.basis_json)
                for d in self.s.execute(q.execution_options(yield_per=1000)))

    def revisions(self) -> Iterable[tuple[str, str, str, str | None]]:
        q = select(Revision.id, Revision.application_id, Revision.content_hash, Revision.bundle_json)
        return ((r.id, r.application_id, r.content_hash, r.bundle_json)
                for r in self.s.execute(q.execution_options(yield_per=1000)))

    def events_named(self, events: tuple[str, ...]) -> Iterable[tuple[int, str, str, str, str]]:
        q = (select(AuditEvent.seq, AuditEvent.actor, AuditEvent.event, AuditEvent.subject, AuditEvent.payload)
             .where(or_(AuditEvent.event.in_(events), AuditEvent.payload.like('%"records":{%')))
             .order_by(AuditEvent.seq))
        rows = self.s.execute(q.execution_options(yield_per=1000))
        return ((e.seq, e.actor, e.event, e.subject, e.payload) for e in rows)

    def stored(self, table: str) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
        """Every row of a covered table as a dict of its columns, with the rows it covers (uses, overrides)."""
        model = _MODELS[table]
        columns = [c.key for c in model.__table__.columns]
        extras: dict[str, list[list[str]]] = {}
        earlier: dict[str, list[str]] = {}
        if table == "decision":
            for u in self.s.execute(select(DecisionUse.decision_id, DecisionUse.kind, DecisionUse.ref)):
                extras.setdefault(u.decision_id, []).append([u.kind, u.ref])
            for e in self.s.execute(select(DecisionEarlier.decision_id, DecisionEarlier.earlier_decision_id,
                                           DecisionEarlier.month)):
                earlier[e.decision_id] = [e.earlier_decision_id, e.month]
        elif table == "sign_off":
            for o in self.s.execute(select(SignOffOverride.sign_off_id, SignOffOverride.rule,
                                           SignOffOverride.reason_code)):
                extras.setdefault(o.sign_off_id, []).append([o.rule, o.reason_code])
        name = {"decision": "uses", "sign_off": "overrides"}.get(table)
        q = select(*(getattr(model, c) for c in columns)).execution_options(yield_per=500)
        for r in self.s.execute(q):
            row = dict(zip(columns, r, strict=True))
            extra: dict[str, Any] = {name: sorted(extras.get(row["id"], []))} if name else {}
            if earlier and row["id"] in earlier:  # a supplement: the decision it was decided against
                extra["earlier"] = earlier[row["id"]]
            yield row, extra

    def applications(self) -> Iterable[tuple[str, str]]:
        return ((a.id, a.state) for a in self.s.execute(
            select(Application.id, Application.state).execution_options(yield_per=1000)))

    def access_persons(self) -> Iterator[tuple[int, frozenset[str], frozenset[str]]]:
        indexed: dict[int, set[str]] = {}
        for p in self.s.execute(select(AccessPerson.seq, AccessPerson.person_key)):
            indexed.setdefault(p.seq, set()).add(p.person_key)
        for e in self.s.execute(select(AccessEntry.seq, AccessEntry.person_keys).execution_options(yield_per=1000)):
            yield e.seq, frozenset(e.person_keys.split()), frozenset(indexed.pop(e.seq, ()))
        for seq, keys in sorted(indexed.items()):
            yield seq, frozenset(), frozenset(keys)

    def decision(self, decision_id: str) -> Mapping[str, Any] | None:
        d = self.s.get(Decision, decision_id)
        if d is None:
            return None
        return {c.key: getattr(d, c.key) for c in Decision.__table__.columns}

    def events(self, subjects: tuple[str, ...]) -> Iterable[tuple[int, datetime, str, str, str, str]]:
        rows = self.s.execute(
            select(AuditEvent).where(or_(*(AuditEvent.subject == s for s in subjects))).order_by(AuditEvent.seq)
        ).scalars()
        return [(e.seq, e.at, e.actor, e.event, e.subject, e.payload) for e in rows]


_MODELS: dict[str, Any] = {"decision": Decision, "sign_off": SignOff, "letter": Letter, "registry_evidence": Evidence}


def _audit_recompute(r: AuditEvent, prev: str, seq: int) -> str:
    return audit_hash(prev, seq, r.at, r.actor, r.event, r.subject, r.payload)


def _access_recompute(r: AccessEntry, prev: str, seq: int) -> str:
    return access_hash(prev, r, seq)


def verify(s: Session, expected_head: tuple[int, str] | None = None,
           expected_access_head: tuple[int, str] | None = None) -> VerifyReport:
    """``finaid audit verify`` on a session (audit.verify.check over :class:`SqlTrail`)."""
    return check(SqlTrail(s), expected_head, expected_access_head)


def heads(s: Session) -> dict[str, str]:
    """Both chains' heads as SEQ:HASH (to publish outside the database: the morning report prints them)."""
    return {h.chain: f"{h.seq}:{h.hash}" for h in s.execute(select(ChainHead)).scalars()}


def load_why(s: Session, decision_id: str) -> Why:
    return why_of(SqlTrail(s), decision_id)


def replay_one(s: Session, pipeline: Pipeline, decision: Decision, code_version: str) -> ReplayResult:
    revision = s.get(Revision, decision.revision_id) if decision.basis_json is not None else None
    row = s.get(DecisionEarlier, decision.id)  # a supplementary application: replayed against the same one
    earlier = EarlierDecision(row.earlier_decision_id, row.month, row.total_ore, row.signed_at) \
        if row is not None and row.total_ore is not None else None
    return replay(pipeline, decision, revision.bundle_json if revision is not None else None, code_version, earlier)


def decisions_between(s: Session, month_from: str, month_to: str) -> Iterator[Decision]:
    q = (
        select(Decision)
        .where(Decision.month >= month_from, Decision.month <= month_to)
        .order_by(Decision.decided_at, Decision.id)
        .execution_options(yield_per=500)
    )
    yield from s.execute(q).scalars()


def _filtered(filters: Filters, protected: bool) -> tuple[Select[Any], tuple[Any, Any]]:
    """The filtered query, and the columns to order it by.

    With a rule, parameter or finding filter, the order is the first use row's copy of
    (decided_at, decision_id) — the same order as the decision's — so that a page is a range scan of
    ``ix_decision_use_lookup`` however common or rare the rule is.
    """
    q = select(Decision)
    order: tuple[Any, Any] = (Decision.decided_at, Decision.id)
    uses = [("rule", filters.rule), ("param", filters.param), ("finding", filters.finding)]
    for i, (kind, ref) in enumerate(u for u in uses if u[1]):
        alias = DecisionUse.__table__.alias(f"u{i}")
        q = q.join(alias, and_(alias.c.decision_id == Decision.id, alias.c.kind == kind, alias.c.ref == ref))
        if i == 0:
            order = (alias.c.decided_at, alias.c.decision_id)
    if filters.pack:
        q = q.where(Decision.pack_id == filters.pack)
    if filters.guideline:
        q = q.where(Decision.guideline_id == filters.guideline)
    if filters.outcome:
        q = q.where(Decision.outcome == filters.outcome.upper())
    if filters.month:
        q = q.where(Decision.month == filters.month)
    if filters.municipality:
        q = q.where(Decision.municipality == filters.municipality)
    return q.where(Decision.protected.is_(protected)), order


def run_query(s: Session, filters: Filters, page: int = 1, page_size: int = 50) -> tuple[list[dict[str, Any]], int]:
    listed, order = _filtered(filters, False)
    q = listed.order_by(*order).offset((page - 1) * page_size)
    rows = [
        {
            "decided_at": d.decided_at.isoformat(timespec="seconds"), "decision": d.id,
            "application": d.application_id, "month": d.month, "municipality": d.municipality,
            "outcome": d.outcome, "pack": d.pack_id, "guideline": d.guideline_id,
        }
        for d in s.execute(q.limit(page_size)).scalars()
    ]
    hidden = s.execute(select(func.count()).select_from(_filtered(filters, True)[0].subquery())).scalar_one()
    return rows, int(hidden)


def purge(db: Database, before: date, exemptions: Exemptions, actor: str, dry_run: bool = False,
          clock: Any = None) -> PurgeResult:
    """``finaid retention purge``: the use case on the database, then SQLite's log checkpointed."""
    result = retention.purge(SqlUnitOfWork(db), clock or SystemClock(), before, exemptions, actor, dry_run)
    if result.purged and not dry_run and db.engine.dialect.name == "sqlite":
        _checkpoint(db)
    return result


def _checkpoint(db: Database) -> None:
    """Until the write-ahead log is checkpointed, SQLite's main file still holds the old pages: finish the
    deletion on disk (with ``secure_delete`` the freed space is overwritten) and empty the log."""
    raw = db.engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        cur.close()
    finally:
        raw.close()


def exemptions_from_settings() -> Exemptions:
    from adapters.settings import settings

    cfg = settings()

    def split(text: str) -> list[str]:
        return [x.strip() for x in text.split(",") if x.strip()]

    return Exemptions(
        frozenset(split(cfg.retention_exempt_counties)),
        frozenset(split(cfg.retention_exempt_municipalities)),
        frozenset(int(x) for x in split(cfg.retention_exempt_birth_days)),
    )
