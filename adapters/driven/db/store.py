"""Repositories for applications, revisions, evidence and decisions.

Every change writes its audit event in the same transaction (audit/chain.py). A bundle is stored
(``received``) before it is evaluated, so a crash loses nothing; a decision is unique per
(revision hash, pack hash, guideline hash) — a database constraint — so deciding twice is a no-op.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from ulid import ULID

from adapters.driven.db.engine import Database

if TYPE_CHECKING:
    from adapters.driven.db.claims import Guard
from adapters.driven.db.models import Application, Decision, DecisionUse, Evidence, Revision
from audit.chain import append_event, append_events, now
from decision.basis import canonical_json
from decision.bundle import CaseBundle
from decision.money import parse_sum
from decision.pipeline import Decided
from decision.trace import StepKind

DECIDED_STATES = ("proposed", "awaiting_second_signature", "signed", "auto_approved", "returned")


def bundle_hash(bundle: CaseBundle) -> str:
    return "sha256:" + hashlib.sha256(canonical_json(bundle.to_json_dict())).hexdigest()


def new_id() -> str:
    return str(ULID())


@dataclass(frozen=True)
class Stored:
    revision_id: str
    content_hash: str
    created: bool


def _protected(bundle: CaseBundle) -> bool:
    return any(
        getattr(f, "kind", None) == "protected_identity" and getattr(f, "value", False)
        for e in bundle.registry or []
        for f in e.facts
    )


class CaseStore:
    """Applications, their revisions and decisions; one instance per process."""

    def __init__(self, db: Database, person_key: Callable[[str], str] | None = None) -> None:
        self.db = db
        # the keyed HMAC that links a household's months (of the applicant's personnummer), when wired
        self.person_key = person_key

    # ------------------------------------------------------------------ intake
    def receive(
        self, bundle: CaseBundle, actor: str, at: datetime | None = None, guard: Guard | None = None
    ) -> Stored:
        """Store a bundle as a revision of its application (idempotent by content hash).

        ``guard`` (a batch claim check) runs first inside the transaction. The raw registry
        envelopes behind a sealed bundle's answers (stored by request id as they arrived) are linked
        to the revision here.
        """
        with self.db.transaction() as s:
            if guard is not None:
                guard(s)
            return self.receive_in(s, bundle, actor, at or now())

    def receive_in(self, s: Session, bundle: CaseBundle, actor: str, at: datetime) -> Stored:
        """``receive`` in the caller's transaction."""
        stored = self._receive(s, bundle, actor, at)
        request_ids = [e.request_id for e in bundle.registry or []]
        if stored.created and request_ids:
            s.execute(
                update(Evidence)
                .where(Evidence.request_id.in_(request_ids), Evidence.revision_id.is_(None))
                .values(revision_id=stored.revision_id)
            )
        return stored

    def _receive(self, s: Session, bundle: CaseBundle, actor: str, at: datetime) -> Stored:
        app = bundle.application
        content_hash = bundle_hash(bundle)
        existing = s.execute(
            select(Revision).where(Revision.application_id == app.id, Revision.content_hash == content_hash)
        ).scalar_one_or_none()
        if existing is not None:
            return Stored(existing.id, content_hash, False)
        row = s.get(Application, app.id, with_for_update=True)
        sealed = bundle.registry is not None
        state = "fetched" if sealed else "received"
        if row is None:
            row = Application(
                id=app.id, municipality=app.municipality, month=app.month, state=state, attempts=0,
                protected=_protected(bundle), created_at=at, updated_at=at, last_note_at=at,
            )
            s.add(row)
            number = 1
        else:
            number = (
                s.execute(select(Revision.number).where(Revision.application_id == app.id).order_by(
                    Revision.number.desc()).limit(1)).scalar_one()
                + 1
            )
            row.municipality, row.month = app.municipality, app.month
            row.state, row.state_reason, row.attempts = state, None, 0
            row.protected = row.protected or _protected(bundle)
            row.updated_at = row.last_note_at = at
        if self.person_key is not None:
            applicant = next(m.personnummer for m in app.household if m.role.value == "applicant")
            row.household_key = self.person_key(applicant)
        rev = Revision(
            id=new_id(), application_id=app.id, number=number, content_hash=content_hash, sealed=sealed,
            bundle_json=json.dumps(bundle.to_json_dict(), ensure_ascii=False), received_at=at, actor=actor,
        )
        s.add(rev)
        row.current_revision_id = rev.id
        s.flush()
        append_event(
            s, actor, "fetched" if sealed and number > 1 else "received", f"application:{app.id}",
            {"revision": rev.id, "number": number, "content_hash": content_hash, "sealed": sealed}, at,
        )
        return Stored(rev.id, content_hash, True)


    def add_fetched_revisions(self, s: Session, bundles: list[CaseBundle], actor: str, at: datetime) -> list[Stored]:
        """Sealed revisions of existing applications (the batch's fetch), with bulk statements.

        In the caller's transaction, which must hold the applications' rows (a batch claim check).
        """
        if not bundles:
            return []
        hashes = [bundle_hash(b) for b in bundles]
        ids = [b.application.id for b in bundles]
        existing = {
            (r.application_id, r.content_hash): r.id
            for r in s.execute(
                select(Revision.id, Revision.application_id, Revision.content_hash).where(
                    Revision.application_id.in_(ids), Revision.content_hash.in_(hashes)
                )
            )
        }
        numbers = dict(
            s.execute(
                select(Revision.application_id, func.max(Revision.number))
                .where(Revision.application_id.in_(ids))
                .group_by(Revision.application_id)
            ).all()
        )
        protected = dict(
            s.execute(select(Application.id, Application.protected).where(Application.id.in_(ids))).all()
        )
        out: list[Stored] = []
        revisions: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        events: list[tuple[str, str, str, dict[str, Any]]] = []
        for bundle, content_hash in zip(bundles, hashes, strict=True):
            app_id = bundle.application.id
            if (app_id, content_hash) in existing:
                out.append(Stored(existing[(app_id, content_hash)], content_hash, False))
                continue
            number = int(numbers.get(app_id) or 0) + 1
            numbers[app_id] = number
            rev_id = new_id()
            revisions.append({
                "id": rev_id, "application_id": app_id, "number": number, "content_hash": content_hash,
                "sealed": True, "bundle_json": json.dumps(bundle.to_json_dict(), ensure_ascii=False),
                "received_at": at, "actor": actor, "purged_at": None,
            })
            updates.append({
                "id": app_id, "state": "fetched", "state_reason": None, "attempts": 0, "updated_at": at,
                "last_note_at": at, "current_revision_id": rev_id,
                "protected": bool(protected.get(app_id)) or _protected(bundle),
            })
            events.append((actor, "fetched", f"application:{app_id}",
                           {"revision": rev_id, "number": number, "content_hash": content_hash, "sealed": True}))
            out.append(Stored(rev_id, content_hash, True))
        if revisions:
            s.execute(insert(Revision), revisions)
            s.execute(update(Application), updates)
            append_events(s, events, at)
        return out

    # ------------------------------------------------------------------ decisions
    def save_decision(
        self, revision: Stored, decided: Decided, actor: str, code_version: str, at: datetime | None = None,
        guard: Guard | None = None,
    ) -> tuple[str, bool]:
        """Store the proposal, its uses and its audit event; (decision id, created).

        With a ``guard`` (a batch claim) the claim is checked and released in the same transaction.
        """
        try:
            with self.db.transaction() as s:
                if guard is not None:
                    guard(s)
                return self.write_decisions(s, [(revision, decided)], actor, code_version, at or now())[0]
        except IntegrityError:
            # another worker stored the same decision between our check and our insert
            ev = decided.evaluation
            with self.db.read() as s:
                existing = self._existing(s, revision.content_hash, ev.pack.hash, ev.guideline.hash)
            if existing is None:
                raise
            return existing, False

    def write_decisions(
        self, s: Session, items: list[tuple[Stored, Decided]], actor: str, code_version: str, at: datetime
    ) -> list[tuple[str, bool]]:
        """Write proposals in the caller's transaction with bulk statements; (decision id, created) each.

        Each application moves to ``proposed`` and points to its decision (a claim, if any, is
        released); a previous decision is superseded; every change has its audit event.
        """
        if not items:
            return []
        keys = [(st.content_hash, d.evaluation.pack.hash, d.evaluation.guideline.hash) for st, d in items]
        existing: dict[tuple[str, str, str], str] = {
            (r.revision_hash, r.pack_hash, r.guideline_hash): r.id
            for r in s.execute(
                select(Decision.id, Decision.revision_hash, Decision.pack_hash, Decision.guideline_hash).where(
                    Decision.revision_hash.in_({k[0] for k in keys})
                )
            )
        }
        app_ids = [d.bundle.application.id for _, d in items]
        apps = {
            r.id: r
            for r in s.execute(
                select(Application.id, Application.current_decision_id, Application.protected).where(
                    Application.id.in_(app_ids)
                )
            )
        }
        results: list[tuple[str, bool]] = []
        decisions: list[dict[str, Any]] = []
        uses: list[dict[str, Any]] = []
        superseded: list[dict[str, Any]] = []
        app_updates: list[dict[str, Any]] = []
        events: list[tuple[str, str, str, dict[str, Any]]] = []
        for (stored, decided), key in zip(items, keys, strict=True):
            app = decided.bundle.application
            current = apps[app.id]
            protected = _protected(decided.bundle)
            decision_id = existing.get(key)
            created = decision_id is None
            if decision_id is None:
                decision_id = new_id()
                existing[key] = decision_id
                basis = decided.basis
                ev = decided.evaluation
                basis_bytes = basis.canonical_json()
                basis_hash = "sha256:" + hashlib.sha256(basis_bytes).hexdigest()
                decisions.append(
                    {
                        "id": decision_id, "application_id": app.id, "revision_id": stored.revision_id,
                        "revision_hash": stored.content_hash, "pack_id": ev.pack.id, "pack_hash": ev.pack.hash,
                        "guideline_id": ev.guideline.id, "guideline_hash": ev.guideline.hash,
                        "code_version": code_version, "municipality": app.municipality, "month": app.month,
                        "outcome": basis.outcome, "proposed_ore": parse_sum(basis.amounts.proposed),
                        "basis_hash": basis_hash, "basis_json": basis_bytes.decode("utf-8"),
                        "trace_json": json.dumps([st.to_json() for st in ev.trace], ensure_ascii=False),
                        "protected": protected, "actor": actor, "decided_at": at, "superseded_by": None,
                        "purged_at": None,
                    }
                )
                uses.extend(self._uses(decision_id, decided, at))
                previous = current.current_decision_id
                if previous and previous != decision_id:
                    superseded.append({"id": previous, "superseded_by": decision_id})
                    events.append((actor, "superseded", f"decision:{previous}", {"by": decision_id}))
                events.append(
                    (
                        actor, "proposed", f"decision:{decision_id}",
                        {
                            "application": app.id, "revision": stored.revision_id,
                            "revision_hash": stored.content_hash, "pack": ev.pack.id, "pack_hash": ev.pack.hash,
                            "guideline": ev.guideline.id, "guideline_hash": ev.guideline.hash,
                            "code_version": code_version, "basis_hash": basis_hash, "outcome": basis.outcome,
                            "findings": sorted({f.code for f in basis.findings}),
                            # the date the pack was selected as of (the decision's clock)
                            **({"as_of": decided.as_of.isoformat()} if decided.as_of is not None else {}),
                        },
                    )
                )
            app_updates.append(
                {
                    "id": app.id, "state": "proposed", "state_reason": None, "current_decision_id": decision_id,
                    "updated_at": at, "last_note_at": at, "protected": bool(current.protected) or protected,
                    "claimed_by": None, "lease_until": None,
                }
            )
            results.append((decision_id, created))
        if decisions:
            s.execute(insert(Decision), decisions)
        if uses:
            s.execute(insert(DecisionUse), uses)
        if superseded:
            s.execute(update(Decision), superseded)
        s.execute(update(Application), app_updates)
        append_events(s, events, at)
        return results

    def mark_failed(
        self, application_id: str, reason: str, actor: str, budget: int, guard: Guard | None = None,
        permanent_reason: bool = True,
    ) -> str:
        """A technical failure: ``failed`` (retried by a later run) or, budget spent, ``failed_permanent``."""
        at = now()
        with self.db.transaction() as s:
            if guard is not None:
                guard(s)
            app = s.get(Application, application_id, with_for_update=True)
            if app is None:
                raise KeyError(application_id)
            failures = app.attempts + 1
            state = "failed_permanent" if permanent_reason and failures >= budget else "failed"
            app.state, app.state_reason, app.attempts = state, reason, failures
            app.claimed_by, app.lease_until, app.updated_at = None, None, at
            append_event(
                s, actor, state, f"application:{application_id}",
                {"reason": reason, "failures": failures, "budget": budget}, at,
            )
            return state

    @staticmethod
    def _existing(s: Session, revision_hash: str, pack_hash: str, guideline_hash: str) -> str | None:
        return s.execute(
            select(Decision.id).where(
                Decision.revision_hash == revision_hash,
                Decision.pack_hash == pack_hash,
                Decision.guideline_hash == guideline_hash,
            )
        ).scalar_one_or_none()

    @staticmethod
    def _uses(decision_id: str, decided: Decided, at: datetime) -> list[dict[str, Any]]:
        refs: set[tuple[str, str]] = set()
        for step in decided.evaluation.trace:
            refs.add(("rule", step.rule))
            if step.kind is StepKind.FINDING and step.code:
                refs.add(("finding", step.code))
            for ref in step.inputs:
                if ref.startswith("param:"):
                    refs.add(("param", ref[len("param:"):]))
        return [{"decision_id": decision_id, "kind": k, "ref": r, "decided_at": at} for k, r in sorted(refs)]

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
    """``decision.ports.EvidenceStore`` on the ``registry_evidence`` table (raw envelopes by request id)."""

    def __init__(self, db: Database, person_key: Callable[[str], str] | None = None) -> None:
        self.db = db
        # the keyed HMAC that links a household's months (of the applicant's personnummer), when wired
        self.person_key = person_key

    def put(self, request_id: str, raw: bytes, sha256: str) -> None:
        with self.db.transaction() as s:
            if s.get(Evidence, request_id) is None:
                s.add(Evidence(request_id=request_id, sha256=sha256, raw=raw, stored_at=now()))

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
    if not items:
        return
    existing = set(
        s.execute(select(Evidence.request_id).where(Evidence.request_id.in_([i[0] for i in items]))).scalars()
    )
    seen: set[str] = set()
    rows = []
    for request_id, raw, sha in items:
        if request_id in existing:
            continue
        rows.append({"request_id": request_id, "revision_id": revision_id, "sha256": sha,
                     "raw": None if sha in seen else raw, "stored_at": at, "purged_at": None})
        seen.add(sha)
    if rows:
        s.execute(insert(Evidence), rows)
