"""Deciding: fetch, decide one or many, store the proposals, fetch again (docs/architecture.md).

``store_decisions`` is THE decide-and-store code: ``finaid case decide`` (via :func:`decide`), the night's
batch (via :func:`decide_many`, one transaction per chunk) and the web's "fetch again" all store their
proposals through it. A decision is unique per (revision hash, pack hash, guideline hash), so deciding
twice stores nothing new; a previous decision of the application is superseded.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from decision.bundle import AnswerStatus, CaseBundle
from decision.money import parse_sum
from decision.pipeline import Decided, Pipeline, decision_day
from decision.ports import AccessRecorder, Clock
from decision.services.intake import PackCoverage, store_bundles
from decision.services.supplementary import find_earlier
from decision.states import DECIDED, State
from decision.trace import StepKind
from decision.uow import AuditEntry, Conflict, Guard, Move, NewDecision, Stored, UnitOfWork, protected_identity


@dataclass(frozen=True)
class Outcome:
    decided: Decided
    decision_id: str
    created: bool
    kept: bool = False  # fetch_again: a source failed, nothing stored, the current proposal stays current


@dataclass(frozen=True)
class ToStore:
    """One decided case for :func:`store_decisions`: its revision (``stored`` None: the sealed bundle is
    stored as a new revision in the same transaction) and the evaluation."""

    decided: Decided
    stored: Stored | None
    evidence: tuple[tuple[str, bytes, str], ...] = ()  # raw envelopes to store with a new revision


def uses_of(decided: Decided) -> tuple[tuple[str, str], ...]:
    """What a decision used, for auditors' queries: rule ids fired, parameters read, finding codes."""
    refs: set[tuple[str, str]] = set()
    for step in decided.evaluation.trace:
        refs.add(("rule", step.rule))
        if step.kind is StepKind.FINDING and step.code:
            refs.add(("finding", step.code))
        for ref in step.inputs:
            if ref.startswith("param:"):
                refs.add(("param", ref[len("param:"):]))
    return tuple(sorted(refs))


def store_decisions(
    uow: UnitOfWork, items: Sequence[tuple[Stored, Decided]], actor: str, code_version: str, at: datetime
) -> list[tuple[str, bool]]:
    """Store proposals in the caller's open unit of work; (decision id, created) each, in order.

    Each application moves to ``proposed`` and points to its decision (a batch claim is released); a
    previous decision is superseded; every change has its audit event.
    """
    if not items:
        return []
    keys = [(st.content_hash, d.evaluation.pack.hash, d.evaluation.guideline.hash) for st, d in items]
    existing = uow.decisions.existing(keys)
    apps = uow.applications.lock(d.bundle.application.id for _, d in items)
    results: list[tuple[str, bool]] = []
    decisions: list[NewDecision] = []
    superseded: list[tuple[str, str]] = []
    moves: list[Move] = []
    for (stored, decided), key in zip(items, keys, strict=True):
        app = decided.bundle.application
        current = apps[app.id]
        protected = protected_identity(decided.bundle)
        decision_id = existing.get(key)
        created = decision_id is None
        columns = {
            "current_decision_id": decision_id, "last_note_at": at, "protected": current.protected or protected,
            "claimed_by": None, "lease_until": None,
        }
        if decision_id is None:
            decision_id = uow.new_id()
            existing[key] = decision_id
            columns["current_decision_id"] = decision_id
            basis, ev = decided.basis, decided.evaluation
            basis_bytes = basis.canonical_json()
            basis_hash = "sha256:" + hashlib.sha256(basis_bytes).hexdigest()
            decisions.append(NewDecision(
                id=decision_id, application_id=app.id, revision_id=stored.revision_id,
                revision_hash=stored.content_hash, pack_id=ev.pack.id, pack_hash=ev.pack.hash,
                guideline_id=ev.guideline.id, guideline_hash=ev.guideline.hash, code_version=code_version,
                municipality=app.municipality, month=app.month, outcome=basis.outcome,
                proposed_ore=parse_sum(basis.amounts.proposed), basis_hash=basis_hash,
                basis_json=basis_bytes.decode("utf-8"),
                trace_json=json.dumps([st.to_json() for st in ev.trace], ensure_ascii=False),
                protected=protected, actor=actor, uses=uses_of(decided), earlier=decided.earlier,
            ))
            before: tuple[AuditEntry, ...] = ()
            previous = current.current_decision_id
            if previous and previous != decision_id:
                superseded.append((previous, decision_id))
                before = ((actor, "superseded", f"decision:{previous}", {"by": decision_id}),)
            payload = {
                "application": app.id, "revision": stored.revision_id, "revision_hash": stored.content_hash,
                "pack": ev.pack.id, "pack_hash": ev.pack.hash, "guideline": ev.guideline.id,
                "guideline_hash": ev.guideline.hash, "code_version": code_version, "basis_hash": basis_hash,
                "outcome": basis.outcome, "findings": sorted({f.code for f in basis.findings}),
                # the date the pack was selected as of (the decision's clock)
                **({"as_of": decided.as_of.isoformat()} if decided.as_of is not None else {}),
                # a supplementary application: the signed decision it was decided against
                **({"earlier_decision": decided.earlier.decision_id} if decided.earlier is not None else {}),
            }
            moves.append(Move(app.id, current.state, State.PROPOSED, actor, payload, columns=columns,
                              subject=f"decision:{decision_id}", before=before))
        elif current.state in DECIDED and current.current_decision_id == decision_id:
            uow.applications.update(app.id, columns, at)  # decided before: the state stays
        else:
            moves.append(Move(app.id, current.state, State.PROPOSED, actor, {"decision": decision_id},
                              columns=columns, subject=f"decision:{decision_id}"))
        results.append((decision_id, created))
    uow.decisions.add(decisions, at)
    uow.decisions.supersede(superseded)
    uow.applications.move(moves, at)
    return results


def decide(
    uow: UnitOfWork, pipeline: Pipeline, packs: PackCoverage, access: AccessRecorder, clock: Clock,
    bundle: CaseBundle, *, actor: str, code_version: str, purpose: str = "handlaggning", channel: str = "cli",
    after_store: Callable[[], None] | None = None,
) -> Outcome:
    """Store the bundle (received), fetch if needed (fetched), decide, store the proposal, log access.

    The revision is committed before evaluation, so a crash loses nothing; the decision and its audit
    event are one transaction; the access-log row is committed before anything is shown. The clock is
    read once: the pack is the latest published as of that date, recorded with the decision (its
    ``decided_at`` and the ``as_of`` of its audit event).
    """
    at = clock.now()
    as_of = decision_day(at)
    covering(packs, bundle, as_of)  # an uncovered month or a version the pack refuses: store nothing
    earlier = find_earlier(uow, bundle)  # a supplement without a signed decision is an input error: store nothing
    stored = _receive(uow, bundle, actor, at)
    sealed = pipeline.seal(bundle)
    if sealed is not bundle:  # the registry was asked: the read is an access-log entry of its own
        access.record(actor, purpose, channel, "registry_read", f"application:{bundle.application.id}",
                      [m.personnummer for m in sealed.application.household])
        stored = _receive(uow, sealed, actor, at)
    if after_store is not None:
        after_store()  # a crash point (tests)
    decided = pipeline.evaluate(sealed, as_of=as_of, earlier=earlier)
    decision_id, created = store_one(uow, stored, decided, actor, code_version, at)
    access.record(actor, purpose, channel, "decide", f"decision:{decision_id}",
                  [m.personnummer for m in sealed.application.household])
    return Outcome(decided, decision_id, created)


def covering(packs: PackCoverage, bundle: CaseBundle, as_of: date) -> None:
    """The pack the month selects as of ``as_of`` must exist and take the bundle's version; else an input
    error (naming the month, or the pack: case bundle /2 under a pack that takes /1 only). The version check
    is the catalog's (``check_accepts``) where it has one."""
    pack = packs.pack_for(bundle.application.month, as_of)
    check = getattr(packs, "check_accepts", None)
    if check is not None:
        check(pack, bundle.schema_)


def _receive(uow: UnitOfWork, bundle: CaseBundle, actor: str, at: datetime) -> Stored:
    with uow:
        [stored] = store_bundles(uow, [bundle], actor, at)
        uow.commit()
    return stored


def store_one(uow: UnitOfWork, stored: Stored, decided: Decided, actor: str, code_version: str, at: datetime,
              guard: Guard | None = None) -> tuple[str, bool]:
    """Store one proposal in a transaction of its own; (decision id, created).

    Two processes deciding the same inputs at once: the second's insert fails on the uniqueness of
    (revision hash, pack hash, guideline hash) and it returns the first's decision (created False).
    """
    try:
        with uow:
            if guard is not None:
                guard(uow)
            [result] = store_decisions(uow, [(stored, decided)], actor, code_version, at)
            uow.commit()
        return result
    except Conflict:
        ev = decided.evaluation
        with uow:
            key = (stored.content_hash, ev.pack.hash, ev.guideline.hash)
            found = uow.decisions.existing([key]).get(key)
        if found is None:
            raise
        return found, False


def decide_many(
    uow: UnitOfWork, items: Sequence[ToStore], *, actor: str, code_version: str, at: datetime,
    keep: Callable[[UnitOfWork], Collection[str]] | None = None,
) -> list[tuple[str, bool] | None]:
    """Store a chunk of decided cases in ONE transaction (the batch): new sealed revisions, their
    evidence and the proposals; (decision id, created) per item, None where ``keep`` (a batch claim
    check run first) no longer holds the application.

    Raises ``Conflict`` when a concurrent writer stored one of them first (nothing of
    the chunk is then stored; the caller falls back to :func:`store_one` per case).
    """
    with uow:
        ours = keep(uow) if keep is not None else None
        live = [i for i in items if ours is None or i.decided.bundle.application.id in ours]
        new = store_bundles(uow, [i.decided.bundle for i in live if i.stored is None], actor, at)
        fresh = iter(new)
        pairs: list[tuple[Stored, Decided]] = []
        envelopes: list[tuple[str, Sequence[tuple[str, bytes, str]]]] = []
        for item in live:
            stored = item.stored if item.stored is not None else next(fresh)
            if item.stored is None and stored.created and item.evidence:
                envelopes.append((stored.revision_id, item.evidence))
            pairs.append((stored, item.decided))
        uow.evidence.add_many(envelopes, at)
        written = iter(store_decisions(uow, pairs, actor, code_version, at))
        uow.commit()
    return [next(written) if ours is None or i.decided.bundle.application.id in ours else None for i in items]


def fail(uow: UnitOfWork, clock: Clock, application_id: str, reason: str, *, actor: str, budget: int,
         permanent_reason: bool = True, guard: Guard | None = None) -> str:
    """A technical failure: ``failed`` (retried by a later run) or, budget spent, ``failed_permanent``."""
    at = clock.now()
    with uow:
        if guard is not None:
            guard(uow)
        app = uow.applications.lock([application_id]).get(application_id)
        if app is None:
            raise KeyError(application_id)
        failures = app.attempts + 1
        target = State.FAILED_PERMANENT if permanent_reason and failures >= budget else State.FAILED
        uow.applications.move([Move(
            application_id, app.state, target, actor, {"reason": reason, "failures": failures, "budget": budget},
            reason=reason, columns={"attempts": failures, "claimed_by": None, "lease_until": None}, )], at)
        uow.commit()
    return target.value


def fetch_again(
    uow: UnitOfWork, pipeline: Pipeline, packs: PackCoverage, access: AccessRecorder, clock: Clock,
    bundle: CaseBundle, *, actor: str, code_version: str, purpose: str, channel: str,
    keep_current_if_failed: bool = False,
) -> Outcome:
    """Ask the registry again for a decided case (the web's "hämta igen") and decide the new answers.

    ``keep_current_if_failed``: when a source did not answer, the new proposal is evaluated and returned
    (``kept`` True) but NOT stored, and the current proposal stays current; the read is still in the
    access log. The handler then sees both and may choose the new one (a call without the flag).
    """
    unsealed = bundle.model_copy(update={"registry": None})
    if not keep_current_if_failed:
        return decide(uow, pipeline, packs, access, clock, unsealed, actor=actor, code_version=code_version,
                      purpose=purpose, channel=channel)
    at = clock.now()
    as_of = decision_day(at)
    packs.pack_for(bundle.application.month, as_of)
    sealed = pipeline.seal(unsealed)
    if not any(e.status is AnswerStatus.UNAVAILABLE for e in sealed.registry or []):
        access.record(actor, purpose, channel, "registry_read", f"application:{bundle.application.id}",
                      [m.personnummer for m in sealed.application.household])
        return decide(uow, pipeline, packs, access, clock, sealed, actor=actor, code_version=code_version,
                      purpose=purpose, channel=channel)
    decided = pipeline.evaluate(sealed, as_of=as_of, earlier=find_earlier(uow, sealed))
    access.record(actor, purpose, channel, "fetch_again_kept", f"application:{bundle.application.id}",
                  [m.personnummer for m in sealed.application.household])
    return Outcome(decided, "", False, kept=True)

__all__ = ["Outcome", "ToStore", "decide", "decide_many", "fail", "fetch_again",
           "store_decisions", "store_one", "uses_of"]
