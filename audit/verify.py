"""``finaid audit verify``: the chains, and the stored records against the hashes the chain holds.

Tampering (an altered, removed, inserted, reordered or truncated event; a record whose content no
longer matches the hash its audit event recorded; a record deleted without a purge event) is a
problem. Content removed by ``retention purge`` — with its ``purged`` event — is reported as a
lawful deletion.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from adapters.db.models import AuditEvent, Decision, Revision
from adapters.db.trail import verify_access_chain, verify_audit_chain
from audit.chain import ChainReport
from decision.basis import canonical_json


@dataclass
class VerifyReport:
    audit: ChainReport
    access: ChainReport
    problems: list[str] = field(default_factory=list)
    lawful: list[str] = field(default_factory=list)
    checked_decisions: int = 0
    checked_revisions: int = 0

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


def verify(s: Session, expected_head: tuple[int, str] | None = None) -> VerifyReport:
    report = VerifyReport(verify_audit_chain(s, expected_head), verify_access_chain(s))
    proposed: dict[str, str] = {}
    received: dict[str, str] = {}
    purged_apps: set[str] = set()
    for e in s.execute(
        select(AuditEvent.event, AuditEvent.subject, AuditEvent.payload).where(
            AuditEvent.event.in_(("proposed", "received", "fetched", "purged"))
        )
    ):
        payload = json.loads(e.payload)
        if e.event == "proposed":
            proposed[e.subject.split(":", 1)[1]] = payload.get("basis_hash", "")
        elif e.event in ("received", "fetched"):
            received[payload.get("revision", "")] = payload.get("content_hash", "")
        else:
            purged_apps.add(e.subject.split(":", 1)[1])
    for d in s.execute(
        select(Decision.id, Decision.application_id, Decision.basis_hash, Decision.basis_json).execution_options(
            yield_per=1000
        )
    ):
        report.checked_decisions += 1
        _check_record(
            report, f"decision {d.id}", d.application_id in purged_apps, proposed.get(d.id), d.basis_hash,
            None if d.basis_json is None else _sha(d.basis_json),
            missing_event="has no 'proposed' audit event",
            other_hash="its basis hash differs from the one its audit event recorded",
            deleted="basis deleted without a purge event", altered="the stored basis does not match its hash",
        )
    for r in s.execute(
        select(Revision.id, Revision.application_id, Revision.content_hash, Revision.bundle_json).execution_options(
            yield_per=1000
        )
    ):
        report.checked_revisions += 1
        _check_record(
            report, f"revision {r.id}", r.application_id in purged_apps, received.get(r.id), r.content_hash,
            None if r.bundle_json is None
            else "sha256:" + hashlib.sha256(canonical_json(json.loads(r.bundle_json))).hexdigest(),
            missing_event="has no 'received' audit event",
            other_hash="its content hash differs from the audit event's",
            deleted="bundle deleted without a purge event", altered="the stored bundle does not match its hash",
        )
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
