"""The audit trail's reads over the database: the sources audit/ verifies, explains and replays from.

The logic — chain rules, record checks, the why-view, replay, gallring — is audit/ and
decision/services/retention.py; these are their storage ports and the session-based entry points the
CLI, the web app, the benchmarks and the tests call.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime
from functools import partial
from itertools import groupby
from operator import itemgetter
from typing import Any

from sqlalchemy import Select, and_, func, or_, select, text
from sqlalchemy.orm import Session

from adapters.driven.clock import SystemClock
from adapters.driven.db.engine import Database
from adapters.driven.db.finals import standing
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
from adapters.driven.db.models_casework import CaseNote, CommunicationStep, DecisionChange
from adapters.driven.db.uow import SqlUnitOfWork
from audit.chain import Row, access_hash, stored_audit_hash
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
        self._c_locale: bool | None = None  # whether PostgreSQL's default collation is bytewise already

    def chain(self, name: str) -> tuple[Iterable[Row], tuple[int, str]]:
        head = self.s.execute(select(ChainHead).where(ChainHead.chain == name)).scalar_one()
        return (self._audit_rows() if name == "audit" else self._access_rows()), (head.seq, head.hash)

    # Every read below is streamed (``yield_per``: a server-side cursor on PostgreSQL) as plain rows, never ORM
    # objects, so that verify's memory does not grow with the trail (benchmarks/README.md, `audit verify`).
    def _audit_rows(self) -> Iterator[Row]:
        q = select(*(getattr(AuditEvent, c.key) for c in AuditEvent.__table__.columns)).order_by(AuditEvent.seq)
        for r in self._stream(q, STREAM):
            yield r.seq, r.prev_hash, r.hash, partial(_audit_recompute, r)

    def _access_rows(self) -> Iterator[Row]:
        q = select(*(getattr(AccessEntry, c.key) for c in AccessEntry.__table__.columns)).order_by(AccessEntry.seq)
        for r in self._stream(q, STREAM):
            yield r.seq, r.prev_hash, r.hash, partial(_access_recompute, r)

    def revisions(self) -> Iterable[tuple[str, str, str, str | None]]:
        q = (select(Revision.id, Revision.application_id, Revision.content_hash, Revision.bundle_json)
             .order_by(self._bytewise(Revision.id)))
        return ((r.id, r.application_id, r.content_hash, r.bundle_json)
                for r in self._stream(q, CONTENT))

    def events_named(self, events: tuple[str, ...]) -> Iterable[tuple[int, str, str, str, str]]:
        q = (select(AuditEvent.seq, AuditEvent.actor, AuditEvent.event, AuditEvent.subject, AuditEvent.payload)
             .where(or_(AuditEvent.event.in_(events), AuditEvent.payload.like('%"records":{%')))
             .order_by(AuditEvent.seq))
        rows = self._stream(q, STREAM)
        return ((e.seq, e.actor, e.event, e.subject, e.payload) for e in rows)

    def stored(self, table: str) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
        """Every row of a covered table as a dict of its columns, with the rows it covers (uses, overrides)."""
        model = _MODELS[table]
        columns = [c.key for c in model.__table__.columns]
        covered: Iterator[tuple[str, list[list[str]]]] = iter(())
        earlier: Iterator[tuple[str, list[list[str]]]] = iter(())  # a supplement: the decision it was decided against
        if table == "decision":
            covered = self._by_owner(select(DecisionUse.decision_id, DecisionUse.kind, DecisionUse.ref),
                                     DecisionUse.decision_id)
            earlier = self._by_owner(select(DecisionEarlier.decision_id, DecisionEarlier.earlier_decision_id,
                                            DecisionEarlier.month), DecisionEarlier.decision_id)
        elif table == "sign_off":
            covered = self._by_owner(select(SignOffOverride.sign_off_id, SignOffOverride.rule,
                                            SignOffOverride.reason_code), SignOffOverride.sign_off_id)
        name = {"decision": "uses", "sign_off": "overrides"}.get(table)
        key = self._bytewise(model.request_id if table == "registry_evidence" else model.id)
        q = select(*(getattr(model, c) for c in columns)).order_by(key)
        owned, supplements = _Merge(covered), _Merge(earlier)
        for r in self._stream(q, CONTENT):
            row = dict(zip(columns, r, strict=True))
            extra: dict[str, Any] = {name: sorted(owned.of(row["id"]))} if name else {}
            against = supplements.of(row["id"]) if table == "decision" else []
            if against:  # one row per decision (its primary key)
                extra["earlier"] = against[-1]
            yield row, extra

    def _by_owner(self, q: Select[*tuple[Any, ...]], owner: Any) -> Iterator[tuple[str, list[list[str]]]]:
        """(owner id, [[the other columns] of each row]) of a covered table, by owner id in the owners' order
        (merged, not held)."""
        for owner_id, rows in groupby(self._stream(q.order_by(self._bytewise(owner)), STREAM), key=itemgetter(0)):
            yield owner_id, [list(r[1:]) for r in rows]

    def _stream(self, q: Select[*tuple[Any, ...]], rows: int) -> Any:
        """A read streamed ``rows`` at a time (a server-side cursor on PostgreSQL) as plain rows: through the
        session's connection (its transaction), without the ORM's per-row loading (about a third of the CPU)."""
        return self.s.connection().execute(q.execution_options(yield_per=rows))

    def _bytewise(self, column: Any) -> Any:
        """Ordered as Python compares strings (code points): SQLite's default; on PostgreSQL the "C" collation,
        which a database created with a C locale (libc ``C``, ``POSIX``, ``C.UTF-8``) already has — there the
        primary key's index gives the order without a sort (at 1 000 000 decisions, 27 million ``decision_use``
        rows). audit/spill.py's merge stops on rows out of order rather than misjudge them."""
        if self.s.get_bind().dialect.name != "postgresql":
            return column
        if self._c_locale is None:
            collate, provider = self.s.execute(text(
                "SELECT datcollate, to_jsonb(d) ->> 'datlocprovider' FROM pg_database d "
                "WHERE datname = current_database()")).one()
            self._c_locale = provider in (None, "c") and collate in ("C", "POSIX", "C.UTF-8", "C.utf8")
        return column if self._c_locale else column.collate("C")

    def applications(self) -> Iterable[tuple[str, str]]:
        q = select(Application.id, Application.state).order_by(self._bytewise(Application.id))
        return ((a.id, a.state) for a in self._stream(q, STREAM))

    def access_persons(self) -> Iterator[tuple[int, frozenset[str], frozenset[str]]]:
        """Both in seq order and merged: an index row without its entry is yielded with no chained keys."""
        index = iter(self._stream(select(AccessPerson.seq, AccessPerson.person_key).order_by(AccessPerson.seq),
                                  STREAM))
        entries = self._stream(select(AccessEntry.seq, AccessEntry.person_keys).order_by(AccessEntry.seq), STREAM)
        pending = next(index, None)
        for e in entries:
            while pending is not None and pending.seq < e.seq:  # index rows of a missing entry
                seq, keys = pending.seq, set()
                while pending is not None and pending.seq == seq:
                    keys.add(pending.person_key)
                    pending = next(index, None)
                yield seq, frozenset(), frozenset(keys)
            keys = set()
            while pending is not None and pending.seq == e.seq:
                keys.add(pending.person_key)
                pending = next(index, None)
            yield e.seq, frozenset(e.person_keys.split()), frozenset(keys)
        while pending is not None:
            seq, keys = pending.seq, set()
            while pending is not None and pending.seq == seq:
                keys.add(pending.person_key)
                pending = next(index, None)
            yield seq, frozenset(), frozenset(keys)

    def decision(self, decision_id: str) -> Mapping[str, Any] | None:
        d = self.s.get(Decision, decision_id)
        if d is None:
            return None
        return {c.key: getattr(d, c.key) for c in Decision.__table__.columns}

    def sign_offs(self, application_id: str) -> Iterable[Mapping[str, Any]]:
        """``audit.decided.DecidedSource``: the application's sign-offs with their overrides and letter."""
        rows = list(self.s.execute(
            select(SignOff).where(SignOff.application_id == application_id).order_by(SignOff.at, SignOff.id)
        ).scalars())
        ids = [r.id for r in rows]
        overrides: dict[str, list[tuple[str, str]]] = {}
        for o in self.s.execute(select(SignOffOverride).where(SignOffOverride.sign_off_id.in_(ids))
                                .order_by(SignOffOverride.rule, SignOffOverride.reason_code)).scalars():
            overrides.setdefault(o.sign_off_id, []).append((o.rule, o.reason_code))
        letters = {
            lt.sign_off_id: {"id": lt.id, "html_sha256": lt.html_sha256, "pdf_sha256": lt.pdf_sha256,
                             "template_hash": lt.template_hash}
            for lt in self.s.execute(select(Letter.id, Letter.sign_off_id, Letter.html_sha256, Letter.pdf_sha256,
                                            Letter.template_hash).where(Letter.sign_off_id.in_(ids)))
        }
        return [
            {"id": r.id, "decision_id": r.decision_id, "action": r.action, "actor": r.actor, "role": r.role,
             "at": r.at, "outcome": r.outcome, "final": r.final, "first_id": r.first_id, "record_hash": r.record_hash,
             "record_json": r.record_json, "purged_at": r.purged_at, "overrides": overrides.get(r.id, []),
             "letter": letters.get(r.id)}
            for r in rows
        ]

    def events(self, subjects: tuple[str, ...]) -> Iterable[tuple[int, datetime, str, str, str, str]]:
        rows = self.s.execute(
            select(AuditEvent).where(or_(*(AuditEvent.subject == s for s in subjects))).order_by(AuditEvent.seq)
        ).scalars()
        return [(e.seq, e.at, e.actor, e.event, e.subject, e.payload) for e in rows]


STREAM = 2000  # rows per fetch of a streamed read of small rows (events, ids and hashes)
CONTENT = 200  # ... of rows with their content (a basis, a trace, a bundle: tens of kB each)


class _Merge:
    """The rows of a covered table grouped by owner (owner id, [values]), read in owner order, handed out owner by
    owner."""

    def __init__(self, groups: Iterator[tuple[str, list[list[str]]]]) -> None:
        self.groups = groups
        self.pending = next(groups, None)

    def of(self, owner: str) -> list[list[str]]:
        while self.pending is not None and self.pending[0] < owner:  # owned by a row no longer stored
            self.pending = next(self.groups, None)
        if self.pending is not None and self.pending[0] == owner:
            out = self.pending[1]
            self.pending = next(self.groups, None)
            return out
        return []


FINAL_OUTCOMES = ("beviljat", "delvis_beviljat", "avslag")
_MODELS: dict[str, Any] = {"decision": Decision, "sign_off": SignOff, "letter": Letter, "registry_evidence": Evidence,
                           "case_note": CaseNote, "communication": CommunicationStep,
                           "decision_change": DecisionChange}


def _audit_recompute(r: Any, prev: str, seq: int) -> str:  # an audit_event row (its columns)
    return stored_audit_hash(prev, seq, r.at, r.actor, r.event, r.subject, r.payload)


def _access_recompute(r: Any, prev: str, seq: int) -> str:  # an access_log row (its columns)
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


def _filtered(filters: Filters, protected: bool, final: bool = False) -> tuple[Select[Any], tuple[Any, Any]]:
    """The filtered query, and the columns to order it by.

    With a rule, parameter or finding filter, the order is the first use row's copy of
    (decided_at, decision_id) — the same order as the decision's — so that a page is a range scan of
    ``ix_decision_use_lookup`` however common or rare the rule is.
    """
    q: Select[Any] = select(Decision)
    if final:  # with the standing final sign-off (adapters/driven/db/finals.py)
        q = select(Decision, SignOff).join(SignOff, and_(SignOff.decision_id == Decision.id, standing()))  # type: ignore[assignment]
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
    if filters.outcome and final and filters.outcome.lower() in FINAL_OUTCOMES:
        q = q.where(SignOff.outcome == filters.outcome.lower())
    elif filters.outcome:
        q = q.where(Decision.outcome == filters.outcome.upper())
    if filters.month:
        q = q.where(Decision.month == filters.month)
    if filters.municipality:
        q = q.where(Decision.municipality == filters.municipality)
    return q.where(Decision.protected.is_(protected)), order


def run_query(s: Session, filters: Filters, page: int = 1, page_size: int = 50,
              final: bool = False) -> tuple[list[dict[str, Any]], int]:
    """A page of decisions (proposals) matching the filters; ``final``: only proposals whose signed decision
    stands (adapters/driven/db/finals.py), with the final outcome, action and time. The count of protected ones."""
    listed, order = _filtered(filters, False, final)
    q = listed.order_by(*order).offset((page - 1) * page_size)
    rows = []
    for found in s.execute(q.limit(page_size)):
        d = found[0]
        row = {
            "decided_at": d.decided_at.isoformat(timespec="seconds"), "decision": d.id,
            "application": d.application_id, "month": d.month, "municipality": d.municipality,
            "outcome": d.outcome, "pack": d.pack_id, "guideline": d.guideline_id,
        }
        if final:
            signed: SignOff = found[1]
            row.update({"final_outcome": signed.outcome, "final_action": signed.action,
                        "signed_at": signed.at.isoformat(timespec="seconds"), "sign_off": signed.id})
        rows.append(row)
    hidden = s.execute(select(func.count()).select_from(_filtered(filters, True, final)[0].subquery())).scalar_one()
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
