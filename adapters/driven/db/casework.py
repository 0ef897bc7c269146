"""The casework repository (``decision.casework.Casework``): journal notes, kommunicering steps and changed
decisions, append-only; each written row's record hash is staged for the audit event of its transaction."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from adapters.driven.db.models import SignOff
from adapters.driven.db.models_casework import CaseNote, CommunicationStep, DecisionChange
from adapters.driven.db.records import stage
from decision.casework import Communication, NewChange, NewCommunication, NewNote, Note, Signed


def _sha(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def content_hash(items_json: str | None, text: str | None) -> str:
    """What a kommunicering step's personal columns hash to (kept when retention blanks them)."""
    return _sha(json.dumps([items_json, text], ensure_ascii=False))


def _columns(model: Any) -> tuple[str, ...]:
    return tuple(c.key for c in model.__table__.columns)


def _values(row: Any) -> dict[str, Any]:
    return {c: getattr(row, c) for c in _columns(type(row))}


class SqlCasework:
    def __init__(self, session: Session) -> None:
        self.s = session

    def _stage(self, table: str, row: Any) -> None:
        self.s.add(row)
        self.s.flush()
        stage(self.s, f"{table}:{row.id}", table, _values(row), _columns(type(row)))

    def add_note(self, note: NewNote, at: datetime) -> None:
        self._stage("case_note", CaseNote(
            id=note.id, application_id=note.application_id, author=note.author, author_name=note.author_name,
            at=at, refers_to=note.refers_to, text_sha256=_sha(note.text), text=note.text))

    def notes(self, application_id: str) -> list[Note]:
        rows = self.s.execute(select(CaseNote).where(CaseNote.application_id == application_id)
                              .order_by(CaseNote.at, CaseNote.id)).scalars()
        return [Note(r.id, r.application_id, r.author, r.author_name, r.at, r.text, r.refers_to) for r in rows]

    def add_communication(self, row: NewCommunication, at: datetime) -> None:
        self._stage("communication", CommunicationStep(
            id=row.id, application_id=row.application_id, decision_id=row.decision_id, step=row.step,
            actor=row.actor, at=at, refers_to=row.refers_to,
            reply_by=row.reply_by.isoformat() if row.reply_by else None, origin_state=row.origin_state,
            outcome=row.outcome, content_sha256=content_hash(row.items_json, row.text), items_json=row.items_json,
            text=row.text))

    def communications(self, application_id: str) -> list[Communication]:
        rows = self.s.execute(select(CommunicationStep).where(CommunicationStep.application_id == application_id)
                              .order_by(CommunicationStep.at, CommunicationStep.id)).scalars()
        return [Communication(r.id, r.application_id, r.decision_id, r.step, r.actor, r.at, r.refers_to,
                              date.fromisoformat(r.reply_by) if r.reply_by else None, r.origin_state, r.items_json,
                              r.text, r.outcome) for r in rows]

    def add_change(self, change: NewChange, at: datetime) -> None:
        self._stage("decision_change", DecisionChange(
            id=change.id, application_id=change.application_id, decision_id=change.decision_id,
            old_sign_off_id=change.old_sign_off_id, new_sign_off_id=change.new_sign_off_id, kind=change.kind,
            ground=change.ground, disadvantage=change.disadvantage, actor=change.actor, at=at))

    def superseded(self, application_id: str) -> dict[str, str]:
        rows = self.s.execute(select(DecisionChange.old_sign_off_id, DecisionChange.new_sign_off_id)
                              .where(DecisionChange.application_id == application_id))
        return {old: new for old, new in rows}

    def signed(self, application_id: str) -> Signed | None:
        replaced = set(self.superseded(application_id))
        rows = self.s.execute(select(SignOff).where(SignOff.application_id == application_id, SignOff.final.is_(True))
                              .order_by(SignOff.at.desc(), SignOff.id.desc())).scalars()
        for r in rows:
            if r.id not in replaced:
                return Signed(r.id, r.decision_id, r.actor, r.at, r.outcome, r.record_json)
        return None

    def blank(self, application_id: str, at: datetime) -> int:
        notes = self.s.execute(update(CaseNote).where(CaseNote.application_id == application_id,
                                                      CaseNote.purged_at.is_(None))
                               .values(text=None, purged_at=at).returning(CaseNote.id))
        steps = self.s.execute(update(CommunicationStep).where(CommunicationStep.application_id == application_id,
                                                               CommunicationStep.purged_at.is_(None))
                               .values(items_json=None, text=None, purged_at=at).returning(CommunicationStep.id))
        return len(list(notes)) + len(list(steps))
