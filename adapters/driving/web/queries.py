"""Read models for the web app and reports: the queue, the previous month, the history, the statistics.

Every query takes the person's scope (:func:`adapters.driving.web.scope.visible`): cases outside their
units, and protected identities for roles without access, never appear — not even as a count.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import ColumnElement, and_, bindparam, func, or_, select, true
from sqlalchemy.orm import Session, aliased, defer

from adapters.driven.clock import read
from adapters.driven.db.finals import standing_first_signatures
from adapters.driven.db.models import Application, AuditEvent, Decision, DecisionUse, SignOff, SignOffOverride
from adapters.driving.web.auth import Identity, aware
from adapters.driving.web.scope import visible
from decision.basis import COST_PREFIX, DISREGARD_PREFIX, INCOME_PREFIX, NORM_PREFIX
from decision.ports import Clock

QUEUE_STATES = ("proposed", "awaiting_second_signature")
LINE_PREFIXES = (NORM_PREFIX, COST_PREFIX, INCOME_PREFIX, DISREGARD_PREFIX)
FIRST_SIGNATURES = ("approve", "amend", "reject", "auto")


@dataclass(frozen=True)
class QueueFilter:
    outcome: str | None = None
    finding: str | None = None
    month: str | None = None
    min_days: int | None = None
    state: str | None = None
    limit: int = 200
    offset: int = 0  # a page of the queue: the rows after the first ``offset`` (oldest first)


def queued(states: Sequence[str] = QUEUE_STATES) -> ColumnElement[bool]:
    """``application.state IN (…)`` with the states written into the SQL (not bound): the planner then sees that
    the partial index ``ix_application_queue`` (migration 0014) covers the rows, also in a prepared plan."""
    return Application.state.in_(bindparam("queue_states", list(states), expanding=True, literal_execute=True))


def _queue_conditions(identity: Identity, f: QueueFilter, at: datetime) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = [
        queued(QUEUE_STATES if not f.state else [f.state] if f.state in QUEUE_STATES else []),
        visible(identity),
    ]
    if f.outcome:
        conds.append(Decision.outcome == f.outcome)
    if f.month:
        conds.append(Application.month == f.month)
    if f.min_days:  # waiting at least that many whole days (as queue() counts them), in SQL so the limit is SQL's
        conds.append(Decision.decided_at <= (at - timedelta(days=f.min_days)).astimezone(UTC))  # stored as UTC
    if f.finding:
        conds.append(Application.current_decision_id.in_(
            select(DecisionUse.decision_id).where(DecisionUse.kind == "finding", DecisionUse.ref == f.finding)
        ))
    return conds


def queue(s: Session, identity: Identity, f: QueueFilter, clock: Clock | None = None
          ) -> tuple[list[dict[str, Any]], list[str]]:
    """Proposals awaiting sign-off in the person's scope, oldest first (``f.limit`` of them after
    ``f.offset``); and the finding codes present in the person's whole queue (the filter's choices).
    ``clock``: the bootstrap's (the page passes it); the waiting days count to its reading."""
    at = read(clock)
    q = (
        select(Application, Decision)
        .join(Decision, Decision.id == Application.current_decision_id)
        .where(and_(*_queue_conditions(identity, f, at)))
        .order_by(Decision.decided_at, Application.id)
        .options(defer(Decision.trace_json))  # the queue never shows the trace: not read for a page of rows
        .limit(f.limit).offset(f.offset)
    )
    rows: list[dict[str, Any]] = [
        {"app": app, "decision": d, "days": (at - aware(d.decided_at)).days, "findings": []}  # type: ignore[operator]
        for app, d in s.execute(q)
    ]
    for r in rows:  # the findings to judge (severity manual), from the stored basis (orjson: the same values)
        basis = orjson.loads(r["decision"].basis_json or "{}")
        r["findings"] = sorted({f["code"] for f in basis.get("findings", []) if f.get("severity") == "manual"})
    return rows, queue_codes(s, identity)


COUNT_CAP = 10_000  # the queue counts this far (then "fler än 10 000"): a page never counts a backlog's every row


def queue_count(s: Session, identity: Identity, f: QueueFilter, clock: Clock | None = None) -> int:
    """How many proposals the filter finds in the person's scope (the page count of the queue), at most
    ``COUNT_CAP + 1``. Without a filter on the decision's own columns the count is the queue index's alone (a
    queued application has its decision)."""
    conds = _queue_conditions(identity, f, read(clock))
    rows = select(Application.id)
    if f.outcome or f.min_days:
        rows = rows.join(Decision, Decision.id == Application.current_decision_id)
    else:
        conds.append(Application.current_decision_id.is_not(None))
    capped = rows.where(and_(*conds)).limit(COUNT_CAP + 1).subquery()
    return int(s.execute(select(func.count()).select_from(capped)).scalar_one())


def queue_codes(s: Session, identity: Identity) -> list[str]:
    """The finding codes present in the person's queue, sorted. The few distinct codes are walked in the
    ``decision_use`` index (one probe each, a recursive CTE), each kept when one queued proposal in scope
    has it — not a DISTINCT over every queued proposal's findings."""
    inner = aliased(DecisionUse)
    refs = select(func.min(DecisionUse.ref).label("ref")).where(DecisionUse.kind == "finding").cte(
        "finding_refs", recursive=True)
    refs = refs.union_all(
        select(select(func.min(inner.ref)).where(inner.kind == "finding", inner.ref > refs.c.ref).scalar_subquery())
        .where(refs.c.ref.is_not(None))
    )
    used = aliased(DecisionUse)
    one = (  # LIMIT 1: a sub-plan per code that stops at the first queued proposal (not flattened into a join)
        select(used.decision_id).join(Application, Application.current_decision_id == used.decision_id)
        .where(used.kind == "finding", used.ref == refs.c.ref, queued(), visible(identity)).limit(1).scalar_subquery()
    )
    found = s.execute(select(refs.c.ref).where(refs.c.ref.is_not(None), one.is_not(None))).scalars()
    return sorted(str(r) for r in found)


def previous_month(s: Session, identity: Identity, app: Application) -> dict[str, Any] | None:
    """The same household's latest earlier month (linked by the keyed hash of the applicant)."""
    if not app.household_key:
        return None
    found = s.execute(  # the month and its current decision in one read
        select(Application, Decision).outerjoin(Decision, Decision.id == Application.current_decision_id).where(
            Application.household_key == app.household_key, Application.month < app.month,
            Application.id != app.id, visible(identity),
        ).order_by(Application.month.desc()).limit(1)
    ).first()
    if found is None or not found[0].current_decision_id:
        return None
    prev, d = found
    if d is None or d.basis_json is None:
        return None
    basis = json.loads(d.basis_json)
    signed = s.execute(
        select(SignOff).where(SignOff.application_id == prev.id, SignOff.decision_id == d.id,
                              SignOff.final.is_(True)).order_by(SignOff.at.desc()).limit(1)
    ).scalar_one_or_none()
    decided = None
    outcome = None
    if signed is not None and signed.record_json:
        rec = json.loads(signed.record_json)
        decided, outcome = rec["amounts"]["decided"], rec["outcome"]
    return {"app": prev, "basis": basis, "decided": decided, "signed_outcome": outcome,
            "persons": sum(1 for f in basis["facts"] if f["kind"] == "age") or None}


def history(s: Session, app_id: str) -> list[dict[str, Any]]:
    decision_ids = list(s.execute(select(Decision.id).where(Decision.application_id == app_id)).scalars())
    events = s.execute(
        select(AuditEvent).where(or_(
            AuditEvent.subject == f"application:{app_id}",
            AuditEvent.subject.in_([f"decision:{d}" for d in decision_ids]),
        )).order_by(AuditEvent.seq)
    ).scalars()
    return [{"seq": e.seq, "at": aware(e.at), "actor": e.actor, "event": e.event, "subject": e.subject,
             "payload": json.loads(e.payload)} for e in events]


# --------------------------------------------------------------------------------------- statistics
@dataclass(frozen=True)
class StatsFilter:
    month_from: str | None = None
    month_to: str | None = None
    municipality: str | None = None
    final: bool = False  # only decisions that stand (adapters/driven/db/finals.py): not refused, waiting or superseded


def override_statistics(s: Session, identity: Identity | None, f: StatsFilter,
                        include_protected: bool = False) -> dict[str, Any]:
    """Per rule and reason code: how often handlers amend or reject finaid's proposal.

    Counted over first signatures (approve, amend, reject; automated ones separately). A rule that is
    amended often is the signal that the rule or the guideline may be wrong.
    """
    conds: list[ColumnElement[bool]] = [SignOff.action.in_(FIRST_SIGNATURES)]
    if identity is not None:
        conds.append(visible(identity, SignOff.municipality, SignOff.protected))
    elif not include_protected:
        conds.append(SignOff.protected.is_(False))
    if f.month_from:
        conds.append(SignOff.month >= f.month_from)
    if f.month_to:
        conds.append(SignOff.month <= f.month_to)
    if f.municipality:
        conds.append(SignOff.municipality == f.municipality)
    if f.final:
        conds.append(SignOff.id.in_(standing_first_signatures()))
    where = and_(true(), *conds)
    totals = dict(s.execute(select(SignOff.action, func.count()).where(where).group_by(SignOff.action)).all())
    used = dict(s.execute(
        select(DecisionUse.ref, func.count(func.distinct(SignOff.id)))
        .join(SignOff, SignOff.decision_id == DecisionUse.decision_id)
        .where(where, DecisionUse.kind == "rule", or_(*[DecisionUse.ref.startswith(p) for p in LINE_PREFIXES]))
        .group_by(DecisionUse.ref)
    ).all())
    rejected = dict(s.execute(
        select(DecisionUse.ref, func.count(func.distinct(SignOff.id)))
        .join(SignOff, SignOff.decision_id == DecisionUse.decision_id)
        .where(where, SignOff.action == "reject", DecisionUse.kind == "rule")
        .group_by(DecisionUse.ref)
    ).all())
    overrides = s.execute(
        select(SignOffOverride.rule, SignOffOverride.reason_code, func.count())
        .join(SignOff, SignOff.id == SignOffOverride.sign_off_id)
        .where(where).group_by(SignOffOverride.rule, SignOffOverride.reason_code)
        .order_by(SignOffOverride.rule, SignOffOverride.reason_code)
    ).all()
    amended: dict[str, int] = {}
    codes: list[dict[str, Any]] = []
    for rule, code, n in overrides:
        if rule != "outcome":
            amended[rule] = amended.get(rule, 0) + int(n)
        codes.append({"rule": rule, "reason_code": code, "count": int(n)})
    rules: list[dict[str, Any]] = []
    for rule in sorted(set(used) | set(amended)):
        n_used = int(used.get(rule, 0))
        n_amended = amended.get(rule, 0)
        n_rejected = int(rejected.get(rule, 0))
        rules.append({
            "rule": rule, "signed": n_used, "amended": n_amended, "rejected": n_rejected,
            "amended_share": round(n_amended / n_used, 3) if n_used else None,
        })
    rules.sort(key=lambda r: (-(r["amended"] + r["rejected"]), r["rule"]))
    return {
        "sign_offs": {str(k): int(v) for k, v in totals.items()},
        "rules": rules,
        "reason_codes": codes,
    }


def access_entries(s: Session, limit: int = 200, before: int | None = None) -> list[dict[str, Any]]:
    from adapters.driven.db.models import AccessEntry

    q = select(AccessEntry).order_by(AccessEntry.seq.desc()).limit(limit)
    if before:
        q = q.where(AccessEntry.seq < before)
    return [{"seq": r.seq, "at": aware(r.at), "actor": r.actor, "purpose": r.purpose, "channel": r.channel,
             "action": r.action, "subject": r.subject, "persons": len(r.person_keys.split())}
            for r in s.execute(q).scalars()]


def days_between(a: datetime, b: datetime) -> int:
    return (aware(b) - aware(a)).days  # type: ignore[operator]
