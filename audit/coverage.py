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
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from operator import itemgetter
from typing import Any, Protocol

from audit.recorded import CASEWORK, LETTER, PROPOSED, Event, Facts, last
from audit.records import digest, fields
from audit.spill import joined
from decision.basis import canonical_json
from decision.canonical import read_json
from decision.strict import parse_sum

Stored = tuple[dict[str, Any], dict[str, Any]]  # all columns, extra covered fields (uses, overrides)


class RecordSource(Protocol):
    """The stored rows verify reads (adapters/driven/db/audit_store.py)."""

    def events_named(self, events: tuple[str, ...]) -> Iterable[Event]:
        """The events named, and every event whose payload records row hashes, in chain order."""
        ...

    def stored(self, table: str) -> Iterable[Stored]:
        """Every row of a covered table in id order (``request_id`` for registry evidence): Python's string order."""
        ...

    def revisions(self) -> Iterable[tuple[str, str, str, str | None]]:
        """(id, application id, content hash, bundle JSON or None when purged), in id order."""
        ...

    def applications(self) -> Iterable[tuple[str, str]]:
        """(id, state) of every application, in id order."""
        ...

    def access_persons(self) -> Iterable[tuple[int, frozenset[str], frozenset[str]]]:
        """(seq, the person keys its chained entry holds, the keys the person index holds)."""
        ...


def _basis(text: str) -> dict[str, Any]:
    """A stored basis parsed, to read its outcome and proposed amount (strings): orjson takes about a third of
    json's time on these ~10 kB texts and reads strings as json does; where it refuses a text (NaN, a lone
    surrogate) json parses it as it always did. (The basis bytes themselves are hashed as stored:
    audit/verify.py.)"""
    data: dict[str, Any] = read_json(text)
    return data


def _sha(data: str | bytes) -> str:
    return "sha256:" + hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()


@dataclass
class Lines:
    problems: list[str] = field(default_factory=list)
    lawful: list[str] = field(default_factory=list)


def content_check(
    out: Lines, name: str, purged: bool, recorded: str | None, stored_hash: str, content_hash: str | None,
    *, missing_event: str, other_hash: str, deleted: str, altered: str,
) -> None:
    """A stored basis or bundle against the hash its audit event recorded and the hash of its content.

    ``content_hash`` is None when the content is gone: lawful with a purge event, tampering without.
    """
    if recorded is None:
        out.problems.append(f"{name} {missing_event}")
    elif recorded != stored_hash:
        out.problems.append(f"{name}: {other_hash}")
    if content_hash is None:
        if purged:
            out.lawful.append(f"{name}: personal content purged (retention)")
        else:
            out.problems.append(f"{name}: {deleted}")
    elif content_hash != stored_hash:
        out.problems.append(f"{name}: {altered} (altered)")


class Checker:
    """The checks of each stored row against its facts (audit/recorded.py). ``basis``/``bundle``: the decisions'
    bases and the revisions' bundles against their hashes (verify prints them first); ``problems``/``lawful``:
    the record checks."""

    def __init__(self, facts: Facts) -> None:
        self.f = facts
        self.problems: list[str] = []
        self.lawful: list[str] = []
        self.legacy: dict[str, int] = {}
        self.basis = Lines()
        self.bundle = Lines()
        self.gone_revisions: list[str] = []
        self.missing: set[tuple[int, str]] = set()  # (event, record) of records no longer stored
        self.decisions = 0
        self.revisions = 0

    def named(self, table: str, ident: str, facts: list[tuple[Any, ...]]) -> None:
        """A record the chain names that is not stored."""
        for tag, fact in last(facts).items():
            if tag in ("rec", "pv", "so", "let"):
                self.missing.add((fact[1], f"{table}:{ident}"))

    def _row(self, table: str, key: str, row: dict[str, Any], extra: dict[str, Any],
             rec: tuple[Any, ...] | None) -> bool:
        """The row hash (and personal hash) against its event; False when the row predates record hashes."""
        if rec is None:
            self.legacy[table] = self.legacy.get(table, 0) + 1
            return False
        _, seq, hashes = rec
        stable, personal = fields(table, row, None, extra)
        if digest(stable) != hashes.get("row"):
            self.problems.append(f"{key}: altered (its columns differ from the row hash in event {seq})")
        if personal is not None and "personal" in hashes and digest(personal) != hashes["personal"]:
            self.problems.append(f"{key}: altered (its amount or trace differs from the hash in event {seq})")
        return True

    def _content(self, key: str, app: str, blanked: bool, purged_at: Any, ok: bool, what: str) -> None:
        if blanked:
            if purged_at is not None and app in self.f.purged:
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

    def decision(self, row: dict[str, Any], extra: dict[str, Any], facts: list[tuple[Any, ...]]) -> None:
        d_id, app, basis = row["id"], row["application_id"], row["basis_json"]
        key = f"decision:{d_id}"
        got = last(facts)
        self.decisions += 1
        prop = got.get("prop")
        content_check(
            self.basis, f"decision {d_id}", app in self.f.purged, None if prop is None else prop[1],
            row["basis_hash"], None if basis is None else _sha(basis),
            missing_event="has no 'proposed' audit event",
            other_hash="its basis hash differs from the one its audit event recorded",
            deleted="basis deleted without a purge event", altered="the stored basis does not match its hash",
        )
        self._row("decision", key, row, extra, got.get("rec"))
        pv = got.get("pv")  # none: named above
        if pv is not None:
            self._against(key, row, pv[1], dict(zip(PROPOSED.values(), pv[2], strict=True)))
        sup = got.get("sup")
        if row["superseded_by"] != (None if sup is None else sup[1]):
            self.problems.append(f"{key}: superseded_by differs from its 'superseded' events (altered)")
        for fact in facts:
            if fact[0] == "state":  # the decision's transition: its application's
                self.f.add("application", app, fact)
        if basis is not None:
            data = _basis(basis)
            if data.get("outcome") != row["outcome"]:
                self.problems.append(f"{key}: outcome differs from its basis (altered)")
            if row["proposed_ore"] is not None and parse_sum(data["amounts"]["proposed"]) != row["proposed_ore"]:
                self.problems.append(f"{key}: proposed_ore differs from its basis (altered)")
            if row["proposed_ore"] is None or row["trace_json"] is None:
                self.problems.append(f"{key}: amount or trace deleted without a purge event")

    def revision(self, r_id: str, row: tuple[str, str, str, str | None] | None, facts: list[tuple[Any, ...]],
                 content: Callable[[str], str]) -> None:
        if row is None:
            self.gone_revisions.append(f"revision {r_id}: named by its 'received' event but no longer stored (deleted)")
            return
        self.revisions += 1
        _, r_app, r_hash, r_json = row
        recv = last(facts).get("recv")
        content_check(
            self.bundle, f"revision {r_id}", r_app in self.f.purged, None if recv is None else recv[1], r_hash,
            None if r_json is None else content(r_json),
            missing_event="has no 'received' audit event",
            other_hash="its content hash differs from the audit event's",
            deleted="bundle deleted without a purge event", altered="the stored bundle does not match its hash",
        )

    def sign_off(self, row: dict[str, Any], extra: dict[str, Any], facts: list[tuple[Any, ...]]) -> None:
        key = f"sign_off:{row['id']}"
        got = last(facts)
        self._row("sign_off", key, row, extra, got.get("rec"))
        so = got.get("so")
        if so is None:
            self.problems.append(f"{key} has no audit event")
        else:
            _, seq, actor, record_hash, decision = so
            self._against(key, row, seq, {"actor": actor, "record_hash": record_hash, "decision_id": decision})
        body = row["record_json"]
        self._content(key, row["application_id"], body is None, row["purged_at"],
                      body is not None and _sha(canonical_json(json.loads(body))) == row["record_hash"],
                      "signed decision")

    def letter(self, row: dict[str, Any], extra: dict[str, Any], facts: list[tuple[Any, ...]]) -> None:
        key = f"letter:{row['id']}"
        got = last(facts)
        self._row("letter", key, row, extra, got.get("rec"))
        let = got.get("let")
        if let is None:
            self.problems.append(f"{key} has no 'letter_created' audit event")
        else:
            _, seq, payload = let
            self._against(key, row, seq, {column: payload.get(name) for name, column in LETTER.items()},
                          absent=False)
        html, pdf = row["html"], row["pdf"]
        ok = html is not None and _sha(html) == row["html_sha256"] and (
            row["pdf_sha256"] is None or (pdf is not None and _sha(pdf) == row["pdf_sha256"]))
        self._content(key, row["application_id"], html is None, row["purged_at"], ok, "letter")

    def casework(self, table: str, row: dict[str, Any], extra: dict[str, Any], facts: list[tuple[Any, ...]]) -> None:
        """A note, kommunicering step or change: its row hash must be in an event (these tables are newer than
        record hashes, so a row without one was inserted behind the trail's back); its text against its hash."""
        key = f"{table}:{row['id']}"
        if not self._row(table, key, row, extra, last(facts).get("rec")):
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

    def evidence(self, row: dict[str, Any], extra: dict[str, Any], facts: list[tuple[Any, ...]],
                 bare: list[tuple[str, str]], held: set[str]) -> None:
        key = f"registry_evidence:{row['request_id']}"
        rec = last(facts).get("rec")
        self._row("registry_evidence", key, row, extra, rec)
        raw = row["raw"]
        if raw is None and row["purged_at"] is None:
            bare.append((key, row["sha256"]))  # the same answer twice is stored once
        elif raw is not None:
            held.add(row["sha256"])
            if hashlib.sha256(raw).hexdigest() != row["sha256"]:
                self.problems.append(f"{key}: the stored answer does not match its sha256 (altered)")
        elif rec is not None:
            self.lawful.append(f"{key}: raw answer purged (retention)")


def check_records(source: RecordSource, c: Checker) -> None:
    """Check every covered table, each merged in id order with what the chain recorded of its rows."""
    tables: list[tuple[str, Callable[..., None]]] = [
        ("decision", c.decision), ("sign_off", c.sign_off), ("letter", c.letter),
        *((t, partial(c.casework, t)) for t in CASEWORK)]
    for table, check in tables:
        for ident, got, facts in joined(source.stored(table), _id, c.f.tables[table].groups()):
            if got is None:
                c.named(table, ident, facts)
            else:
                check(got[0], got[1], facts)
    bare: list[tuple[str, str]] = []
    held: set[str] = set()
    rows = joined(source.stored("registry_evidence"), _request_id, c.f.tables["registry_evidence"].groups())
    for ident, got, facts in rows:
        if got is None:
            c.named("registry_evidence", ident, facts)
        else:
            c.evidence(got[0], got[1], facts, bare, held)
    for key, sha in bare:
        if sha not in held:
            c.problems.append(f"{key}: the stored answer was deleted without a purge event")
    c.missing.update((seq, key) for key, seq in c.f.other.items())
    for seq, key in sorted(c.missing):
        c.problems.append(f"{key}: named by audit event {seq} but no longer stored (deleted)")
    _states(c.f.tables["application"].groups(), source.applications(), c.problems)
    _persons(source.access_persons(), c.problems)


def _id(stored: Stored) -> str:
    return str(stored[0]["id"])


def _request_id(stored: Stored) -> str:
    return str(stored[0]["request_id"])


def _states(states: Iterator[tuple[str, list[Any]]], applications: Iterable[tuple[str, str]],
            problems: list[str]) -> None:
    for app_id, row, facts in joined(applications, itemgetter(0), states):
        if row is None:
            continue  # transitions of an application no longer stored: not judged here
        got: tuple[Any, ...] | None = None
        for fact in facts:
            if got is None or fact[1] >= got[1]:
                got = fact
        if got is None:
            problems.append(f"application:{app_id} has no transition event")
        elif got[2] != row[1]:
            problems.append(f"application:{app_id}: state {row[1]!r} but its last transition event {got[1]} "
                            f"left it {got[2]!r} (altered)")


def _persons(rows: Iterable[tuple[int, frozenset[str], frozenset[str]]], problems: list[str]) -> None:
    for seq, chained, indexed in rows:
        if chained - indexed:
            problems.append(f"access_person: {len(chained - indexed)} index row(s) of access-log entry {seq} "
                            "deleted")
        if indexed - chained:
            problems.append(f"access_person: {len(indexed - chained)} index row(s) for access-log entry {seq} "
                            "that it does not name (inserted)")
