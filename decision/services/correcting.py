"""Rättelse and ändring after a decision (förvaltningslagen 2017:900 36–39 §§).

On a signed decision a handler may **correct** an obvious mistake — a slip in writing or arithmetic or a
similar oversight (rättelse, 36 §) — or **change** the decision (ändring, 37–39 §§). Either is computed on the
SAME proposal with its pinned pack: the handler gives the full set of changed lines (the rules recompute them
with ``OverrideEvaluator.apply_overrides``, as when amending), and the result is a new signed decision with
its own record, letter, reason and audit events that **supersedes** the old one (a ``decision_change`` row
names both); the old one stays stored and readable.

Whether the change goes the applicant against is computed — the new decided total is lower than the old
one — never asked. A change to the applicant's disadvantage is allowed only on a ground of 37 § andra
stycket, which the handler picks and which is recorded; a rättelse may go either way (36 §). Before either
goes the applicant against, kommunicering (25 §) is checked as when signing: done after the old decision,
consciously skipped with the exception and why, or missing (then the record says so and the signer is
warned). Four eyes apply as to any decision (``four_eyes_reasons``): above the limit the change waits for a
second signature, and the countersignature completes it (decision/services/signoff.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from decision.casework import NewCommunication, Signed
from decision.money import format_ore
from decision.overrides import LineOverride, Recomputed
from decision.services import communicating
from decision.services.etjanst import notify_applicant
from decision.services.signoff import NOT_COMMUNICATED, _check_overrides, link_change
from decision.services.signoff_types import (
    SCHEMA,
    Override,
    Policy,
    Result,
    Signer,
    SignOffError,
    SignOffPorts,
    SignRequest,
    _text,
    derive_outcome,
    four_eyes_reasons,
    load,
    ore,
    relock,
    sign_off_row,
    signature,
    store_letter,
)
from decision.states import State
from decision.uow import CaseView, Move, UnitOfWork

KINDS = {"rattelse": ("Rättelse", "36 § förvaltningslagen (2017:900)"),
         "andring": ("Ändring", "37 § förvaltningslagen (2017:900)")}
# 37 § andra stycket: when a favourable decision may be changed to the applicant's disadvantage
GROUNDS = {
    "forbehall": "Det framgår av beslutet eller av de föreskrifter som gäller för det att det får ändras "
                 "(37 § andra stycket 1)",
    "sakerhet": "Tvingande säkerhetsskäl kräver att beslutet ändras omedelbart (37 § andra stycket 2)",
    "uppgifter": "Felaktigheten beror på att den sökande har lämnat oriktiga eller vilseledande uppgifter "
                 "(37 § andra stycket 3)",
}
FROM = (State.SIGNED, State.AUTO_APPROVED)


@dataclass(frozen=True)
class ChangeRequest:
    kind: str  # rattelse | andring
    signed_id: str  # the signed decision the handler saw (a replaced one is refused)
    overrides: tuple[Override, ...]  # every line decided otherwise than the proposal, as after the change
    reason: str  # why: the mistake corrected, or why the decision is changed
    ground: str | None = None  # ändring to the applicant's disadvantage: a key of GROUNDS
    skip_communication: tuple[str, str] | None = None  # no kommunicering (FL 25 §): (exception, motivation)


@dataclass
class Planned:
    """A change worked out before anything is written (the preview shows it; ``change`` signs it)."""

    case: CaseView
    signed: Signed
    previous: dict[str, Any]
    overrides: tuple[Override, ...]
    computed: Recomputed
    outcome: str
    total: int
    previous_total: int
    disadvantage: bool
    communication: dict[str, Any] | None
    warnings: list[str] = field(default_factory=list)


def _signed(uow: UnitOfWork, case: CaseView, signed_id: str) -> Signed:
    signed = uow.casework.signed(case.app.id)
    if case.app.state not in FROM or signed is None:
        raise SignOffError(["Ärendet har inget beslut som kan rättas eller ändras i det här läget."])
    if signed.id != signed_id or signed.decision_id != case.decision_id:
        raise SignOffError(["Beslutet har redan ändrats eller ersatts; öppna ärendet igen."])
    if signed.record_json is None:
        raise SignOffError(["Beslutet har gallrats."])
    return signed


def plan(uow: UnitOfWork, ports: SignOffPorts, application_id: str, req: ChangeRequest) -> Planned:
    """Check the request and recompute the decision with the rules; nothing is written."""
    at = ports.clock.now()
    with uow:
        case = load(uow, application_id)
        signed = _signed(uow, case, req.signed_id)
        rows = uow.casework.communications(application_id)
    previous: dict[str, Any] = json.loads(signed.record_json or "{}")
    codes = ports.reason_codes(case.app.municipality)
    errors: list[str] = []
    if req.kind not in KINDS:
        errors.append("Välj rättelse eller ändring")
    overrides = _check_overrides(SignRequest("amend", case.decision_id, overrides=req.overrides), case, codes,
                                 at.date(), errors, ports)
    _text(req.reason, "Skäl till rättelsen eller ändringen", errors)
    if errors:
        raise SignOffError(errors)
    computed = ports.overrides.apply_overrides(case.bundle, case.basis, [
        LineOverride(o.line, o.amount_ore, o.reason_code, codes.label(o.reason_code)) for o in overrides])
    total = computed.total
    previous_total = ore(str(previous.get("amounts", {}).get("decided", "0.00")))
    before = {(o["line"], o["decided"]) for o in previous.get("overrides", [])}
    if req.kind == "andring" and before == {(o.line, format_ore(o.amount_ore)) for o in overrides}:
        errors.append("Ändring: inget belopp är ändrat mot det gällande beslutet")
    disadvantage = total < previous_total
    if req.kind == "andring" and disadvantage and req.ground not in GROUNDS:
        errors.append("Ändringen är till den sökandes nackdel: välj vilken grund i 37 § andra stycket "
                      "förvaltningslagen som gäller")
    if errors:
        raise SignOffError(errors)
    planned = Planned(case, signed, previous, overrides, computed, derive_outcome(total, computed.applied_total),
                      total, previous_total, disadvantage, None)
    if disadvantage:
        planned.communication = communicating.status(rows, case.decision_id, since=signed.at)
        if planned.communication["status"] == "missing" and req.skip_communication is None:
            planned.warnings.append(NOT_COMMUNICATED)
    return planned


def change(uow: UnitOfWork, ports: SignOffPorts, signer: Signer, application_id: str, req: ChangeRequest,
           policy: Policy) -> Result:
    """Sign the rättelse or ändring: a new decision superseding the old one (or waiting for four eyes)."""
    p = plan(uow, ports, application_id, req)
    at = ports.clock.now()
    case, basis = p.case, p.case.basis
    codes = ports.reason_codes(case.app.municipality)
    skipped: NewCommunication | None = None
    if p.communication is not None and p.communication["status"] == "missing" and req.skip_communication:
        errors: list[str] = []
        skipped = communicating.skip_step(uow, case.app.id, case.decision_id, signer.actor,
                                          req.skip_communication[0], req.skip_communication[1], errors)
        if errors or skipped is None:
            raise SignOffError(errors)
        p.communication = {"status": "skipped", "exception": skipped.outcome, "motivation": skipped.text,
                           "label": communicating.EXCEPTIONS[skipped.outcome or ""], "id": skipped.id,
                           "law": communicating.LAW}
    four_eyes = four_eyes_reasons(basis, ore(basis.amounts.proposed), p.total, policy)
    needs_second = bool(four_eyes)
    label, law = KINDS[req.kind]
    record = {
        "schema": SCHEMA,
        "application_id": case.app.id, "month": case.app.month, "municipality": case.app.municipality,
        "proposal": p.previous.get("proposal"),
        "action": req.kind,
        "reason_codes": codes.ref(),
        "overrides": [
            {"line": o.line, "rule": basis.lines[o.line].rule, "allowed": basis.lines[o.line].amount,
             "decided": format_ore(o.amount_ore), "reason_code": o.reason_code,
             "label": codes.label(o.reason_code), "motivation": o.motivation}
            for o in p.overrides
        ],
        "resolutions": p.previous.get("resolutions", []),
        "trace": list(p.computed.steps),
        "amounts": {
            "norm": format_ore(p.computed.norm), "costs_accepted": format_ore(p.computed.costs),
            "income_counted": format_ore(p.computed.income), "calculated": format_ore(p.computed.total),
            "decided": format_ore(p.total), "applied_for": format_ore(p.computed.applied_total),
        },
        "outcome": p.outcome,
        "decision_reason": None,
        "note": None,
        "change": {
            "kind": req.kind, "label": label, "law": law, "supersedes": p.signed.id,
            "reason": req.reason.strip(), "disadvantage": p.disadvantage,
            "ground": req.ground if req.kind == "andring" and p.disadvantage else None,
            "ground_label": GROUNDS.get(req.ground or "") if req.kind == "andring" and p.disadvantage else None,
            "previous": {"outcome": p.previous.get("outcome"), "decided": format_ore(p.previous_total),
                         "decided_at": p.previous.get("decided_at")},
        },
        "four_eyes": {"required": needs_second, "reasons": four_eyes},
        "signatures": [signature(signer, at, "decided")],
        "automated": None,
        "decided_at": None if needs_second else at.isoformat(),
    }
    if p.communication is not None:
        record["communication"] = p.communication
    letter = None if needs_second else ports.letters.render(case, record, at)  # before the transaction
    before = {(o["line"], o["decided"]) for o in p.previous.get("overrides", [])}
    stats = tuple((basis.lines[o.line].rule, o.reason_code) for o in p.overrides
                  if (o.line, format_ore(o.amount_ore)) not in before)  # only what this change changed
    target = State.AWAITING_SECOND_SIGNATURE if needs_second else State.SIGNED
    with uow:
        source = State(case.app.state)
        relock(uow, case, source)
        _signed(uow, case, req.signed_id)
        row = sign_off_row(uow, case, req.kind, signer, record, p.outcome, not needs_second, needs_second,
                           overrides=stats)
        uow.signoffs.add(row, at)
        if skipped is not None:
            uow.casework.add_communication(skipped, at)
        if not needs_second:
            link_change(uow, case, record, row.id, signer.actor, at)
        uow.applications.move([Move(case.app.id, source.value, target, signer.actor, {
            "sign_off": row.id, "decision": case.decision_id, "action": req.kind, "outcome": p.outcome,
            "record_hash": row.record_hash, "complete": not needs_second, "four_eyes": four_eyes,
            "supersedes": p.signed.id, "disadvantage": p.disadvantage, "ground": record["change"]["ground"],
            "overrides": [[basis.lines[o.line].rule, o.reason_code] for o in p.overrides],
            "communication": p.communication["status"] if p.communication else None, "state": target.value,
        }, columns={"last_note_at": at}, event="decision_changed")], at)
        result = Result(row.id, target.value, needs_second, four_eyes=four_eyes, warnings=p.warnings)
        if letter is not None:
            result.letter_id = store_letter(uow, case, row, letter, at)
        uow.commit()
    if letter is not None:  # the changed decision's letter is available: the applicant is told, never what
        notify_applicant(ports.notifier, case.app.household_key, "decision_made")
    return result

