"""Verify's record checks: every stored row a decision rests on against what the audit chain recorded of it
(docs/audit.md, "What verify proves").

Rows written since record hashes exist carry a row hash (and a decision its personal hash) in an event
(audit/records.py); older rows are checked against the fields their events recorded and their content
hashes. Every record an event names must still exist; every application's state must be where its last
transition event put it; the access log's person index must equal its chained entries.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from audit.records import digest, fields
from decision.basis import canonical_json
from decision.canonical import read_json
from decision.strict import parse_sum

# the state a transition event leaves an application in (decision/states.py); "signed" by its payload
TARGET = {"received": "received", "fetched": "fetched", "proposed": "proposed", "failed": "failed",
          "failed_permanent": "failed_permanent", "second_signature_refused": "proposed", "returned": "returned",
          "auto_approved": "auto_approved", "withdrawn": "withdrawn"}
# events that name the state they leave the application in (casework: decision/services/correcting.py,
# communicating.py): "state" in their payload
STATED = ("decision_changed", "communication_sent", "communication_closed")
EVENTS = (*TARGET, *STATED, "signed", "superseded", "letter_created", "purged")
CASEWORK = {"case_note": ("text",), "communication": ("items_json", "text"), "decision_change": ()}
# a decision's columns its full ``proposed`` event names (rows from before record hashes)
PROPOSED = {"application": "application_id", "revision": "revision_id", "revision_hash": "revision_hash",
            "pack": "pack_id", "pack_hash": "pack_hash", "guideline": "guideline_id",
            "guideline_hash": "guideline_hash", "code_version": "code_version", "basis_hash": "basis_hash",
            "outcome": "outcome"}
LETTER = {"sign_off": "sign_off_id", "html_sha256": "html_sha256", "pdf_sha256": "pdf_sha256",
          "template_hash": "template_hash"}

Event = tuple[int, str, str, str, str]  # seq, actor, event, subject, payload JSON
Stored = tuple[dict[str, Any], dict[str, Any]]  # all columns, extra covered fields (uses, overrides)


class RecordSource(Protocol):
    """The stored rows verify reads (adapters/driven/db/audit_store.py)."""

    def events_named(self, events: tuple[str, ...]) -> Iterable[Event]:
        """The events named, and every event whose payload records row hashes, in chain order."""
        ...

    def stored(self, table: str) -> Iterable[Stored]: ...

    def applications(self) -> Iterable[tuple[str, str]]:
        """(id, state) of every application."""
        ...

    def access_persons(self) -> Iterable[tuple[int, frozenset[str], frozenset[str]]]:
        """(seq, the person keys its chained entry holds, the keys the person index holds)."""
        ...


@dataclass
class Recorded:
    """What the audit chain says was written."""

    records: dict[str, tuple[int, dict[str, str]]] = field(default_factory=dict)
    proposed: dict[str, tuple[int, tuple[Any, ...]]] = field(default_factory=dict)  # PROPOSED's values, in order
    superseded: dict[str, str] = field(default_factory=dict)
    signoffs: dict[str, tuple[int, str, dict[str, Any]]] = field(default_factory=dict)
    letters: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)
    revisions: dict[str, int] = field(default_factory=dict)
    states: dict[str, tuple[int, str]] = field(default_factory=dict)  # application or decision:<id> -> state
    purged: set[str] = field(default_factory=set)
    decision_apps: dict[str, str] = field(default_factory=dict)  # filled from the stored decisions


def read_events(events: Iterable[Event]) -> Recorded:
    r = Recorded()
    for seq, actor, event, subject, body in events:
        payload: dict[str, Any] = json.loads(body)
        for key, hashes in payload.get("records", {}).items():
            r.records[key] = (seq, hashes)
        kind, _, ident = subject.partition(":")
        if event == "purged":
            r.purged.add(ident)
        elif event == "superseded":
            r.superseded[ident] = str(payload.get("by"))
        elif event == "letter_created":
            r.letters[str(payload.get("letter"))] = (seq, payload)
            continue
        if event == "proposed" and "basis_hash" in payload:  # only what is checked is kept (memory: one per decision)
            r.proposed[ident] = (seq, tuple(_shared(payload.get(name)) for name in PROPOSED))
        if event in ("received", "fetched") and "revision" in payload:
            r.revisions[str(payload["revision"])] = seq
        if "sign_off" in payload and event in (*TARGET, "signed", "decision_changed"):
            r.signoffs[str(payload["sign_off"])] = (seq, actor, payload)
        # a new application created with its registry answers is fetched at once (decision/services/intake.py)
        sealed = event == "received" and payload.get("sealed") is True
        stated = payload.get("state") if event in STATED or event == "second_signature_refused" else None
        target = stated or ("fetched" if sealed else TARGET.get(event)) or (
            ("signed" if payload.get("complete") else "awaiting_second_signature") if event == "signed" else None
        )
        if target is not None:
            app = payload.get("application") if kind == "decision" else None
            r.states[f"application:{app}" if app else subject] = (seq, target)
    return r


def _basis(text: str) -> dict[str, Any]:
    """A stored basis parsed, to read its outcome and proposed amount (strings): orjson takes about a third of
    json's time on these ~10 kB texts and reads strings as json does; where it refuses a text (NaN, a lone
    surrogate) json parses it as it always did. (The basis bytes themselves are hashed as stored:
    audit/verify.py.)"""
    data: dict[str, Any] = read_json(text)
    return data


def _shared(value: Any) -> Any:
    """One copy of a string many events repeat (a pack's hash, the code version): verify holds one per decision."""
    return sys.intern(value) if isinstance(value, str) else value


def _sha(data: str | bytes) -> str:
    return "sha256:" + hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()


class Checker:
    def __init__(self, recorded: Recorded, problems: list[str], lawful: list[str], legacy: dict[str, int]) -> None:
        self.r = recorded
        self.problems = problems
        self.lawful = lawful
        self.legacy = legacy
        self.seen: set[str] = set()

    def _row(self, table: str, key: str, row: dict[str, Any], extra: dict[str, Any]) -> bool:
        """The row hash (and personal hash) against its event; False when the row predates record hashes."""
        self.seen.add(key)
        got = self.r.records.get(key)
        if got is None:
            self.legacy[table] = self.legacy.get(table, 0) + 1
            return False
        seq, hashes = got
        stable, personal = fields(table, row, None, extra)
        if digest(stable) != hashes.get("row"):
            self.problems.append(f"{key}: altered (its columns differ from the row hash in event {seq})")
        if personal is not None and "personal" in hashes and digest(personal) != hashes["personal"]:
            self.problems.append(f"{key}: altered (its amount or trace differs from the hash in event {seq})")
        return True

    def _content(self, key: str, app: str, blanked: bool, purged_at: Any, ok: bool, what: str) -> None:
        if blanked:
            if purged_at is not None and app in self.r.purged:
                self.lawful.append(f"{key}: personal content purged (retention)")
            else:
                self.problems.append(f"{key}: {what} deleted without a purge event")
        elif not ok:
            self.problems.append(f"{key}: the stored {what} does not match its hash (altered)")

    def _against(self, key: str, row: dict[str, Any], seq: int, recorded: dict[str, Any], absent: bool = True) -> None:
        """Columns against the values an event recorded (``absent``: a value the event lacks is not judged)."""
        for column, value in recorded.items():
            if (value is not None or not absent) and row[column] != value:
                self.problems.append(f"{key}: {column} differs from its event {seq} (altered)")

    def decision(self, row: dict[str, Any], extra: dict[str, Any]) -> None:
        key = f"decision:{row['id']}"
        self.r.decision_apps[row["id"]] = row["application_id"]
        self._row("decision", key, row, extra)
        got = self.r.proposed.get(row["id"])  # none: named by audit/verify.py
        if got is not None:
            seq, values = got
            self._against(key, row, seq, dict(zip(PROPOSED.values(), values, strict=True)))
        by = self.r.superseded.get(row["id"])
        if row["superseded_by"] != by:
            self.problems.append(f"{key}: superseded_by differs from its 'superseded' events (altered)")
        basis = row["basis_json"]  # against basis_hash: audit/verify.py
        if basis is not None:
            data = _basis(basis)
            if data.get("outcome") != row["outcome"]:
                self.problems.append(f"{key}: outcome differs from its basis (altered)")
            if row["proposed_ore"] is not None and parse_sum(data["amounts"]["proposed"]) != row["proposed_ore"]:
                self.problems.append(f"{key}: proposed_ore differs from its basis (altered)")
            if row["proposed_ore"] is None or row["trace_json"] is None:
                self.problems.append(f"{key}: amount or trace deleted without a purge event")

    def sign_off(self, row: dict[str, Any], extra: dict[str, Any]) -> None:
        key = f"sign_off:{row['id']}"
        self._row("sign_off", key, row, extra)
        got = self.r.signoffs.get(row["id"])
        if got is None:
            self.problems.append(f"{key} has no audit event")
        else:
            seq, actor, payload = got
            self._against(key, row, seq, {"actor": actor, "record_hash": payload.get("record_hash"),
                                          "decision_id": payload.get("decision")})
        body = row["record_json"]
        self._content(key, row["application_id"], body is None, row["purged_at"],
                      body is not None and _sha(canonical_json(json.loads(body))) == row["record_hash"],
                      "signed decision")

    def letter(self, row: dict[str, Any], extra: dict[str, Any]) -> None:
        key = f"letter:{row['id']}"
        self._row("letter", key, row, extra)
        got = self.r.letters.get(row["id"])
        if got is None:
            self.problems.append(f"{key} has no 'letter_created' audit event")
        else:
            seq, payload = got
            self._against(key, row, seq, {column: payload.get(name) for name, column in LETTER.items()},
                          absent=False)
        html, pdf = row["html"], row["pdf"]
        ok = html is not None and _sha(html) == row["html_sha256"] and (
            row["pdf_sha256"] is None or (pdf is not None and _sha(pdf) == row["pdf_sha256"]))
        self._content(key, row["application_id"], html is None, row["purged_at"], ok, "letter")

    def casework(self, table: str, row: dict[str, Any], extra: dict[str, Any]) -> None:
        """A note, kommunicering step or change: its row hash must be in an event (these tables are newer than
        record hashes, so a row without one was inserted behind the trail's back); its text against its hash."""
        key = f"{table}:{row['id']}"
        if not self._row(table, key, row, extra):
            self.problems.append(f"{key} has no audit event (inserted)")
        if not CASEWORK[table]:
            return
        if table == "case_note":
            ok = row["text"] is not None and _sha(row["text"]) == row["text_sha256"]
        else:
            ok = _sha(json.dumps([row["items_json"], row["text"]], ensure_ascii=False)) == row["content_sha256"]
        if row["purged_at"] is not None:
            self._content(key, row["application_id"], True, row["purged_at"], True, "text")
        elif not ok:
            self.problems.append(f"{key}: the stored text does not match its hash (altered or deleted)")

    def evidence(self, row: dict[str, Any], extra: dict[str, Any], bare: list[tuple[str, str]],
                 held: set[str]) -> None:
        key = f"registry_evidence:{row['request_id']}"
        self._row("registry_evidence", key, row, extra)
        raw = row["raw"]
        if raw is None and row["purged_at"] is None:
            bare.append((key, row["sha256"]))  # the same answer twice is stored once
        elif raw is not None:
            held.add(row["sha256"])
            if hashlib.sha256(raw).hexdigest() != row["sha256"]:
                self.problems.append(f"{key}: the stored answer does not match its sha256 (altered)")
        elif key in self.r.records:
            self.lawful.append(f"{key}: raw answer purged (retention)")

    def missing(self) -> None:
        """Records an event names that are no longer stored."""
        named = (
            [(k, s) for k, (s, _) in self.r.records.items()]
            + [(f"decision:{d}", s) for d, (s, _) in self.r.proposed.items()]
            + [(f"sign_off:{i}", s) for i, (s, _, _) in self.r.signoffs.items()]
            + [(f"letter:{i}", s) for i, (s, _) in self.r.letters.items()]
        )
        for key, seq in sorted(set(named), key=lambda x: (x[1], x[0])):
            if key not in self.seen:
                self.problems.append(f"{key}: named by audit event {seq} but no longer stored (deleted)")


def check_records(source: RecordSource, problems: list[str], lawful: list[str]) -> dict[str, int]:
    """Check every covered table; returns how many rows of each predate record hashes."""
    recorded = read_events(source.events_named(EVENTS))
    legacy: dict[str, int] = {}
    c = Checker(recorded, problems, lawful, legacy)
    for row, extra in source.stored("decision"):
        c.decision(row, extra)
    for row, extra in source.stored("sign_off"):
        c.sign_off(row, extra)
    for row, extra in source.stored("letter"):
        c.letter(row, extra)
    for table in CASEWORK:
        for row, extra in source.stored(table):
            c.casework(table, row, extra)
    bare: list[tuple[str, str]] = []
    held: set[str] = set()
    for row, extra in source.stored("registry_evidence"):
        c.evidence(row, extra, bare, held)
    for key, sha in bare:
        if sha not in held:
            problems.append(f"{key}: the stored answer was deleted without a purge event")
    c.missing()
    _states(recorded, source.applications(), problems)
    _persons(source.access_persons(), problems)
    return legacy


def _states(r: Recorded, applications: Iterable[tuple[str, str]], problems: list[str]) -> None:
    expected: dict[str, tuple[int, str]] = {}
    for named, (seq, state) in r.states.items():
        subject = named
        if named.startswith("decision:"):
            app = r.decision_apps.get(named.partition(":")[2])
            if app is None:
                continue  # the decision is gone: reported as deleted
            subject = f"application:{app}"
        if subject.startswith("application:") and seq >= expected.get(subject, (0, ""))[0]:
            expected[subject] = (seq, state)
    for app_id, state in applications:
        got = expected.get(f"application:{app_id}")
        if got is None:
            problems.append(f"application:{app_id} has no transition event")
        elif got[1] != state:
            problems.append(f"application:{app_id}: state {state!r} but its last transition event {got[0]} "
                            f"left it {got[1]!r} (altered)")


def _persons(rows: Iterable[tuple[int, frozenset[str], frozenset[str]]], problems: list[str]) -> None:
    for seq, chained, indexed in rows:
        if chained - indexed:
            problems.append(f"access_person: {len(chained - indexed)} index row(s) of access-log entry {seq} "
                            "deleted")
        if indexed - chained:
            problems.append(f"access_person: {len(indexed - chained)} index row(s) for access-log entry {seq} "
                            "that it does not name (inserted)")
