"""The audit trail's storage: the hash chains' rows and heads (the logic is audit/chain.py).

Appending locks the chain's head row (``chain_head``) until the transaction ends, so a transaction
should append last and render nothing after (letters are rendered before the transaction opens:
decision/services/signoff.py). No code path updates or deletes a chained row.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from adapters.driven.db.bulk import insert_rows
from adapters.driven.db.models import AccessEntry, AccessPerson, AuditEvent, ChainHead
from adapters.driven.db.records import take
from audit.chain import access_hash, audit_hash, canonical

AuditEntry = tuple[str, str, str, dict[str, Any]]


def _lock_head(session: Session, chain: str) -> ChainHead:
    return session.execute(select(ChainHead).where(ChainHead.chain == chain).with_for_update()).scalar_one()


def append_events(session: Session, events: Sequence[AuditEntry], at: datetime) -> None:
    """Append several events (actor, event, subject, payload) with one head lock and one bulk insert.

    The record hashes of rows written earlier in the transaction (adapters/driven/db/records.py) go into
    the payload of the event that names the row, else of the last event."""
    if not events:
        return
    events = _with_records(list(events), take(session))
    head = _lock_head(session, "audit")
    seq, prev = head.seq, head.hash
    rows = []
    for actor, event, subject, payload in events:
        seq += 1
        body = canonical(payload)
        digest = audit_hash(prev, seq, at, actor, event, subject, body)
        rows.append({"seq": seq, "at": at, "actor": actor, "event": event, "subject": subject, "payload": body,
                     "prev_hash": prev, "hash": digest})
        prev = digest
    insert_rows(session, AuditEvent, rows)
    head.seq, head.hash = seq, prev
    session.flush()


def _with_records(events: list[AuditEntry], pending: dict[str, dict[str, str]]) -> list[AuditEntry]:
    if not pending:
        return events
    out: list[AuditEntry] = []
    for actor, event, subject, payload in events:
        named = {f"{t}:{payload[t]}" for t in ("sign_off", "letter") if isinstance(payload.get(t), str)} | {subject}
        mine = {k: pending.pop(k) for k in sorted(named & set(pending))}
        out.append((actor, event, subject, {**payload, "records": mine} if mine else payload))
    if pending:
        actor, event, subject, payload = out[-1]
        out[-1] = (actor, event, subject, {**payload, "records": {**payload.get("records", {}), **pending}})
    return out


def append_event(
    session: Session, actor: str, event: str, subject: str, payload: dict[str, Any], at: datetime
) -> None:
    """Append one audit event in the caller's transaction (ids, hashes, codes, actors only)."""
    append_events(session, [(actor, event, subject, payload)], at)


def append_access(
    session: Session, actor: str, purpose: str, channel: str, action: str, subject: str, person_keys: list[str],
    at: datetime,
) -> None:
    """Append one access-log entry in the caller's transaction."""
    append_access_many(session, actor, purpose, channel, action, [(subject, person_keys)], at)


def append_access_many(
    session: Session, actor: str, purpose: str, channel: str, action: str,
    reads: Sequence[tuple[str, Sequence[str]]], at: datetime,
) -> None:
    """Append one access-log entry per (subject, person keys), in order, with one head lock and one bulk
    insert of the entries and one of their person keys (adapters/driven/db/bulk.py)."""
    if not reads:
        return
    head = _lock_head(session, "access")
    seq, prev = head.seq, head.hash
    entries: list[dict[str, Any]] = []
    persons: list[dict[str, Any]] = []
    for subject, person_keys in reads:
        seq += 1
        keys = sorted(set(person_keys))
        row = {"seq": seq, "at": at, "actor": actor, "purpose": purpose, "channel": channel, "action": action,
               "subject": subject, "person_keys": " ".join(keys), "prev_hash": prev, "hash": ""}
        row["hash"] = prev = access_hash(prev, SimpleNamespace(**row))
        entries.append(row)
        persons.extend({"seq": seq, "person_key": key} for key in keys)
    insert_rows(session, AccessEntry, entries)
    insert_rows(session, AccessPerson, persons)
    head.seq, head.hash = seq, prev
    session.flush()
