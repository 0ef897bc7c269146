"""Sign-off: a handler decides on finaid's proposal; the result is a ``finaid.signed-decision/1`` record.

Actions on a proposal: **approve** (as proposed), **amend** (some lines decided differently, each with a
reason code and a motivation), **reject** (against the proposal, with a reason code and a motivation),
**return** (more information needed; state ``returned``). Every MANUAL finding needs a resolution before
approve, amend or reject. Overridden lines are recomputed by the rule pack's own formulas as trace steps
(``OverrideEvaluator.apply_overrides``, the code that made the proposal). Four eyes: a decision that
changes the total by more than the configured amount, or a case with a configured finding, waits for a
second signature by another person (``countersign`` or ``refuse``). No bulk approval. Every action is an
audit event written in the same transaction as the state change, the sign-off row and (when the decision
is complete) the letter — rendered BEFORE that transaction opens, so the audit chain's head is never
locked while a PDF is made: the case is read, the record built and the letter rendered first; the write
then re-checks under lock that nothing changed. The record's format is docs/signed-decision.md; which
roles may act is checked by the driving adapter (adapters/web/roles.py).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from decision.casework import NewChange, NewCommunication
from decision.money import format_ore
from decision.overrides import LineOverride
from decision.services import communicating
from decision.services.etjanst import notify_applicant
from decision.services.signoff_types import (
    FROM_PROPOSAL,
    SCHEMA,
    CaseNotFound,
    Override,
    Policy,
    ReasonCodes,
    Resolution,
    Result,
    Signer,
    SignOffError,
    SignOffPorts,
    SignRequest,
    _text,
    derive_outcome,
    four_eyes_reasons,
    load,
    move,
    ore,
    relock,
    sign_off_row,
    signature,
    store_letter,
)
from decision.states import State
from decision.uow import CaseView, Move, SignOffView, UnitOfWork

__all__ = ["CaseNotFound", "Override", "Policy", "Resolution", "Result", "SignOffError", "SignRequest", "Signer",
           "countersign", "refuse", "return_for_information", "sign"]


def sign(uow: UnitOfWork, ports: SignOffPorts, signer: Signer, application_id: str, req: SignRequest,
         policy: Policy) -> Result:
    """Approve, amend or reject one proposal (the first signature)."""
    at = ports.clock.now()
    with uow:
        case = load(uow, application_id, req.decision_id)
    if case.app.state != State.PROPOSED:
        raise SignOffError([f"Ärendet kan inte beslutas i läget {case.app.state}."])
    codes = ports.reason_codes(case.app.municipality)
    today = at.date()
    errors: list[str] = []
    basis = case.basis
    overrides = _check_overrides(req, case, codes, today, errors, ports)
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
    computed = ports.overrides.apply_overrides(case.bundle, basis, [
        LineOverride(o.line, o.amount_ore, o.reason_code, codes.label(o.reason_code)) for o in overrides])
    proposed = ore(basis.amounts.proposed)
    if req.action == "reject":
        outcome, decided_total = "avslag", 0
    elif req.action == "approve" and basis.outcome in FROM_PROPOSAL:
        outcome, decided_total = FROM_PROPOSAL[basis.outcome], computed.total
    else:
        outcome, decided_total = derive_outcome(computed.total, computed.applied_total), computed.total
    four_eyes = four_eyes_reasons(basis, proposed, decided_total, policy)
    needs_second = bool(four_eyes)
    warnings: list[str] = []
    skipped, communication = _communication(uow, case, req.skip_communication, signer.actor,
                                            decided_total < computed.applied_total, warnings)
    record = {
        "schema": SCHEMA,
        "application_id": case.app.id, "month": case.app.month, "municipality": case.app.municipality,
        "proposal": _proposal(case),
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
        "trace": list(computed.steps),
        "amounts": {
            "norm": format_ore(computed.norm), "costs_accepted": format_ore(computed.costs),
            "income_counted": format_ore(computed.income), "calculated": format_ore(computed.total),
            "decided": format_ore(decided_total), "applied_for": format_ore(computed.applied_total),
        },
        "outcome": outcome,
        "decision_reason": decision_reason,
        "note": note or None,
        "four_eyes": {"required": needs_second, "reasons": four_eyes},
        "signatures": [signature(signer, at, "decided")],
        "automated": None,
        "decided_at": None if needs_second else at.isoformat(),
    }
    if communication is not None:
        record["communication"] = communication
    letter = None if needs_second else ports.letters.render(case, record, at)  # before the transaction
    stats = tuple((basis.lines[o.line].rule, o.reason_code) for o in overrides)
    if req.action == "reject" and req.reason_code:
        stats += (("outcome", req.reason_code),)
    target = State.AWAITING_SECOND_SIGNATURE if needs_second else State.SIGNED
    with uow:
        relock(uow, case, State.PROPOSED)
        row = sign_off_row(uow, case, req.action, signer, record, outcome, not needs_second, needs_second,
                           overrides=stats)
        uow.signoffs.add(row, at)
        if skipped is not None:
            uow.casework.add_communication(skipped, at)
        move(uow, case, State.PROPOSED, target, signer.actor, {
            "sign_off": row.id, "decision": case.decision_id, "action": req.action, "outcome": outcome,
            "record_hash": row.record_hash, "complete": not needs_second, "four_eyes": four_eyes,
            "overrides": [[basis.lines[o.line].rule, o.reason_code] for o in overrides],
            "resolutions": [[basis.findings[r.finding].code, r.reason_code] for r in resolutions],
            "reason_code": req.reason_code,
            **({"communication": communication["status"]} if communication is not None else {}),
        }, at)
        result = Result(row.id, target.value, needs_second, four_eyes=four_eyes, warnings=warnings)
        if letter is not None:
            result.letter_id = store_letter(uow, case, row, letter, at)
        uow.commit()
    if letter is not None:  # signed and its letter made available: the applicant is told something happened
        notify_applicant(ports.notifier, case.app.household_key, "decision_made")
    return result


NOT_COMMUNICATED = ("Beslutet går den sökande emot och ingen kommunicering är gjord (25 § förvaltningslagen): "
                    "kommunicera först, eller ange vilket undantag som gäller och varför.")


def _communication(uow: UnitOfWork, case: CaseView, skip: tuple[str, str] | None, actor: str, disadvantage: bool,
                   warnings: list[str]) -> tuple[NewCommunication | None, dict[str, Any] | None]:
    """Kommunicering before a decision that goes the applicant against: done, consciously skipped (the FL 25 §
    exception and why: the row to write), or missing — then the record says so and the signer is warned."""
    if not disadvantage:
        return None, None
    with uow:
        status = communicating.status(uow.casework.communications(case.app.id), case.decision_id)
    if status["status"] != "missing" or skip is None:
        if status["status"] == "missing":
            warnings.append(NOT_COMMUNICATED)
        return None, status
    errors: list[str] = []
    step = communicating.skip_step(uow, case.app.id, case.decision_id, actor, skip[0], skip[1], errors)
    if errors or step is None:
        raise SignOffError(errors)
    return step, {"status": "skipped", "exception": step.outcome, "label": communicating.EXCEPTIONS[skip[0]],
                  "motivation": step.text, "id": step.id, "law": communicating.LAW}


def link_change(uow: UnitOfWork, case: CaseView, record: dict[str, Any], new_id: str, actor: str,
                at: datetime) -> None:
    """A completed rättelse or ändring supersedes the old signed decision (decision/services/correcting.py), in
    the caller's transaction and before its event (which carries the row's record hash)."""
    c = record["change"]
    uow.casework.add_change(NewChange(uow.new_id(), case.app.id, case.decision_id, c["supersedes"], new_id,
                                      c["kind"], c["ground"], bool(c["disadvantage"]), actor), at)


def _proposal(case: CaseView) -> dict[str, Any]:
    basis = case.basis
    return {
        "decision_id": case.decision_id, "basis_hash": case.basis_hash, "revision_hash": case.revision_hash,
        "outcome": basis.outcome, "proposed": basis.amounts.proposed,
        "rules": {"pack": basis.rules.pack, "hash": basis.rules.hash},
        "guideline": {"id": basis.guideline.id, "hash": basis.guideline.hash},
    }


def _check_overrides(req: SignRequest, case: CaseView, codes: ReasonCodes, today: date, errors: list[str],
                     ports: SignOffPorts) -> tuple[Override, ...]:
    lines = case.basis.lines
    seen: set[int] = set()
    out = []
    for o in req.overrides:
        if o.line < 0 or o.line >= len(lines) or ports.line_group(lines[o.line].rule) == "result" or o.line in seen:
            errors.append("Okänd rad i beräkningen")
            continue
        seen.add(o.line)
        if o.amount_ore == ore(lines[o.line].amount):
            continue  # unchanged: not an override
        what = f"Rad {o.line + 1} ({lines[o.line].rule})"
        if o.amount_ore < 0 or o.amount_ore > 100_000_000:
            errors.append(f"{what}: beloppet ska vara mellan 0 och 1 000 000 kr")
        if codes.check(o.reason_code, "override", today) is None:
            errors.append(f"{what}: välj en orsakskod")
        motivation = _text(o.motivation, what, errors)
        out.append(Override(o.line, o.amount_ore, o.reason_code, motivation))
    return tuple(sorted(out, key=lambda o: o.line))


def _check_resolutions(req: SignRequest, case: CaseView, codes: ReasonCodes, today: date,
                       errors: list[str]) -> tuple[Resolution, ...]:
    given = {r.finding: r for r in req.resolutions}
    out = []
    for i, f in enumerate(case.basis.findings):
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


def _waiting(uow: UnitOfWork, case: CaseView, first_id: str) -> SignOffView:
    if case.app.state != State.AWAITING_SECOND_SIGNATURE:
        raise SignOffError(["Ärendet väntar inte på en andra underskrift."])
    first = uow.signoffs.pending_first(case.app.id, case.decision_id)
    if first is None or first.id != first_id:
        raise SignOffError(["Beslutet som väntar på underskrift har ändrats; öppna ärendet igen."])
    return first


def countersign(uow: UnitOfWork, ports: SignOffPorts, signer: Signer, application_id: str, first_id: str) -> Result:
    """The second signature (four eyes): another person with the supervisor role."""
    at = ports.clock.now()
    with uow:
        case = load(uow, application_id)
        first = _waiting(uow, case, first_id)
    if first.actor == signer.actor:
        raise SignOffError(["Den andra underskriften ska göras av en annan person än den som beslutade."])
    if first.record_json is None:
        raise SignOffError(["Beslutet har gallrats."])
    record = json.loads(first.record_json)
    record["signatures"].append(signature(signer, at, "countersigned"))
    record["decided_at"] = at.isoformat()
    letter = ports.letters.render(case, record, at)  # before the transaction
    with uow:
        relock(uow, case, State.AWAITING_SECOND_SIGNATURE)
        _waiting(uow, case, first_id)
        row = sign_off_row(uow, case, "countersign", signer, record, first.outcome, True, False, first_id=first.id)
        uow.signoffs.add(row, at)
        if record.get("change"):  # a rättelse or ändring: now it supersedes the old decision
            link_change(uow, case, record, row.id, signer.actor, at)
        move(uow, case, State.AWAITING_SECOND_SIGNATURE, State.SIGNED, signer.actor, {
            "sign_off": row.id, "first": first.id, "decision": case.decision_id, "action": "countersign",
            "outcome": first.outcome, "record_hash": row.record_hash, "complete": True,
        }, at)
        result = Result(row.id, State.SIGNED.value, False)
        result.letter_id = store_letter(uow, case, row, letter, at)
        uow.commit()
    notify_applicant(ports.notifier, case.app.household_key, "decision_made")
    return result


def _reasoned(codes: ReasonCodes, reason_code: str, action: str, day: date, motivation: str, what: str) -> str:
    """A refusal's or a return's reason code (valid that day) and motivation; every error named at once."""
    errors: list[str] = []
    if codes.check(reason_code, action, day) is None:
        errors.append("Välj en orsakskod")
    text = _text(motivation, what, errors)
    if errors:
        raise SignOffError(errors)
    return text


def refuse(uow: UnitOfWork, ports: SignOffPorts, signer: Signer, application_id: str, first_id: str,
           reason_code: str, motivation: str) -> Result:
    """The supervisor does not countersign: the proposal goes back to the handlers (state proposed)."""
    at = ports.clock.now()
    with uow:
        uow.applications.lock([application_id])
        case = load(uow, application_id)
        first = _waiting(uow, case, first_id)
        codes = ports.reason_codes(case.app.municipality)
        text = _reasoned(codes, reason_code, "refuse", at.date(), motivation, "Återvisning")
        record = {"schema": SCHEMA, "application_id": case.app.id, "action": "refuse", "first": first.id,
                  "reason_code": reason_code, "label": codes.label(reason_code), "motivation": text,
                  "signatures": [signature(signer, at, "refused")]}
        row = sign_off_row(uow, case, "refuse", signer, record, None, False, False, first_id=first.id)
        uow.signoffs.add(row, at)
        # a refused change leaves the old decision in force (signed); a refused first decision goes back
        back = State.SIGNED if first.record_json and json.loads(first.record_json).get("change") else State.PROPOSED
        uow.applications.move([Move(case.app.id, State.AWAITING_SECOND_SIGNATURE.value, back, signer.actor, {
            "sign_off": row.id, "first": first.id, "decision": case.decision_id, "reason_code": reason_code,
            "record_hash": row.record_hash, "state": back.value,
        }, columns={"last_note_at": at}, event="second_signature_refused")], at)
        uow.commit()
    return Result(row.id, back.value, False)


def return_for_information(uow: UnitOfWork, ports: SignOffPorts, signer: Signer, application_id: str,
                           decision_id: str, reason_code: str, motivation: str) -> Result:
    """More information is needed: state ``returned``; a new revision starts at received."""
    at = ports.clock.now()
    with uow:
        uow.applications.lock([application_id])
        case = load(uow, application_id, decision_id)
        if case.app.state != State.PROPOSED:
            raise SignOffError([f"Ärendet kan inte återföras i läget {case.app.state}."])
        codes = ports.reason_codes(case.app.municipality)
        text = _reasoned(codes, reason_code, "return", at.date(), motivation, "Komplettering")
        record = {"schema": SCHEMA, "application_id": case.app.id, "action": "return",
                  "proposal": {"decision_id": case.decision_id, "basis_hash": case.basis_hash},
                  "reason_code": reason_code, "label": codes.label(reason_code), "motivation": text,
                  "signatures": [signature(signer, at, "returned")]}
        row = sign_off_row(uow, case, "return", signer, record, None, False, False,
                           overrides=(("return", reason_code),))
        uow.signoffs.add(row, at)
        move(uow, case, State.PROPOSED, State.RETURNED, signer.actor, {
            "sign_off": row.id, "decision": case.decision_id, "reason_code": reason_code,
            "record_hash": row.record_hash,
        }, at)
        uow.commit()
    notify_applicant(ports.notifier, case.app.household_key, "information_requested")
    return Result(row.id, State.RETURNED.value, False)
