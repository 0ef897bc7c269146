"""What the audit chain says was written, read from the events in ``seq`` order into one :class:`~audit.spill.Spill`
per table, keyed by the record's id (audit/coverage.py merges each with the table's rows read in id order).

The facts of one record, each a tuple tagged by its first item, in chain order (the last of a kind wins):

- ``("rec", seq, hashes)``: the record hashes an event's ``records`` named (audit/records.py);
- decision: ``("prop", basis_hash)`` of any ``proposed`` event, ``("pv", seq, values)`` of PROPOSED's fields of a
  full one, ``("sup", by)`` of a ``superseded`` event, ``("state", seq, state)`` of a transition event whose
  subject is the decision and names no application (the state is its application's);
- revision: ``("recv", content_hash)`` of its ``received``/``fetched`` event;
- sign_off: ``("so", seq, actor, record_hash, decision)``; letter: ``("let", seq, {payload name: value})``;
- application: ``("state", seq, state)``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from audit.spill import Spill
from decision.canonical import read_json

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
TABLES = ("decision", "sign_off", "letter", *CASEWORK, "registry_evidence")  # the tables record hashes name

Event = tuple[int, str, str, str, str]  # seq, actor, event, subject, payload JSON


@dataclass
class Facts:
    tables: dict[str, Spill] = field(default_factory=lambda: {t: Spill() for t in (*TABLES, "revision", "application")})
    purged: set[str] = field(default_factory=set)  # applications with a purge event (each has lawful lines too)
    other: dict[str, int] = field(default_factory=dict)  # record keys of no covered table -> the event naming them

    def add(self, table: str, ident: str, fact: tuple[Any, ...]) -> None:
        self.tables[table].add(ident, fact)

    def close(self) -> None:
        for spill in self.tables.values():
            spill.close()


def payload_of(body: str) -> dict[str, Any]:
    """An event's payload: orjson reads what json reads, about three times faster; where it refuses a text (NaN,
    an integer beyond 64 bits, a lone surrogate) json parses it as it always did."""
    data: dict[str, Any] = read_json(body)  # decision/canonical.py: orjson, json where orjson refuses
    return data


def read_events(events: Iterable[Event]) -> Facts:
    facts = Facts()
    add = facts.add
    for seq, actor, event, subject, body in events:
        payload = payload_of(body)
        for key, hashes in payload.get("records", {}).items():
            table, _, ident = key.partition(":")
            if table in TABLES:
                add(table, ident, ("rec", seq, hashes))
            else:  # never written by finaid: named as missing
                facts.other[key] = seq
        kind, _, ident = subject.partition(":")
        if event == "purged":
            facts.purged.add(ident)
        elif event == "superseded":
            add("decision", ident, ("sup", str(payload.get("by"))))
        elif event == "letter_created":
            add("letter", str(payload.get("letter")), ("let", seq, {name: payload.get(name) for name in LETTER}))
            continue
        if event == "proposed":
            add("decision", ident, ("prop", payload.get("basis_hash", "")))
            if "basis_hash" in payload:
                add("decision", ident, ("pv", seq, tuple(payload.get(name) for name in PROPOSED)))
        if event in ("received", "fetched") and "revision" in payload:
            add("revision", str(payload["revision"]), ("recv", payload.get("content_hash", "")))
        if "sign_off" in payload and event in (*TARGET, "signed", "decision_changed"):
            add("sign_off", str(payload["sign_off"]),
                ("so", seq, actor, payload.get("record_hash"), payload.get("decision")))
        # a new application created with its registry answers is fetched at once (decision/services/intake.py)
        sealed = event == "received" and payload.get("sealed") is True
        stated = payload.get("state") if event in STATED or event == "second_signature_refused" else None
        target = stated or ("fetched" if sealed else TARGET.get(event)) or (
            ("signed" if payload.get("complete") else "awaiting_second_signature") if event == "signed" else None
        )
        if target is not None:
            app = payload.get("application") if kind == "decision" else None
            named_kind, _, named = (f"application:{app}" if app else subject).partition(":")
            if named_kind in ("application", "decision"):  # a decision's: its application's, once it is read
                add(named_kind, named, ("state", seq, target))
    return facts


def last(facts: list[tuple[Any, ...]]) -> dict[str, tuple[Any, ...]]:
    """The last fact of each kind."""
    return {fact[0]: fact for fact in facts}
