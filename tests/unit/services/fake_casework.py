"""The in-memory casework repository (decision/casework.py) for the fake unit of work (fakes.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from decision.casework import Communication, NewChange, NewCommunication, NewNote, Note, Signed


class FakeCasework:
    def __init__(self, t: Any) -> None:
        self.t = t

    def add_note(self, note: NewNote, at: datetime) -> None:
        self.t.notes[note.id] = {**note.__dict__, "at": at, "purged_at": None}

    def notes(self, application_id: str) -> list[Note]:
        return [Note(n["id"], n["application_id"], n["author"], n["author_name"], n["at"], n["text"], n["refers_to"])
                for n in self.t.notes.values() if n["application_id"] == application_id]

    def add_communication(self, row: NewCommunication, at: datetime) -> None:
        self.t.communications[row.id] = {**row.__dict__, "at": at, "purged_at": None}

    def communications(self, application_id: str) -> list[Communication]:
        return [Communication(c["id"], c["application_id"], c["decision_id"], c["step"], c["actor"], c["at"],
                              c["refers_to"], c["reply_by"], c["origin_state"], c["items_json"], c["text"],
                              c["outcome"])
                for c in self.t.communications.values() if c["application_id"] == application_id]

    def add_change(self, change: NewChange, at: datetime) -> None:
        assert change.old_sign_off_id not in self.superseded(change.application_id), "uq old_sign_off_id"
        self.t.changes[change.id] = {**change.__dict__, "at": at}

    def superseded(self, application_id: str) -> dict[str, str]:
        return {c["old_sign_off_id"]: c["new_sign_off_id"] for c in self.t.changes.values()
                if c["application_id"] == application_id}

    def signed(self, application_id: str) -> Signed | None:
        replaced = set(self.superseded(application_id))
        rows = [r for r in self.t.signoffs.values()
                if r["application_id"] == application_id and r["final"] and r["id"] not in replaced]
        if not rows:
            return None
        r = sorted(rows, key=lambda r: (r["at"], r["id"]))[-1]
        return Signed(r["id"], r["decision_id"], r["actor"], r["at"], r["outcome"], r["record_json"])

    def blank(self, application_id: str, at: datetime) -> int:
        n = 0
        for row in [*self.t.notes.values(), *self.t.communications.values()]:
            if row["application_id"] == application_id and row["purged_at"] is None:
                row.update({"text": None, "purged_at": at}, **({"items_json": None} if "items_json" in row else {}))
                n += 1
        return n
