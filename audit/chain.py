"""Hash chains: the audit log and the access log.

Each row's hash is sha256 over the canonical JSON of its fields and the previous row's hash; the
sequence is gapless from 1; the chain head row (``chain_head``) is locked while appending, and the
append happens in the same transaction as the change it records. No code path updates or deletes
a chained row.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from adapters.db.models import AccessEntry, AccessPerson, AuditEvent, ChainHead

GENESIS = "0" * 64


def canonical(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _iso(at: datetime) -> str:
    if at.tzinfo is None:  # SQLite returns naive datetimes for what was stored as UTC
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def audit_hash(prev: str, seq: int, at: datetime, actor: str, event: str, subject: str, payload: str) -> str:
    body = canonical(
        {"seq": seq, "at": _iso(at), "actor": actor, "event": event, "subject": subject,
         "payload": json.loads(payload), "prev": prev}
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def access_hash(prev: str, row: AccessEntry) -> str:
    body = canonical(
        {"seq": row.seq, "at": _iso(row.at), "actor": row.actor, "purpose": row.purpose, "channel": row.channel,
         "action": row.action, "subject": row.subject, "persons": row.person_keys, "prev": prev}
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _lock_head(session: Session, chain: str) -> ChainHead:
    head = session.execute(select(ChainHead).where(ChainHead.chain == chain).with_for_update()).scalar_one()
    return head


def now() -> datetime:
    return datetime.now(UTC)


def append_event(
    session: Session, actor: str, event: str, subject: str, payload: dict[str, Any], at: datetime | None = None
) -> AuditEvent:
    """Append one audit event in the caller's transaction (ids, hashes, codes, actors only)."""
    head = _lock_head(session, "audit")
    at = at or now()
    seq = head.seq + 1
    body = canonical(payload)
    digest = audit_hash(head.hash, seq, at, actor, event, subject, body)
    row = AuditEvent(
        seq=seq, at=at, actor=actor, event=event, subject=subject, payload=body, prev_hash=head.hash, hash=digest
    )
    session.add(row)
    head.seq, head.hash = seq, digest
    session.flush()
    return row


def append_access(
    session: Session,
    actor: str,
    purpose: str,
    channel: str,
    action: str,
    subject: str,
    person_keys: list[str],
    at: datetime | None = None,
) -> AccessEntry:
    head = _lock_head(session, "access")
    seq = head.seq + 1
    keys = sorted(set(person_keys))
    row = AccessEntry(
        seq=seq, at=at or now(), actor=actor, purpose=purpose, channel=channel, action=action, subject=subject,
        person_keys=" ".join(keys), prev_hash=head.hash, hash="",
    )
    row.hash = access_hash(head.hash, row)
    session.add(row)
    for key in keys:
        session.add(AccessPerson(seq=seq, person_key=key))
    head.seq, head.hash = seq, row.hash
    session.flush()
    return row


@dataclass
class ChainReport:
    chain: str
    events: int = 0
    head_seq: int = 0
    head_hash: str = GENESIS
    problems: list[str] = field(default_factory=list)
    lawful: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_audit_chain(session: Session, expected_head: tuple[int, str] | None = None) -> ChainReport:
    """Walk the audit chain and name every altered, removed, inserted, reordered or truncated event."""
    report = ChainReport("audit")
    head = session.execute(select(ChainHead).where(ChainHead.chain == "audit")).scalar_one()
    rows = session.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars()
    _walk(
        report,
        ((r.seq, r.prev_hash, r.hash, lambda prev, s, r=r: audit_hash(prev, s, r.at, r.actor, r.event, r.subject,
                                                                     r.payload)) for r in rows),
        head,
        expected_head,
    )
    return report


def verify_access_chain(session: Session, expected_head: tuple[int, str] | None = None) -> ChainReport:
    report = ChainReport("access")
    head = session.execute(select(ChainHead).where(ChainHead.chain == "access")).scalar_one()
    rows = session.execute(select(AccessEntry).order_by(AccessEntry.seq)).scalars()

    def recompute(r: AccessEntry) -> Any:
        def f(prev: str, s: int) -> str:
            saved = r.seq
            r.seq = s
            try:
                return access_hash(prev, r)
            finally:
                r.seq = saved

        return f

    _walk(report, ((r.seq, r.prev_hash, r.hash, recompute(r)) for r in rows), head, expected_head)
    session.expunge_all()
    return report


def _walk(report: ChainReport, rows: Any, head: ChainHead, expected_head: tuple[int, str] | None) -> None:
    expected_seq = 1
    prev_hash = GENESIS
    recent: OrderedDict[str, int] = OrderedDict()  # the last hashes seen, to explain a broken link
    published_hash: str | None = None
    for seq, stored_prev, stored_hash, recompute in rows:
        report.events += 1
        if seq > expected_seq:
            span = f"{expected_seq}..{seq - 1}" if seq - expected_seq > 1 else str(expected_seq)
            report.problems.append(f"removed: event {span} missing")
        self_ok = recompute(stored_prev, seq) == stored_hash
        link_ok = stored_prev == prev_hash
        if not self_ok:
            moved = next((s for s in _candidates(seq) if recompute(stored_prev, s) == stored_hash), None)
            if moved is not None:
                report.problems.append(f"reordered: event at {seq} was written as event {moved}")
            else:
                report.problems.append(f"altered: event {seq} does not match its hash")
        elif not link_ok and seq <= expected_seq:
            if stored_prev in recent:
                report.problems.append(
                    f"inserted or removed: event {seq} follows event {recent[stored_prev]}, not {seq - 1}"
                )
            else:
                report.problems.append(f"inserted: event {seq} does not follow event {seq - 1}")
        if seq > head.seq:
            report.problems.append(f"inserted: event {seq} is beyond the chain head ({head.seq})")
        recent[stored_hash] = seq
        if len(recent) > 256:
            recent.popitem(last=False)
        if expected_head is not None and seq == expected_head[0]:
            published_hash = stored_hash
        prev_hash = stored_hash
        expected_seq = seq + 1
    last = expected_seq - 1
    report.head_seq, report.head_hash = last, prev_hash
    if head.seq > last:
        report.problems.append(f"truncated: the chain head says {head.seq} events, the log ends at {last}")
    elif head.seq == last and head.hash != prev_hash:
        report.problems.append(f"altered: the chain head's hash does not match event {last}")
    if expected_head is not None:
        e_seq, e_hash = expected_head
        if e_seq > last:
            report.problems.append(f"truncated: the published head is event {e_seq}, the log ends at {last}")
        elif published_hash != e_hash:
            report.problems.append(f"altered: event {e_seq} differs from the published head")


def _candidates(seq: int) -> range:
    return range(max(1, seq - 50), seq + 51)
