"""Journal notes (journalanteckningar): a handler writes what happened in a case — never edited, only added
to; a correction is a new note that refers to the earlier one. Each note is an audit event (``note_added``)
written in the same transaction as the note, and moves the retention clock (the case's last note). Reading
notes is a read of personal data: the caller writes the access log (the web's case page does, before it
shows them)."""

from __future__ import annotations

from dataclasses import dataclass

from decision.casework import NewNote, Note
from decision.ports import Clock
from decision.services.signoff_types import CaseNotFound, Signer, SignOffError
from decision.uow import UnitOfWork

MAX_NOTE = 4000


@dataclass(frozen=True)
class NoteResult:
    note_id: str


def add_note(uow: UnitOfWork, clock: Clock, author: Signer, application_id: str, text: str,
             refers_to: str | None = None) -> NoteResult:
    """Write one note; ``refers_to`` must be an earlier note of the same case."""
    at = clock.now()
    body = (text or "").strip()
    errors = []
    if not body:
        errors.append("Anteckning: skriv en text")
    if len(body) > MAX_NOTE:
        errors.append(f"Anteckning: högst {MAX_NOTE} tecken")
    with uow:
        app = uow.applications.lock([application_id]).get(application_id)
        if app is None:
            raise CaseNotFound(application_id)
        if refers_to and refers_to not in {n.id for n in uow.casework.notes(application_id)}:
            errors.append("Anteckning: den anteckning som rättas finns inte i ärendet")
        if errors:
            raise SignOffError(errors)
        note = NewNote(uow.new_id(), application_id, author.actor, author.name, body, refers_to or None)
        uow.casework.add_note(note, at)
        uow.applications.update(application_id, {"last_note_at": at}, at)
        uow.audit.append([(author.actor, "note_added", f"application:{application_id}", {
            "note": note.id, "refers_to": note.refers_to, "role": author.role,
        })], at)
        uow.commit()
    return NoteResult(note.id)


def notes(uow: UnitOfWork, application_id: str) -> list[Note]:
    """The case's notes in time order (the caller has written the access log)."""
    with uow:
        return uow.casework.notes(application_id)
