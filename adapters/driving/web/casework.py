"""Casework in the web app: rättelse/ändring after a decision, kommunicering and journal notes — the role
check, then the use cases (decision/services/correcting.py, communicating.py, notes.py) with the sign-off's
ports; and the reads the case page and the queue show (decision history, notes, kommunicering, held cases).
Who may: whoever may sign (``Action.SIGN``: handler, supervisor); reading is ``view_case``."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from adapters.driven.db.casework import SqlCasework
from adapters.driven.db.engine import Database
from adapters.driven.db.models import Application, Letter, SignOff
from adapters.driven.db.models_casework import CommunicationStep
from adapters.driven.db.uow import SqlUnitOfWork
from adapters.driving.web.auth import Identity
from adapters.driving.web.presentation import codes_sv
from adapters.driving.web.roles import Action, Role, allowed
from adapters.driving.web.scope import visible
from adapters.driving.web.signoff import Forbidden, Policy, _signer, ports
from decision.casework import Signed, open_communication
from decision.ports import Clock
from decision.services import communicating, correcting, notes
from decision.services.signoff_types import LetterRenderer, Result

MESSAGES = {
    "changed": "Det nya beslutet är fattat, ersätter det tidigare och beslutsbrevet är skapat.",
    "change_awaiting": "Det nya beslutet väntar på en andra underskrift av en arbetsledare (fyra ögon).",
    "communicated": "Kommuniceringen är registrerad: ärendet väntar på svar.",
    "answered": "Svaret är registrerat; ärendet kan beslutas.",
    "noted": "Anteckningen är sparad.",
}


EXCEPTIONS = communicating.EXCEPTIONS
GROUNDS = correcting.GROUNDS


def skip_from(form: Any) -> tuple[str, str] | None:
    """The FL 25 § exception the signer chose instead of kommunicering (None: none chosen)."""
    exception = str(form.get("skip_exception") or "")
    return (exception, str(form.get("skip_motivation") or "")) if exception else None


def applicant_text(text: str) -> str:
    """A finding or line as the applicant reads it in the kommuniceringsbrev: codes in Swedish, and without
    the sentences addressed to the handler."""
    sentences = codes_sv(text).split(". ")
    kept = [s for s in sentences if not s.startswith(("Handläggaren", "Bedöm", "Kontrollera", "Pröva"))]
    out = ". ".join(kept or sentences).strip()
    return out if out.endswith(".") else out + "."


def _require(identity: Identity, action: Action) -> None:
    if not allowed(identity.roles, action):
        raise Forbidden(f"{identity.actor} may not {action.value}")


# ------------------------------------------------------------------------------------------ actions
def plan_change(db: Database, identity: Identity, application_id: str, req: correcting.ChangeRequest,
                policy: Policy, clock: Clock) -> correcting.Planned:
    """The rules' recomputation of a rättelse or ändring (the preview; nothing is written)."""
    _require(identity, Action.SIGN)
    return correcting.plan(SqlUnitOfWork(db), ports(policy, None, clock), application_id, req)


def change(db: Database, identity: Identity, application_id: str, req: correcting.ChangeRequest, policy: Policy,
           letters: LetterRenderer | None, clock: Clock) -> Result:
    _require(identity, Action.SIGN)
    return correcting.change(SqlUnitOfWork(db), ports(policy, letters, clock, db=db), _signer(identity, Role.HANDLER),
                             application_id, req, policy)


def send(db: Database, identity: Identity, application_id: str, req: communicating.SendRequest, clock: Clock) -> str:
    _require(identity, Action.SIGN)
    return communicating.send(SqlUnitOfWork(db), clock, _signer(identity, Role.HANDLER), application_id, req)


def close(db: Database, identity: Identity, application_id: str, communication_id: str, answer: str,
          no_answer: bool, clock: Clock) -> str:
    _require(identity, Action.SIGN)
    return communicating.close(SqlUnitOfWork(db), clock, _signer(identity, Role.HANDLER), application_id,
                               communication_id, answer, no_answer)


def add_note(db: Database, identity: Identity, application_id: str, text: str, refers_to: str | None,
             clock: Clock) -> str:
    _require(identity, Action.SIGN)
    return notes.add_note(SqlUnitOfWork(db), clock, _signer(identity, Role.HANDLER), application_id, text,
                          refers_to).note_id


# ------------------------------------------------------------------------------------------ reads
@dataclass
class CaseworkView:
    """What the case page shows of the casework (personal data: the page has written the access log)."""

    history: list[dict[str, Any]]  # every completed decision, newest first, with what replaced it
    signed_id: str | None  # the decision in force
    notes: list[Any]
    communications: list[dict[str, Any]]
    waiting: Any  # the open kommunicering
    status: dict[str, Any]  # kommunicering of the current proposal since the decision in force


def page(s: Session, app_id: str, decision_id: str) -> CaseworkView:
    repo = SqlCasework(s)
    replaced = repo.superseded(app_id)
    finals = s.execute(select(SignOff).where(SignOff.application_id == app_id, SignOff.final.is_(True))
                       .order_by(SignOff.at.desc(), SignOff.id.desc())).scalars().all()
    # the decision in force: as SqlCasework.signed reads it (the newest final row not superseded by a change),
    # from the rows already read
    signed = next((Signed(r.id, r.decision_id, r.actor, r.at, r.outcome, r.record_json)
                   for r in finals if r.id not in replaced), None)
    letters = {sid: lid for lid, sid in s.execute(select(Letter.id, Letter.sign_off_id)
                                                   .where(Letter.application_id == app_id))}
    history = []
    for row in finals:
        record = {"change": None, "automated": None, "amounts": None, "signatures": [], "decided_at": None,
                  "outcome": row.outcome, "overrides": [], **(json.loads(row.record_json) if row.record_json else {})}
        history.append({"row": row, "record": record, "letter": letters.get(row.id),
                        "replaced_by": replaced.get(row.id), "in_force": signed is not None and signed.id == row.id})
    steps = repo.communications(app_id)
    shown = []
    for c in steps:
        shown.append({"row": c, "at": aware(c.at), "entries": json.loads(c.items_json) if c.items_json else [],
                      "label": communicating.EXCEPTIONS.get(c.outcome or "", "")})
    since = signed.at if signed is not None else None
    notes_shown = [{"note": n, "at": aware(n.at), "number": i + 1} for i, n in enumerate(repo.notes(app_id))]
    return CaseworkView(history, signed.id if signed else None, notes_shown, shown,
                        open_communication(steps), communicating.status(steps, decision_id, since))


def aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)  # SQLite returns stored UTC without its zone


def held(s: Session, identity: Identity) -> list[dict[str, Any]]:
    """Cases held for kommunicering in the person's scope, with the reply-by date (oldest date first)."""
    apps = s.execute(select(Application).where(Application.state == "awaiting_comment", visible(identity))
                     .order_by(Application.id).limit(200)).scalars().all()
    latest: dict[str, Any] = {}  # each case's latest "sent" step, all in one query (oldest first: the last wins)
    for step in s.execute(select(CommunicationStep).where(
            CommunicationStep.application_id.in_([a.id for a in apps]), CommunicationStep.step == "sent")
            .order_by(CommunicationStep.at, CommunicationStep.id)).scalars() if apps else ():
        latest[step.application_id] = step
    out = []
    for app in apps:
        sent = latest.get(app.id)
        out.append({"app": app, "reply_by": sent.reply_by if sent else None, "sent_at": sent.at if sent else None})
    return sorted(out, key=lambda r: (r["reply_by"] or "", r["app"].id))


def is_overdue(reply_by: str | None, now: datetime) -> bool:
    return reply_by is not None and communicating.stockholm_day(now).isoformat() > reply_by
