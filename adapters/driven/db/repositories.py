"""The SQLAlchemy repositories behind the unit of work's ports (decision/uow.py), on one session.

``SqlApplications.move`` is the ONLY code that writes an application's ``state`` column (a test scans
the source: tests/unit/test_state_writes.py): it checks each move with ``decision.states.transition``
and writes the move and its audit event in one statement each, for one application or a whole chunk.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from adapters.driven.db import names
from adapters.driven.db.bulk import among, insert_rows
from adapters.driven.db.decision_reads import DecisionReads
from adapters.driven.db.etjanst import blank_for_application as blank_etjanst
from adapters.driven.db.models import (
    Application,
    Decision,
    DecisionEarlier,
    DecisionUse,
    Evidence,
    Letter,
    Revision,
    SignOff,
    SignOffOverride,
)
from adapters.driven.db.records import stage
from adapters.driven.db.trail import append_access, append_events
from audit.access import check_access, person_key
from decision.basis import DecisionBasis
from decision.bundle import CaseBundle
from decision.states import transition
from decision.uow import (
    AppView,
    AuditEntry,
    CaseView,
    Conflict,
    Move,
    NewDecision,
    NewLetter,
    NewRevision,
    NewSignOff,
    SignOffView,
)

NOT_STATE = frozenset({
    "attempts", "current_revision_id", "current_decision_id", "protected", "household_key", "municipality",
    "month", "last_note_at", "claimed_by", "lease_until",
})


def _view(row: Any) -> AppView:
    return AppView(
        id=row.id, state=row.state, state_reason=row.state_reason, attempts=row.attempts,
        municipality=row.municipality, month=row.month, protected=bool(row.protected),
        current_revision_id=row.current_revision_id, current_decision_id=row.current_decision_id,
        household_key=row.household_key,
    )


class SqlApplications:
    def __init__(self, session: Session) -> None:
        self.s = session

    def get(self, application_id: str) -> AppView | None:
        row = self.s.get(Application, application_id)
        return _view(row) if row is not None else None

    def lock(self, application_ids: Iterable[str]) -> dict[str, AppView]:
        ids = list(dict.fromkeys(application_ids))
        if not ids:
            return {}
        rows = self.s.execute(
            select(Application).where(Application.id.in_(ids)).order_by(Application.id).with_for_update()
        ).scalars()
        return {r.id: _view(r) for r in rows}

    def revisions_by_hash(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
        pairs = list(keys)
        if not pairs:
            return {}
        rows = self.s.execute(
            select(Revision.id, Revision.application_id, Revision.content_hash).where(
                Revision.application_id.in_({a for a, _ in pairs}), Revision.content_hash.in_({h for _, h in pairs})
            )
        )
        wanted = set(pairs)
        return {(r.application_id, r.content_hash): r.id for r in rows if (r.application_id, r.content_hash) in wanted}

    def last_numbers(self, application_ids: Iterable[str]) -> dict[str, int]:
        ids = list(application_ids)
        rows = self.s.execute(
            select(Revision.application_id, func.max(Revision.number))
            .where(Revision.application_id.in_(ids)).group_by(Revision.application_id)
        ).all()
        return {a: int(n or 0) for a, n in rows}

    def add_revisions(self, revisions: Sequence[NewRevision], at: datetime) -> None:
        if not revisions:
            return
        try:
            insert_rows(self.s, Revision, [
                {"id": r.id, "application_id": r.application_id, "number": r.number, "content_hash": r.content_hash,
                 "sealed": r.sealed, "bundle_json": r.bundle_json, "received_at": at, "actor": r.actor,
                 "purged_at": None}
                for r in revisions
            ])
        except IntegrityError as e:
            raise Conflict("a revision with this content was stored concurrently") from e

    def move(self, moves: Sequence[Move], at: datetime) -> list[str]:
        """THE state writer (see the module's docstring)."""
        if not moves:
            return []
        events: list[AuditEntry] = []
        created: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        names: list[str] = []
        for m in moves:
            if set(m.columns) - NOT_STATE:
                raise ValueError(f"not an application column a move writes: {sorted(set(m.columns) - NOT_STATE)}")
            if m.create:
                if m.source is not None or m.event is None:
                    raise ValueError("a creation has no source state and names its event")
                event = m.event
            else:
                event = transition(m.source or "", m.target, m.event).event
            names.append(event)
            values = {"id": m.application_id, "state": m.target.value, "state_reason": m.reason,
                      "updated_at": at, **m.columns}
            (created if m.create else updates).append(values)
            events.extend(m.before)
            events.append((m.actor, event, m.subject or f"application:{m.application_id}", dict(m.payload)))
        if created:
            self.s.execute(insert(Application), [
                {"attempts": 0, "protected": False, "created_at": at, "last_note_at": at, **v} for v in created
            ])
        for group in _same_keys(updates):
            self.s.execute(update(Application), group)
        append_events(self.s, events, at)
        return names

    def update(self, application_id: str, columns: Mapping[str, Any], at: datetime) -> None:
        if set(columns) - NOT_STATE:
            raise ValueError(f"not a column update() writes: {sorted(set(columns) - NOT_STATE)}")
        self.s.execute(update(Application), [{"id": application_id, "updated_at": at, **columns}])


def _same_keys(rows: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Bulk UPDATE by primary key needs the same columns in every row: group them (usually one group)."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault(tuple(sorted(r)), []).append(r)
    return list(groups.values())


class SqlDecisions(DecisionReads):
    def __init__(self, session: Session) -> None:
        self.s = session

    def existing(self, keys: Iterable[tuple[str, str, str]]) -> dict[tuple[str, str, str], str]:
        wanted = set(keys)
        if not wanted:
            return {}
        rows = self.s.execute(
            select(Decision.id, Decision.revision_hash, Decision.pack_hash, Decision.guideline_hash).where(
                Decision.revision_hash.in_({k[0] for k in wanted})
            )
        )
        out = {(r.revision_hash, r.pack_hash, r.guideline_hash): r.id for r in rows}
        return {k: v for k, v in out.items() if k in wanted}

    def add(self, decisions: Sequence[NewDecision], at: datetime) -> None:
        if not decisions:
            return
        rows: list[dict[str, Any]] = []
        uses: list[dict[str, Any]] = []
        for d in decisions:
            rows.append({
                "id": d.id, "application_id": d.application_id, "revision_id": d.revision_id,
                "revision_hash": d.revision_hash, "pack_id": d.pack_id, "pack_hash": d.pack_hash,
                "guideline_id": d.guideline_id, "guideline_hash": d.guideline_hash, "code_version": d.code_version,
                "municipality": d.municipality, "month": d.month, "outcome": d.outcome,
                "proposed_ore": d.proposed_ore, "basis_hash": d.basis_hash, "basis_json": d.basis_json,
                "trace_json": d.trace_json, "protected": d.protected, "actor": d.actor, "decided_at": at,
                "superseded_by": None, "purged_at": None,
            })
            uses.extend({"decision_id": d.id, "kind": k, "ref": r, "decided_at": at} for k, r in d.uses)
        try:
            insert_rows(self.s, Decision, rows)
        except IntegrityError as e:
            raise Conflict("a decision of these inputs was stored concurrently") from e
        insert_rows(self.s, DecisionUse, uses)
        earlier = [{"decision_id": d.id, "earlier_decision_id": d.earlier.decision_id, "month": d.earlier.month,
                    "total_ore": d.earlier.total_ore, "signed_at": d.earlier.signed_at}
                   for d in decisions if d.earlier is not None]
        # a supplementary application: what it was decided against (replayed with it)
        insert_rows(self.s, DecisionEarlier, earlier)
        for row, d in zip(rows, decisions, strict=True):
            stage(self.s, f"decision:{d.id}", "decision", row, _columns(Decision),
                  {"uses": sorted([k, r] for k, r in d.uses),
                   **({"earlier": [d.earlier.decision_id, d.earlier.month]} if d.earlier is not None else {})})

    def supersede(self, pairs: Sequence[tuple[str, str]]) -> None:
        if pairs:
            self.s.execute(update(Decision), [{"id": old, "superseded_by": new} for old, new in pairs])


class SqlEvidence:
    def __init__(self, session: Session) -> None:
        self.s = session

    def link(self, revision_id: str, request_ids: Sequence[str]) -> None:
        self.link_many([(revision_id, request_ids)])

    def link_many(self, links: Sequence[tuple[str, Sequence[str]]]) -> None:
        """One read finds which of the envelopes wait for a revision (in the batch: none, they are stored with
        it); only those revisions are updated."""
        wanted = [r for _, ids in links for r in ids]
        if not wanted:
            return
        waiting = set(self.s.execute(select(Evidence.request_id).where(
            among(self.s, Evidence.request_id, wanted), Evidence.revision_id.is_(None))).scalars())
        for revision_id, request_ids in links:
            if waiting.intersection(request_ids):
                self.s.execute(
                    update(Evidence)
                    .where(Evidence.request_id.in_(list(request_ids)), Evidence.revision_id.is_(None))
                    .values(revision_id=revision_id)
                )

    def add(self, revision_id: str, items: Sequence[tuple[str, bytes, str]], at: datetime) -> None:
        self.add_many([(revision_id, items)], at)

    def add_many(self, items: Sequence[tuple[str, Sequence[tuple[str, bytes, str]]]], at: datetime) -> None:
        """Each revision's envelopes not stored yet, each distinct envelope's bytes once per revision: one read
        and one bulk insert for all of them (adapters/driven/db/bulk.py)."""
        wanted = [i[0] for _, envelopes in items for i in envelopes]
        if not wanted:
            return
        found = self.s.execute(select(Evidence.request_id).where(among(self.s, Evidence.request_id, wanted)))
        existing = set(found.scalars())
        rows = []
        for revision_id, envelopes in items:
            seen: set[str] = set()
            for request_id, raw, sha in envelopes:
                if request_id in existing:
                    continue
                rows.append({"request_id": request_id, "revision_id": revision_id, "sha256": sha,
                             "raw": None if sha in seen else raw, "stored_at": at, "purged_at": None})
                existing.add(request_id)
                seen.add(sha)
        insert_rows(self.s, Evidence, rows)
        for row in rows:
            stage(self.s, f"registry_evidence:{row['request_id']!s}", "registry_evidence", row, _columns(Evidence))


class SqlAudit:
    def __init__(self, session: Session) -> None:
        self.s = session

    def append(self, entries: Sequence[AuditEntry], at: datetime) -> None:
        append_events(self.s, entries, at)


class SqlAccess:
    def __init__(self, session: Session, key: bytes | None) -> None:
        self.s = session
        self.key = key

    def append(self, actor: str, purpose: str, channel: str, action: str, subject: str,
               personnummer: Iterable[str], at: datetime) -> None:
        check_access(purpose, channel)
        if self.key is None:
            raise ValueError("no access-log key is configured")
        append_access(self.s, actor, purpose, channel, action, subject,
                      [person_key(self.key, p) for p in personnummer], at)


class SqlSignOffs:
    def __init__(self, session: Session) -> None:
        self.s = session

    def case(self, application_id: str, decision_id: str | None = None) -> CaseView | None:
        app = self.s.get(Application, application_id)
        if app is None:
            return None
        did = decision_id or app.current_decision_id
        decision = self.s.get(Decision, did) if did else None
        if decision is None or decision.application_id != app.id or decision.basis_json is None:
            return None
        revision = self.s.get(Revision, decision.revision_id)
        if revision is None or revision.bundle_json is None:
            return None
        digest = "sha256:" + hashlib.sha256(decision.basis_json.encode("utf-8")).hexdigest()
        return CaseView(
            app=_view(app), decision_id=decision.id, basis_hash=decision.basis_hash,
            revision_hash=decision.revision_hash, basis_intact=digest == decision.basis_hash,
            bundle=CaseBundle.model_validate_json(revision.bundle_json, strict=False),
            basis=DecisionBasis.model_validate_json(decision.basis_json),
        )

    def pending_first(self, application_id: str, decision_id: str) -> SignOffView | None:
        w = pending_first_row(self.s, application_id, decision_id)
        return SignOffView(w.id, w.actor, w.outcome, w.record_json) if w is not None else None

    def add(self, row: NewSignOff, at: datetime) -> None:
        self.s.add(SignOff(
            id=row.id, application_id=row.application_id, decision_id=row.decision_id,
            proposal_hash=row.proposal_hash, action=row.action, first_id=row.first_id, actor=row.actor,
            role=row.role, at=at, outcome=row.outcome, final=row.final, needs_second=row.needs_second,
            protected=row.protected, municipality=row.municipality, month=row.month, record_hash=row.record_hash,
            record_json=row.record_json,
        ))
        self.s.flush()
        for rule, code in row.overrides:
            self.s.add(SignOffOverride(sign_off_id=row.id, rule=rule, reason_code=code))
        self.s.flush()
        written = self.s.get(SignOff, row.id)
        stage(self.s, f"sign_off:{row.id}", "sign_off", _values(written), _columns(SignOff),
              {"overrides": sorted({(r, c) for r, c in row.overrides})})

    def add_letter(self, letter: NewLetter, at: datetime) -> None:
        self.s.add(Letter(
            id=letter.id, sign_off_id=letter.sign_off_id, application_id=letter.application_id, html=letter.html,
            pdf=letter.pdf, html_sha256=letter.html_sha256, pdf_sha256=letter.pdf_sha256,
            template_hash=letter.template_hash, created_at=at,
        ))
        self.s.flush()
        stage(self.s, f"letter:{letter.id}", "letter", _values(self.s.get(Letter, letter.id)), _columns(Letter))


@cache  # asked once per stored row
def _columns(model: Any) -> tuple[str, ...]:
    return tuple(c.key for c in model.__table__.columns)


def _values(row: Any) -> dict[str, Any]:
    return {c: getattr(row, c) for c in _columns(row.__class__)}


def pending_first_row(s: Session, application_id: str, decision_id: str) -> SignOff | None:
    """The first signature waiting for a second one (none answered it yet)."""
    rows = s.execute(
        select(SignOff).where(SignOff.application_id == application_id, SignOff.decision_id == decision_id)
        .order_by(SignOff.at, SignOff.id)
    ).scalars().all()
    answered = {r.first_id for r in rows if r.first_id}
    waiting = [r for r in rows if r.needs_second and r.id not in answered]
    return waiting[-1] if waiting else None


class SqlRetention:
    def __init__(self, session: Session) -> None:
        self.s = session

    def candidates(self, cutoff: datetime) -> list[tuple[str, str]]:
        return [(a, m) for a, m in self.s.execute(
            select(Application.id, Application.municipality).where(
                Application.last_note_at < cutoff, Application.purged_at.is_(None)
            ).order_by(Application.id)
        )]

    def people(self, application_id: str) -> list[str]:
        rows = self.s.execute(select(Revision.bundle_json).where(Revision.application_id == application_id)).scalars()
        return sorted({m["personnummer"] for b in rows if b for m in json.loads(b)["application"]["household"]})

    def blank(self, application_id: str, at: datetime) -> tuple[list[str], list[str], int]:
        s = self.s
        rev_ids = list(s.execute(select(Revision.id).where(Revision.application_id == application_id)).scalars())
        decision_ids = list(s.execute(select(Decision.id).where(Decision.application_id == application_id)).scalars())
        s.execute(update(Revision).where(Revision.application_id == application_id)
                  .values(bundle_json=None, purged_at=at))
        evidence = len(list(s.execute(
            update(Evidence).where(Evidence.revision_id.in_(rev_ids)).values(raw=None, purged_at=at)
            .returning(Evidence.request_id)
        )))
        s.execute(update(Decision).where(Decision.application_id == application_id)
                  .values(basis_json=None, trace_json=None, proposed_ore=None, purged_at=at))
        if decision_ids:
            s.execute(update(DecisionEarlier).where(DecisionEarlier.decision_id.in_(decision_ids))
                      .values(total_ore=None))
        s.execute(update(Application).where(Application.id == application_id).values(household_key=None, purged_at=at))
        names.purge(s, application_id)  # the keyed name index goes with the case (decision/names.py)
        # sign-offs and letters (append-only: their triggers allow exactly this blanking)
        s.execute(update(SignOff).where(SignOff.application_id == application_id, SignOff.purged_at.is_(None))
                  .values(record_json=None, purged_at=at))
        s.execute(update(Letter).where(Letter.application_id == application_id, Letter.purged_at.is_(None))
                  .values(html=None, pdf=None, purged_at=at))
        blank_etjanst(s, application_id, at)  # the e-service's drafts, attachments and requests
        return rev_ids, decision_ids, evidence
