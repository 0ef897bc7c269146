"""Kommunicering (förvaltningslagen 2017:900 25 §): before a decision goes the applicant against on information
they have not seen (a registry answer that lowers the amount, a claimed cost reduced or not accepted), the
handler lets them comment on it.

``send`` records what is communicated (findings and lines of the proposal, chosen by the handler, their text
taken from the stored basis — never from the form), the reply-by date (default seven days, the Stockholm
calendar) and an optional message; the case is held in state ``awaiting_comment``. ``close`` records the
answer — or "inget svar", allowed once the reply-by date has passed — and the case goes back to where it was
(a proposal, or a signed decision about to be changed). A decision not to communicate is recorded with the
25 § exception that allows it (``skip_step``, written by the sign-off or the change in its own transaction).
Every step is an audit event in the same transaction as its row and its state move.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from decision.casework import Communication, NewCommunication, communication_status, open_communication
from decision.ports import Clock
from decision.services.signoff_types import CaseNotFound, Signer, SignOffError, _text
from decision.states import State
from decision.uow import Move, UnitOfWork

STOCKHOLM = ZoneInfo("Europe/Stockholm")
REPLY_DAYS = 7
LAW = "25 § förvaltningslagen (2017:900)"
# FL 25 § andra stycket: when the authority may decide without communicating (in the project's own words)
EXCEPTIONS = {
    "obehovligt": "Beslutet går inte parten emot, uppgiften saknar betydelse eller kommunicering är av någon "
                  "annan anledning uppenbart obehövlig (25 § andra stycket 1)",
    "genomforande": "Det kan befaras att beslutet annars blir avsevärt svårare att genomföra "
                    "(25 § andra stycket 2)",
    "bradskande": "Avgörandet kan inte skjutas upp (25 § andra stycket 3)",
}
FROM = (State.PROPOSED, State.SIGNED, State.AUTO_APPROVED)


@dataclass(frozen=True)
class SendRequest:
    decision_id: str  # the proposal the handler saw
    items: tuple[str, ...]  # "finding:<i>" or "line:<i>" of the proposal's basis
    reply_by: date | None = None
    message: str = ""


def stockholm_day(at: datetime) -> date:
    return at.astimezone(STOCKHOLM).date()


def default_reply_by(at: datetime) -> date:
    return stockholm_day(at) + timedelta(days=REPLY_DAYS)


def item_texts(basis: Any, refs: tuple[str, ...], errors: list[str]) -> list[dict[str, str]]:
    """The communicated items as the applicant reads them, from the stored basis."""
    out = []
    for ref in dict.fromkeys(refs):
        kind, _, index = ref.partition(":")
        i = int(index) if index.isdigit() else -1
        if kind == "finding" and 0 <= i < len(basis.findings):
            out.append({"ref": ref, "text": basis.findings[i].reason})
        elif kind == "line" and 0 <= i < len(basis.lines):
            line = basis.lines[i]
            out.append({"ref": ref, "text": f"{line.reason}: {line.amount.replace('.', ',')} kr"})
        else:
            errors.append("Kommunicering: en vald uppgift finns inte i förslaget")
    if not refs:
        errors.append("Kommunicering: välj minst en uppgift som den sökande ska få yttra sig över")
    return out


def send(uow: UnitOfWork, clock: Clock, signer: Signer, application_id: str, req: SendRequest) -> str:
    """Send the chosen findings and lines for comment; the case is held until the answer or the date."""
    at = clock.now()
    errors: list[str] = []
    reply_by = req.reply_by or default_reply_by(at)
    if reply_by <= stockholm_day(at):
        errors.append("Svara senast: datumet ska vara efter i dag")
    message = _text(req.message, "Meddelande", errors, required=False)
    with uow:
        app = uow.applications.lock([application_id]).get(application_id)
        case = uow.signoffs.case(application_id)
        if app is None or case is None:
            raise CaseNotFound(application_id)
        if case.decision_id != req.decision_id:
            errors.append("Förslaget har ersatts av ett nyare; öppna ärendet igen.")
        if app.state not in FROM:
            errors.append("Ärendet kan inte kommuniceras i det här läget.")
        items = item_texts(case.basis, req.items, errors)
        if errors:
            raise SignOffError(errors)
        row = NewCommunication(uow.new_id(), application_id, case.decision_id, "sent", signer.actor,
                               reply_by=reply_by, origin_state=app.state,
                               items_json=json.dumps(items, ensure_ascii=False), text=message or None)
        uow.casework.add_communication(row, at)
        uow.applications.move([Move(application_id, app.state, State.AWAITING_COMMENT, signer.actor, {
            "communication": row.id, "decision": case.decision_id, "reply_by": reply_by.isoformat(),
            "items": [i["ref"] for i in items], "law": LAW, "state": State.AWAITING_COMMENT.value,
        }, columns={"last_note_at": at})], at)
        uow.commit()
    return row.id


def close(uow: UnitOfWork, clock: Clock, signer: Signer, application_id: str, communication_id: str,
          answer: str, no_answer: bool = False) -> str:
    """Record the applicant's answer (or "inget svar" once the date has passed); the case goes back."""
    at = clock.now()
    errors: list[str] = []
    text = _text(answer, "Svar", errors, required=not no_answer)
    with uow:
        app = uow.applications.lock([application_id]).get(application_id)
        if app is None:
            raise CaseNotFound(application_id)
        sent = open_communication(uow.casework.communications(application_id))
        if app.state != State.AWAITING_COMMENT or sent is None or sent.id != communication_id:
            raise SignOffError(["Kommuniceringen är redan avslutad eller har ändrats; öppna ärendet igen."])
        assert sent.reply_by is not None and sent.origin_state is not None
        if no_answer and stockholm_day(at) <= sent.reply_by:
            errors.append(f"Inget svar kan registreras först när svarstiden har gått ut ({sent.reply_by.isoformat()})")
        if errors:
            raise SignOffError(errors)
        row = NewCommunication(uow.new_id(), application_id, sent.decision_id, "closed", signer.actor,
                               refers_to=sent.id, text=text or None, outcome="no_answer" if no_answer else "answered")
        uow.casework.add_communication(row, at)
        back = State(sent.origin_state)
        uow.applications.move([Move(application_id, State.AWAITING_COMMENT.value, back, signer.actor, {
            "communication": row.id, "sent": sent.id, "decision": sent.decision_id, "outcome": row.outcome,
            "state": back.value,
        }, columns={"last_note_at": at})], at)
        uow.commit()
    return row.id


def skip_step(uow: UnitOfWork, application_id: str, decision_id: str, actor: str, exception: str,
              motivation: str, errors: list[str]) -> NewCommunication | None:
    """A decision not to communicate (checked; the caller writes it with ``add_communication`` in its
    transaction, and names it in its own audit event)."""
    if exception not in EXCEPTIONS:
        errors.append("Kommunicering: välj vilket undantag i 25 § förvaltningslagen som gäller")
        return None
    text = _text(motivation, "Kommunicering", errors)
    return NewCommunication(uow.new_id(), application_id, decision_id, "skipped", actor, text=text,
                            outcome=exception)


def status(rows: list[Communication], decision_id: str, since: datetime | None = None) -> dict[str, Any]:
    """What the record says of kommunicering before a disadvantageous decision: done, skipped or missing."""
    last = communication_status(rows, decision_id, since)
    if last is None:
        return {"status": "missing", "law": LAW}
    if last.step == "skipped":
        return {"status": "skipped", "exception": last.outcome, "label": EXCEPTIONS.get(last.outcome or "", ""),
                "motivation": last.text, "id": last.id, "law": LAW}
    return {"status": "done", "id": last.refers_to, "answer": last.outcome, "law": LAW}
