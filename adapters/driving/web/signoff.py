"""Sign-off: a handler decides on finaid's proposal; the result is a ``finaid.signed-decision/1`` record.

Actions on a proposal: **approve** (as proposed), **amend** (some lines decided differently, each
with a reason code and a motivation), **reject** (refuse the application against the proposal, with
a reason code and a motivation), **return** (more information needed; state ``returned``). Every
MANUAL finding needs a resolution (reason code and motivation) before approve, amend or reject.
Overridden lines are recomputed by the rules as trace steps (``override.<line rule>``, then
``override.result.decided``): the pinned pack's own result formula, in öre (``compute``). Four eyes: a decision that
changes the total by more than the configured amount, or a case with a configured finding, waits
for a second signature by another person with the supervisor role (``countersign`` or ``refuse``).
No bulk approval: every call decides one application. Every action is an audit event written in the
same transaction as the state change, the sign-off row and (when the decision is complete) the letter.
The record's format is documented in docs/signed-decision.md.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from adapters.driven.db.casefile import CaseFile, CaseNotFound, line_group, load_case
from adapters.driven.db.engine import Database
from adapters.driven.db.models import Application, SignOff, SignOffOverride
from adapters.driven.db.store import new_id
from adapters.driving.web import reason_codes
from adapters.driving.web.auth import Identity
from adapters.driving.web.roles import Action, Role, allowed
from audit.chain import append_event, now
from decision.basis import canonical_json
from decision.errors import FinaidError
from decision.money import format_ore
from decision.overrides import LineOverride
from decision.states import State, transition

SCHEMA = "finaid.signed-decision/1"
MAX_TEXT = 2000
OUTCOME_SV = {"beviljat": "Beviljat", "delvis_beviljat": "Delvis beviljat", "avslag": "Avslag"}
FROM_PROPOSAL = {"GRANT": "beviljat", "PARTIAL": "delvis_beviljat", "REJECT": "avslag"}


class SignOffError(FinaidError):
    """A sign-off request that cannot be carried out; ``errors`` names each problem (Swedish, for the UI)."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__("; ".join(errors))


class Forbidden(FinaidError):
    """The person's roles do not allow this action."""


@dataclass(frozen=True)
class Override:
    line: int  # index into the basis's lines
    amount_ore: int
    reason_code: str
    motivation: str


@dataclass(frozen=True)
class Resolution:
    finding: int  # index into the basis's findings
    reason_code: str
    motivation: str


@dataclass(frozen=True)
class SignRequest:
    action: Literal["approve", "amend", "reject"]
    decision_id: str  # the proposal the handler saw (a superseded one is refused)
    overrides: tuple[Override, ...] = ()
    resolutions: tuple[Resolution, ...] = ()
    reason_code: str | None = None  # reject
    motivation: str | None = None  # reject (required), approve/amend (optional note)


@dataclass(frozen=True)
class Policy:
    """Four eyes and where reason codes come from."""

    threshold_ore: int = 100_000
    findings: frozenset[str] = frozenset({"identity.protected"})
    reason_codes_dir: Any = None


@dataclass
class Result:
    sign_off_id: str
    state: str
    needs_second: bool
    letter_id: str | None = None
    four_eyes: list[str] = field(default_factory=list)


# ------------------------------------------------------------------------------------------ compute
@dataclass(frozen=True)
class Computed:
    decided: list[int]  # per line, öre
    norm: int
    costs: int
    income: int
    total: int
    applied_total: int
    steps: list[dict[str, Any]]


def compute(case: CaseFile, overrides: tuple[Override, ...], labels: dict[str, str]) -> Computed:
    """The decided amounts: the proposal's lines with the overrides applied, recomputed by the rules (the pinned
    pack's own formulas, as trace steps: ``Evaluator.apply_overrides``, rules/evaluator/overrides.py)."""
    from rules.evaluator import PackEvaluator

    given = tuple(LineOverride(o.line, o.amount_ore, o.reason_code, labels.get(o.reason_code, o.reason_code))
                  for o in overrides)
    r = PackEvaluator(_catalog()).apply_overrides(case.bundle, case.basis, given)
    return Computed(list(r.decided), r.norm, r.costs, r.income, r.total, r.applied_total, list(r.steps))


@cache
def _catalog() -> Any:
    from rules.catalog import Catalog

    return Catalog()


def _ore(text: str) -> int:
    from adapters.driven.db.casefile import amount_ore

    return amount_ore(text)


def derive_outcome(total: int, applied_total: int) -> str:
    if total <= 0:
        return "avslag"
    return "beviljat" if total >= applied_total else "delvis_beviljat"


def four_eyes_reasons(case: CaseFile, proposed: int, decided: int, policy: Policy) -> list[str]:
    reasons = []
    if abs(decided - proposed) > policy.threshold_ore:
        reasons.append("amount")
    for f in case.basis.findings:
        if f.code in policy.findings and f"finding:{f.code}" not in reasons:
            reasons.append(f"finding:{f.code}")
    return reasons


# ------------------------------------------------------------------------------------------ helpers
def _require(identity: Identity, action: Action) -> None:
    if not allowed(identity.roles, action):
        raise Forbidden(f"{identity.actor} may not {action.value}")


def _role_label(identity: Identity, prefer: Role) -> str:
    return prefer.value if prefer in identity.roles else sorted(r.value for r in identity.roles)[0]


def _text(value: str | None, what: str, errors: list[str], required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        errors.append(f"{what}: motivering saknas")
    if len(text) > MAX_TEXT:
        errors.append(f"{what}: högst {MAX_TEXT} tecken")
    return text


def _signature(identity: Identity | None, role: str, at: datetime, kind: str) -> dict[str, Any]:
    if identity is None:
        return {"actor": "system:auto", "name": None, "title": None, "role": role, "at": at.isoformat(),
                "kind": kind}
    return {"actor": identity.actor, "name": identity.display_name, "title": identity.title, "role": role,
            "at": at.isoformat(), "kind": kind}


def record_hash(record: dict[str, Any]) -> str:
    return "sha256:" + hashlib.sha256(canonical_json(record)).hexdigest()


def _lock_case(s: Session, application_id: str, decision_id: str | None = None) -> CaseFile:
    app = s.get(Application, application_id, with_for_update=True)
    if app is None:
        raise CaseNotFound(application_id)
    case = load_case(s, application_id)
    if decision_id is not None and case.decision.id != decision_id:
        raise SignOffError(["Förslaget har ersatts av ett nyare; öppna ärendet igen."])
    if not case.basis_intact:
        raise SignOffError(["Det lagrade förslaget stämmer inte med sin hash; kontakta systemförvaltningen."])
    return case


def _add_row(
    s: Session, case: CaseFile, action: str, actor: str, role: str, at: datetime, record: dict[str, Any] | None,
    outcome: str | None, final: bool, needs_second: bool, first_id: str | None = None,
) -> SignOff:
    body = record if record is not None else {}
    row = SignOff(
        id=new_id(), application_id=case.app.id, decision_id=case.decision.id,
        proposal_hash=case.decision.basis_hash, action=action, first_id=first_id, actor=actor, role=role, at=at,
        outcome=outcome, final=final, needs_second=needs_second, protected=case.app.protected,
        municipality=case.app.municipality, month=case.app.month, record_hash=record_hash(body),
        record_json=json.dumps(body, ensure_ascii=False, sort_keys=True),
    )
    s.add(row)
    s.flush()
    return row


def _move(s: Session, app: Application, target: State, at: datetime) -> str:
    t = transition(app.state, target)
    app.state, app.state_reason, app.updated_at, app.last_note_at = target.value, None, at, at
    return t.event


# ------------------------------------------------------------------------------------------ actions
def sign(db: Database, identity: Identity, application_id: str, req: SignRequest, policy: Policy,
         letters: Any = None) -> Result:
    """Approve, amend or reject one proposal (the first signature)."""
    _require(identity, Action.SIGN)
    at = now()
    with db.transaction() as s:
        case = _lock_case(s, application_id, req.decision_id)
        if case.app.state != State.PROPOSED:
            raise SignOffError([f"Ärendet kan inte beslutas i läget {case.app.state}."])
        codes = reason_codes.for_municipality(case.app.municipality, policy.reason_codes_dir)
        today = at.date()
        errors: list[str] = []
        basis = case.basis
        overrides = _check_overrides(req, case, codes, today, errors)
        resolutions = _check_resolutions(req, case, codes, today, errors)
        decision_reason = None
        if req.action == "reject":
            if not req.reason_code or codes.check(req.reason_code, "reject", today) is None:
                errors.append("Avslag: välj en orsakskod")
            motivation = _text(req.motivation, "Avslag", errors)
            decision_reason = {"reason_code": req.reason_code, "label": codes.label(req.reason_code or ""),
                               "motivation": motivation}
        elif req.action == "amend" and not overrides:
            errors.append("Ändra: ändra minst ett belopp (eller godkänn förslaget som det är)")
        elif req.action == "approve" and req.overrides:
            errors.append("Godkänn: förslaget godkänns utan ändrade belopp (välj Ändra för att ändra)")
        note = _text(req.motivation, "Kommentar", errors, required=False) if req.action != "reject" else None
        if errors:
            raise SignOffError(errors)
        labels = {c.code: c.label for c in codes.codes.values()}
        computed = compute(case, overrides, labels)
        proposed = _ore(basis.amounts.proposed)
        if req.action == "reject":
            outcome, decided_total = "avslag", 0
        elif req.action == "approve" and basis.outcome in FROM_PROPOSAL:
            outcome, decided_total = FROM_PROPOSAL[basis.outcome], computed.total
        else:
            outcome, decided_total = derive_outcome(computed.total, computed.applied_total), computed.total
        four_eyes = four_eyes_reasons(case, proposed, decided_total, policy)
        needs_second = bool(four_eyes)
        role = _role_label(identity, Role.HANDLER)
        record = {
            "schema": SCHEMA,
            "application_id": case.app.id, "month": case.app.month, "municipality": case.app.municipality,
            "proposal": {
                "decision_id": case.decision.id, "basis_hash": case.decision.basis_hash,
                "revision_hash": case.decision.revision_hash, "outcome": basis.outcome,
                "proposed": basis.amounts.proposed,
                "rules": {"pack": basis.rules.pack, "hash": basis.rules.hash},
                "guideline": {"id": basis.guideline.id, "hash": basis.guideline.hash},
            },
            "action": req.action,
            "reason_codes": codes.ref(),
            "overrides": [
                {"line": o.line, "rule": basis.lines[o.line].rule, "allowed": basis.lines[o.line].amount,
                 "decided": format_ore(o.amount_ore), "reason_code": o.reason_code,
                 "label": codes.label(o.reason_code), "motivation": o.motivation}
                for o in overrides
            ],
            "resolutions": [
                {"finding": r.finding, "code": basis.findings[r.finding].code,
                 "rule": basis.findings[r.finding].rule, "person": basis.findings[r.finding].person,
                 "source": basis.findings[r.finding].source, "reason_code": r.reason_code,
                 "label": codes.label(r.reason_code), "motivation": r.motivation}
                for r in resolutions
            ],
            "trace": computed.steps,
            "amounts": {
                "norm": format_ore(computed.norm), "costs_accepted": format_ore(computed.costs),
                "income_counted": format_ore(computed.income), "calculated": format_ore(computed.total),
                "decided": format_ore(decided_total), "applied_for": format_ore(computed.applied_total),
            },
            "outcome": outcome,
            "decision_reason": decision_reason,
            "note": note or None,
            "four_eyes": {"required": needs_second, "reasons": four_eyes},
            "signatures": [_signature(identity, role, at, "decided")],
            "automated": None,
            "decided_at": None if needs_second else at.isoformat(),
        }
        row = _add_row(s, case, req.action, identity.actor, role, at, record, outcome, not needs_second,
                       needs_second)
        for o in overrides:
            s.add(SignOffOverride(sign_off_id=row.id, rule=basis.lines[o.line].rule, reason_code=o.reason_code))
        if req.action == "reject" and req.reason_code:
            s.add(SignOffOverride(sign_off_id=row.id, rule="outcome", reason_code=req.reason_code))
        target = State.AWAITING_SECOND_SIGNATURE if needs_second else State.SIGNED
        event = _move(s, case.app, target, at)
        append_event(s, identity.actor, event, f"application:{case.app.id}", {
            "sign_off": row.id, "decision": case.decision.id, "action": req.action, "outcome": outcome,
            "record_hash": row.record_hash, "complete": not needs_second, "four_eyes": four_eyes,
            "overrides": [[basis.lines[o.line].rule, o.reason_code] for o in overrides],
            "resolutions": [[basis.findings[r.finding].code, r.reason_code] for r in resolutions],
            "reason_code": req.reason_code,
        }, at)
        result = Result(row.id, target.value, needs_second, four_eyes=four_eyes)
        if not needs_second:
            result.letter_id = _letter(s, case, row, record, letters, at)
        return result


def _check_overrides(req: SignRequest, case: CaseFile, codes: reason_codes.ReasonCodeSet, today: date,
                     errors: list[str]) -> tuple[Override, ...]:
    lines = case.basis.lines
    seen: set[int] = set()
    out = []
    for o in req.overrides:
        if o.line < 0 or o.line >= len(lines) or line_group(lines[o.line].rule) == "result" or o.line in seen:
            errors.append("Okänd rad i beräkningen")
            continue
        seen.add(o.line)
        if o.amount_ore == _ore(lines[o.line].amount):
            continue  # unchanged: not an override
        what = f"Rad {o.line + 1} ({lines[o.line].rule})"
        if o.amount_ore < 0 or o.amount_ore > 100_000_000:
            errors.append(f"{what}: beloppet ska vara mellan 0 och 1 000 000 kr")
        if codes.check(o.reason_code, "override", today) is None:
            errors.append(f"{what}: välj en orsakskod")
        motivation = _text(o.motivation, what, errors)
        out.append(Override(o.line, o.amount_ore, o.reason_code, motivation))
    return tuple(sorted(out, key=lambda o: o.line))


def _check_resolutions(req: SignRequest, case: CaseFile, codes: reason_codes.ReasonCodeSet, today: date,
                       errors: list[str]) -> tuple[Resolution, ...]:
    findings = case.basis.findings
    given = {r.finding: r for r in req.resolutions}
    out = []
    for i, f in enumerate(findings):
        if f.severity != "manual":
            continue
        r = given.get(i)
        what = f"Fynd {i + 1} ({f.code})"
        if r is None or not r.reason_code:
            errors.append(f"{what}: ange hur fyndet har bedömts")
            continue
        if codes.check(r.reason_code, "finding", today) is None:
            errors.append(f"{what}: välj en orsakskod")
        motivation = _text(r.motivation, what, errors)
        out.append(Resolution(i, r.reason_code, motivation))
    return tuple(out)


def pending_first(s: Session, application_id: str, decision_id: str) -> SignOff | None:
    """The first signature waiting for a second one (none answered it yet)."""
    rows = s.execute(
        select(SignOff).where(SignOff.application_id == application_id, SignOff.decision_id == decision_id)
        .order_by(SignOff.at, SignOff.id)
    ).scalars().all()
    answered = {r.first_id for r in rows if r.first_id}
    waiting = [r for r in rows if r.needs_second and r.id not in answered]
    return waiting[-1] if waiting else None


def countersign(db: Database, identity: Identity, application_id: str, first_id: str, letters: Any = None) -> Result:
    """The second signature (four eyes): another person with the supervisor role."""
    _require(identity, Action.SECOND_SIGN)
    at = now()
    with db.transaction() as s:
        case = _lock_case(s, application_id)
        first = _waiting(s, case, first_id)
        if first.actor == identity.actor:
            raise SignOffError(["Den andra underskriften ska göras av en annan person än den som beslutade."])
        if first.record_json is None:
            raise SignOffError(["Beslutet har gallrats."])
        record = json.loads(first.record_json)
        record["signatures"].append(_signature(identity, Role.SUPERVISOR.value, at, "countersigned"))
        record["decided_at"] = at.isoformat()
        row = _add_row(s, case, "countersign", identity.actor, Role.SUPERVISOR.value, at, record, first.outcome,
                       True, False, first_id=first.id)
        event = _move(s, case.app, State.SIGNED, at)
        append_event(s, identity.actor, event, f"application:{case.app.id}", {
            "sign_off": row.id, "first": first.id, "decision": case.decision.id, "action": "countersign",
            "outcome": first.outcome, "record_hash": row.record_hash, "complete": True,
        }, at)
        result = Result(row.id, State.SIGNED.value, False)
        result.letter_id = _letter(s, case, row, record, letters, at)
        return result


def refuse(db: Database, identity: Identity, application_id: str, first_id: str, reason_code: str,
           motivation: str, policy: Policy) -> Result:
    """The supervisor does not countersign: the proposal goes back to the handlers (state proposed)."""
    _require(identity, Action.SECOND_SIGN)
    at = now()
    with db.transaction() as s:
        case = _lock_case(s, application_id)
        first = _waiting(s, case, first_id)
        codes = reason_codes.for_municipality(case.app.municipality, policy.reason_codes_dir)
        errors: list[str] = []
        if codes.check(reason_code, "refuse", at.date()) is None:
            errors.append("Välj en orsakskod")
        text = _text(motivation, "Återvisning", errors)
        if errors:
            raise SignOffError(errors)
        record = {"schema": SCHEMA, "application_id": case.app.id, "action": "refuse", "first": first.id,
                  "reason_code": reason_code, "label": codes.label(reason_code), "motivation": text,
                  "signatures": [_signature(identity, Role.SUPERVISOR.value, at, "refused")]}
        row = _add_row(s, case, "refuse", identity.actor, Role.SUPERVISOR.value, at, record, None, False, False,
                       first_id=first.id)
        event = _move(s, case.app, State.PROPOSED, at)
        append_event(s, identity.actor, event, f"application:{case.app.id}", {
            "sign_off": row.id, "first": first.id, "decision": case.decision.id, "reason_code": reason_code,
            "record_hash": row.record_hash,
        }, at)
        return Result(row.id, State.PROPOSED.value, False)


def _waiting(s: Session, case: CaseFile, first_id: str) -> SignOff:
    if case.app.state != State.AWAITING_SECOND_SIGNATURE:
        raise SignOffError(["Ärendet väntar inte på en andra underskrift."])
    first = pending_first(s, case.app.id, case.decision.id)
    if first is None or first.id != first_id:
        raise SignOffError(["Beslutet som väntar på underskrift har ändrats; öppna ärendet igen."])
    return first


def return_for_information(db: Database, identity: Identity, application_id: str, decision_id: str,
                           reason_code: str, motivation: str, policy: Policy) -> Result:
    """More information is needed: state ``returned``; a new revision starts at received."""
    _require(identity, Action.RETURN)
    at = now()
    with db.transaction() as s:
        case = _lock_case(s, application_id, decision_id)
        if case.app.state != State.PROPOSED:
            raise SignOffError([f"Ärendet kan inte återföras i läget {case.app.state}."])
        codes = reason_codes.for_municipality(case.app.municipality, policy.reason_codes_dir)
        errors: list[str] = []
        if codes.check(reason_code, "return", at.date()) is None:
            errors.append("Välj en orsakskod")
        text = _text(motivation, "Komplettering", errors)
        if errors:
            raise SignOffError(errors)
        role = _role_label(identity, Role.HANDLER)
        record = {"schema": SCHEMA, "application_id": case.app.id, "action": "return",
                  "proposal": {"decision_id": case.decision.id, "basis_hash": case.decision.basis_hash},
                  "reason_code": reason_code, "label": codes.label(reason_code), "motivation": text,
                  "signatures": [_signature(identity, role, at, "returned")]}
        row = _add_row(s, case, "return", identity.actor, role, at, record, None, False, False)
        s.add(SignOffOverride(sign_off_id=row.id, rule="return", reason_code=reason_code))
        event = _move(s, case.app, State.RETURNED, at)
        append_event(s, identity.actor, event, f"application:{case.app.id}", {
            "sign_off": row.id, "decision": case.decision.id, "reason_code": reason_code,
            "record_hash": row.record_hash,
        }, at)
        return Result(row.id, State.RETURNED.value, False)


def _letter(s: Session, case: CaseFile, row: SignOff, record: dict[str, Any], letters: Any, at: datetime) -> str:
    from adapters.driven.letters.letters import LetterMaker

    maker = letters if letters is not None else LetterMaker.default()
    return str(maker.create(s, case, row, record, at))


def signed_record(s: Session, application_id: str) -> SignOff | None:
    """The sign-off row that completed the application's current decision, if any."""
    app = s.get(Application, application_id)
    if app is None or not app.current_decision_id:
        return None
    return s.execute(
        select(SignOff).where(SignOff.application_id == application_id,
                              SignOff.decision_id == app.current_decision_id, SignOff.final.is_(True))
        .order_by(SignOff.at.desc()).limit(1)
    ).scalar_one_or_none()
