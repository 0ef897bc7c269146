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
from typing import Any, Protocol

import orjson

from audit.chain import ChainReport, Row, walk
from audit.coverage import RecordSource, check_records
from decision.basis import canonical_json


class TrailSource(RecordSource, Protocol):
    """What verification reads from storage (adapters/driven/db/audit_store.py): both chains with their heads,
    the recording events, and every stored decision and revision."""

    def chain(self, name: str) -> tuple[Iterable[Row], tuple[int, str]]: ...

    def recorded(self, events: tuple[str, ...]) -> Iterable[tuple[str, str, str]]:
        """(event, subject, payload JSON) of the audit events named."""
        ...

    def decisions(self) -> Iterable[tuple[str, str, str, str | None]]:
        """(id, application id, basis hash, basis JSON or None when purged)."""
        ...

    def revisions(self) -> Iterable[tuple[str, str, str, str | None]]:
        """(id, application id, content hash, bundle JSON or None when purged)."""
        ...


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


def _sha(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


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
    proposed: dict[str, str] = {}
    received: dict[str, str] = {}
    purged_apps: set[str] = set()
    for event, subject, body in source.recorded(("proposed", "received", "fetched", "purged")):
        payload: dict[str, Any] = json.loads(body)
        if event == "proposed":
            proposed[subject.split(":", 1)[1]] = payload.get("basis_hash", "")
        elif event in ("received", "fetched") and "revision" in payload:
            received[payload.get("revision", "")] = payload.get("content_hash", "")
        else:
            purged_apps.add(subject.split(":", 1)[1])
    for d_id, d_app, d_hash, d_json in source.decisions():
        report.checked_decisions += 1
        _check_record(
            report, f"decision {d_id}", d_app in purged_apps, proposed.get(d_id), d_hash,
            None if d_json is None else _sha(d_json),
            missing_event="has no 'proposed' audit event",
            other_hash="its basis hash differs from the one its audit event recorded",
            deleted="basis deleted without a purge event", altered="the stored basis does not match its hash",
        )
    for r_id, r_app, r_hash, r_json in source.revisions():
        report.checked_revisions += 1
        _check_record(
            report, f"revision {r_id}", r_app in purged_apps, received.get(r_id), r_hash,
            None if r_json is None else "sha256:" + hashlib.sha256(canonical_of_text(r_json)).hexdigest(),
            missing_event="has no 'received' audit event",
            other_hash="its content hash differs from the audit event's",
            deleted="bundle deleted without a purge event", altered="the stored bundle does not match its hash",
        )
        received.pop(r_id, None)
    for r_id in sorted(received):
        report.problems.append(f"revision {r_id}: named by its 'received' event but no longer stored (deleted)")
    found: list[str] = []
    report.legacy = check_records(source, found, report.lawful)
    if report.audit.ok:
        report.problems.extend(found)
    else:  # verify already fails on the chain; what a broken chain recorded cannot judge a record (no cascade)
        report.unjudged = found
    return report



def _check_record(
    report: VerifyReport, name: str, purged: bool, recorded: str | None, stored_hash: str, content_hash: str | None,
    *, missing_event: str, other_hash: str, deleted: str, altered: str,
) -> None:
    """A stored record against the hash its audit event recorded and the hash of its content.

    ``content_hash`` is None when the content is gone: lawful with a purge event, tampering without.
    """
    if recorded is None:
        report.problems.append(f"{name} {missing_event}")
    elif recorded != stored_hash:
        report.problems.append(f"{name}: {other_hash}")
    if content_hash is None:
        if purged:
            report.lawful.append(f"{name}: personal content purged (retention)")
        else:
            report.problems.append(f"{name}: {deleted}")
    elif content_hash != stored_hash:
        report.problems.append(f"{name}: {altered} (altered)")
