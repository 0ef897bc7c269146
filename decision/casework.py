"""Casework after and around a decision: journal notes, kommunicering and the link from a changed decision to
the one it replaced — the rows and the repository port the use cases store them through (decision/uow.py).

All three tables are append-only: a note is never edited (a correction is a new note referring to the earlier
one), a kommunicering is one row when it is sent and one when it is closed (the answer, "inget svar" or a
decision not to communicate), and a change is one row naming the old and the new signed decision. Retention
blanks their personal text with the case (decision/services/retention.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol


@dataclass(frozen=True)
class NewNote:
    id: str
    application_id: str
    author: str  # actor id
    author_name: str | None
    text: str  # personal
    refers_to: str | None  # the earlier note this one corrects or adds to


@dataclass(frozen=True)
class Note:
    id: str
    application_id: str
    author: str
    author_name: str | None
    at: datetime
    text: str | None  # None once purged
    refers_to: str | None


@dataclass(frozen=True)
class NewCommunication:
    """One step of a kommunicering (FL 25 §): ``sent`` (what was communicated, the reply-by date), ``closed``
    (the answer, or ``no_answer``) or ``skipped`` (not communicated, with the exception and why)."""

    id: str
    application_id: str
    decision_id: str  # the proposal
    step: str  # sent | closed | skipped
    actor: str
    refers_to: str | None = None  # closed: the sent row
    reply_by: date | None = None  # sent
    origin_state: str | None = None  # sent: where the case goes back to when closed
    items_json: str | None = None  # sent: what was communicated (personal)
    text: str | None = None  # sent: the letter's own words; closed: the answer; skipped: why (personal)
    outcome: str | None = None  # closed: answered | no_answer; skipped: the FL 25 § exception


@dataclass(frozen=True)
class Communication:
    id: str
    application_id: str
    decision_id: str
    step: str
    actor: str
    at: datetime
    refers_to: str | None
    reply_by: date | None
    origin_state: str | None
    items_json: str | None
    text: str | None
    outcome: str | None


@dataclass(frozen=True)
class NewChange:
    """A signed decision replaced by a new one on the same proposal: rättelse (FL 36 §) or ändring (37 §)."""

    id: str
    application_id: str
    decision_id: str
    old_sign_off_id: str
    new_sign_off_id: str
    kind: str  # rattelse | andring
    ground: str | None  # ändring to the applicant's disadvantage: the ground of FL 37 § andra stycket
    disadvantage: bool
    actor: str


@dataclass(frozen=True)
class Signed:
    """The signed decision in force: the final sign-off row (not superseded by a change)."""

    id: str
    decision_id: str
    actor: str
    at: datetime
    outcome: str | None
    record_json: str | None


class Casework(Protocol):
    def add_note(self, note: NewNote, at: datetime) -> None: ...

    def notes(self, application_id: str) -> list[Note]:
        """The application's notes in the order they were written."""
        ...

    def add_communication(self, row: NewCommunication, at: datetime) -> None: ...

    def communications(self, application_id: str) -> list[Communication]:
        """The application's kommunicering steps in the order they were written."""
        ...

    def add_change(self, change: NewChange, at: datetime) -> None: ...

    def superseded(self, application_id: str) -> dict[str, str]:
        """Old sign-off id -> the sign-off id of the decision that replaced it."""
        ...

    def signed(self, application_id: str) -> Signed | None:
        """The signed decision in force (the latest final sign-off no change has replaced)."""
        ...

    def blank(self, application_id: str, at: datetime) -> int:
        """Blank the personal text of the application's notes and kommunicering; how many rows."""
        ...


def open_communication(rows: list[Communication], decision_id: str | None = None) -> Communication | None:
    """The sent kommunicering not yet closed (of ``decision_id`` when given)."""
    closed = {r.refers_to for r in rows if r.step == "closed"}
    waiting = [r for r in rows if r.step == "sent" and r.id not in closed
               and (decision_id is None or r.decision_id == decision_id)]
    return waiting[-1] if waiting else None


def communication_status(rows: list[Communication], decision_id: str, since: datetime | None = None
                         ) -> Communication | None:
    """The last closed or skipped kommunicering of the proposal (after ``since``, when given), if any."""
    done = [r for r in rows if r.decision_id == decision_id and r.step in ("closed", "skipped")
            and (since is None or r.at > since)]
    return done[-1] if done else None
