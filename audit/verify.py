"""``finaid audit verify``: the chains, and the stored records against the hashes the chain holds.

Tampering (an altered, removed, inserted, reordered or truncated event; a record whose content no
longer matches the hash its audit event recorded; a record deleted without a purge event) is a
problem. Content removed by ``retention purge`` — with its ``purged`` event — is reported as a
lawful deletion.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Protocol

import orjson

from audit.chain import ChainReport, Row, walk
from audit.coverage import Checker, RecordSource, check_records
from audit.recorded import EVENTS, read_events
from audit.spill import joined
from decision.basis import canonical_json


class TrailSource(RecordSource, Protocol):
    """What verification reads from storage (adapters/driven/db/audit_store.py): both chains with their heads, and
    the stored records (audit/coverage.py)."""

    def chain(self, name: str) -> tuple[Iterable[Row], tuple[int, str]]: ...


@dataclass
class VerifyReport:
    audit: ChainReport
    access: ChainReport
    problems: list[str] = field(default_factory=list)
    lawful: list[str] = field(default_factory=list)
    checked_decisions: int = 0
    checked_revisions: int = 0
    legacy: dict[str, int] = field(default_factory=dict)  # rows per table from before record hashes
    unjudged: list[str] = field(default_factory=list)  # record checks failing against a broken audit chain

    @property
    def ok(self) -> bool:
        return self.audit.ok and self.access.ok and not self.problems

    def all_problems(self) -> list[str]:
        return (
            [f"audit log: {p}" for p in self.audit.problems]
            + [f"access log: {p}" for p in self.access.problems]
            + self.problems
        )


def canonical_of_text(text: str) -> bytes:
    """``canonical_json(json.loads(text))``, byte for byte, without walking the parsed tree in Python.

    json parses; where it met no float and no NaN/Infinity, the tree holds only dicts with string keys,
    lists, strings, integers, booleans and None, where orjson writes json's canonical bytes
    (decision/canonical.py) — unless it refuses (an integer beyond 64 bits, a lone surrogate): then, and
    wherever a float was met, ``canonical_json`` decides as before. ``tests/unit/test_chain_stored.py``
    checks the identity.
    """
    floats = False

    def number(literal: str) -> float:
        nonlocal floats
        floats = True
        return float(literal)

    data = json.loads(text, parse_float=number, parse_constant=number)
    if not floats:
        try:
            return orjson.dumps(data, option=orjson.OPT_SORT_KEYS)
        except TypeError:  # orjson.JSONEncodeError
            pass
    return canonical_json(data)


def check(source: TrailSource, expected_head: tuple[int, str] | None = None,
          expected_access_head: tuple[int, str] | None = None) -> VerifyReport:
    """Verify both chains (each against its published head, when given) and every stored record against
    the hashes its audit events recorded (audit/coverage.py)."""
    audit_rows, audit_head = source.chain("audit")
    access_rows, access_head = source.chain("access")
    report = VerifyReport(walk("audit", audit_rows, audit_head, expected_head),
                          walk("access", access_rows, access_head, expected_access_head))
    facts = read_events(source.events_named(EVENTS))
    try:
        c = Checker(facts)
        check_records(source, c)  # the decisions with their bases, every covered table, the states, the persons
        revisions = joined(source.revisions(), itemgetter(0), facts.tables["revision"].groups())
        for r_id, row, got in revisions:
            c.revision(r_id, row, got, _bundle_hash)
    finally:
        facts.close()
    report.checked_decisions, report.checked_revisions, report.legacy = c.decisions, c.revisions, c.legacy
    report.problems = c.basis.problems + c.bundle.problems + c.gone_revisions
    report.lawful = c.basis.lawful + c.bundle.lawful + c.lawful
    if report.audit.ok:
        report.problems.extend(c.problems)
    else:  # verify already fails on the chain; what a broken chain recorded cannot judge a record (no cascade)
        report.unjudged = c.problems
    return report


def _bundle_hash(text: str) -> str:
    return "sha256:" + hashlib.sha256(canonical_of_text(text)).hexdigest()
