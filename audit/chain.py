"""Hash chains: the audit log and the access log — the rules (hashing, verification), not the storage.

Each row's hash is sha256 over the canonical JSON of its fields and the previous row's hash; the
sequence is gapless from 1; the chain head row is locked while appending, and the append happens in
the same transaction as the change it records (the storage: adapters/driven/db/trail.py). No code path
updates or deletes a chained row (docs/audit.md).
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

import orjson

from decision.canonical import canonical_text

GENESIS = "0" * 64


def canonical(data: Any) -> str:
    """The canonical JSON text hashed (decision/canonical.py: json's bytes, written by orjson where they agree)."""
    return canonical_text(data)


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


def stored_audit_hash(prev: str, seq: int, at: datetime, actor: str, event: str, subject: str, payload: str) -> str:
    """:func:`audit_hash` of a stored event, for verification: the same hash, about half the CPU.

    The writer stores the payload as the canonical JSON text it hashed (adapters/driven/db/trail.py). Where
    the stored text is still byte for byte the canonical JSON of what it parses to, the body is built
    around those very bytes (``orjson.Fragment``): the same bytes :func:`audit_hash` builds by parsing and
    re-encoding, so the same hash. Any other text (an equivalent payload in another form, one orjson
    does not read as json does — NaN, integers beyond 64 bits, lone surrogates — or not JSON at all) goes
    to :func:`audit_hash`, which decides as it always did. ``tests/unit/test_chain_stored.py`` checks it.
    """
    try:
        canonical_form = canonical_text(orjson.loads(payload)) == payload
    except (TypeError, ValueError):  # orjson.JSONDecodeError is a ValueError
        canonical_form = False
    if not canonical_form:
        return audit_hash(prev, seq, at, actor, event, subject, payload)
    try:
        body = orjson.dumps({"seq": seq, "at": _iso(at), "actor": actor, "event": event, "subject": subject,
                             "payload": orjson.Fragment(payload), "prev": prev}, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # orjson.JSONEncodeError: a lone surrogate in a field
        return audit_hash(prev, seq, at, actor, event, subject, payload)
    return hashlib.sha256(body).hexdigest()


class AccessRow(Protocol):
    seq: int
    at: datetime
    actor: str
    purpose: str
    channel: str
    action: str
    subject: str
    person_keys: str


Row = tuple[int, str, str, Callable[[str, int], str]]  # position, prev hash, hash, recompute(prev, seq)


def access_hash(prev: str, row: AccessRow, seq: int | None = None) -> str:
    body = canonical(
        {"seq": row.seq if seq is None else seq, "at": _iso(row.at), "actor": row.actor, "purpose": row.purpose,
         "channel": row.channel, "action": row.action, "subject": row.subject, "persons": row.person_keys, "prev": prev}
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


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


def walk(chain: str, rows: Iterable[Row], head: tuple[int, str],
         expected_head: tuple[int, str] | None = None) -> ChainReport:
    """Verify one chain from its rows in stored order (position, stored prev hash, stored hash, a function
    recomputing the row's hash from a previous hash and a sequence number) and its head (seq, hash)."""
    report = ChainReport(chain)
    _walk(report, rows, _Head(*head), expected_head)
    return report


@dataclass(frozen=True)
class _Head:
    seq: int
    hash: str


def _walk(report: ChainReport, rows: Iterable[Row], head: _Head, expected_head: tuple[int, str] | None) -> None:
    """Classify every break in a chain, in one pass with bounded memory.

    Each row's hash covers the sequence number it was *written* with, so a row that verifies at
    another number than where it now stands was moved or renumbered. Reading the written numbers in
    row order: a number skipped and never seen is a removed event; one skipped and seen later is a
    reordered event; one seen twice is an inserted event (the one the next event does not follow);
    a row whose successor does not follow it replaced the original (inserted); a chain head or a
    published head whose event is gone means the tail was truncated.
    """
    max_w = 0  # the highest written number seen
    shift = 0  # row position minus written number, for rows in their place (moves after an insertion)
    by_w: OrderedDict[int, tuple[int, str]] = OrderedDict({0: (0, GENESIS)})  # recent: written -> (pos, hash)
    altered: set[int] = set()  # written numbers held by altered rows (their successor's link is not judged)
    gaps: list[list[int]] = []  # [first, last, position of the row that jumped past, its written number]
    reported_jumps: set[int] = set()
    dups: dict[int, list[tuple[int, str]]] = {}
    head_w: int | None = None
    published_w: int | None = 0 if expected_head == (0, GENESIS) else None  # 0:000… (empty) starts every chain
    beyond_head: list[int] = []
    last_pos, last_hash = 0, GENESIS
    for pos, stored_prev, stored_hash, recompute in rows:
        report.events += 1
        last_pos, last_hash = pos, stored_hash
        if recompute(stored_prev, pos) == stored_hash:
            w: int | None = pos
        else:
            w = next((s for s in _candidates(pos) if recompute(stored_prev, s) == stored_hash), None)
        if w is None:
            report.problems.append(f"altered: event {pos} does not match its hash")
            w = max_w + 1  # assume it holds the next place
            altered.add(w)
        if w > max_w:
            if w > max_w + 1:
                gaps.append([max_w + 1, w - 1, pos, w])
            else:
                shift = pos - w
            max_w = w
        else:
            gap = next((g for g in gaps if g[0] <= w <= g[1]), None)
            if gap is not None:  # a number skipped earlier turns up: a move, not a removal
                _take(gaps, gap, w)
                if gap[2] not in reported_jumps:
                    reported_jumps.add(gap[2])
                    report.problems.append(f"reordered: event at {gap[2]} was written as event {gap[3]}")
                if pos - w != shift:
                    report.problems.append(f"reordered: event at {pos} was written as event {w}")
            else:
                earlier = by_w.get(w)
                dups.setdefault(w, [earlier] if earlier else []).append((pos, stored_hash))
        if w - 1 in dups:  # of two events written with the same number, the one this event follows is genuine
            candidates = dups.pop(w - 1)
            genuine = next((c for c in candidates if c[1] == stored_prev), None)
            if genuine is not None:
                by_w[w - 1] = genuine
                for p, _ in candidates:
                    if p != genuine[0]:
                        report.problems.append(f"inserted: event {p} is not part of the chain")
            else:
                dups[w - 1] = candidates
        before = by_w.get(w - 1)
        if (before is not None and before[1] != stored_prev and w not in altered and w - 1 not in altered
                and w - 1 not in dups):
            report.problems.append(
                f"inserted: event {before[0]} replaced the event that event {pos} follows"
            )
        by_w.setdefault(w, (pos, stored_hash))
        if len(by_w) > 512:
            by_w.popitem(last=False)
        if stored_hash == head.hash:
            head_w = w
        if w > head.seq and len(beyond_head) < 20:
            beyond_head.append(pos)
        if expected_head is not None and stored_hash == expected_head[1]:
            published_w = w
    for first, last, _, _ in gaps:
        span = f"events {first}..{last}" if last > first else f"event {first}"
        report.problems.append(f"removed: {span} missing")
    for written, candidates in dups.items():
        for p, h in candidates[1:] if all(h != head.hash for _, h in candidates) else candidates:
            if h != head.hash:
                report.problems.append(f"inserted: event {p} repeats event {written}")
    report.head_seq, report.head_hash = last_pos, last_hash
    if head_w is not None:
        if head_w != head.seq:
            report.problems.append(f"altered: the chain head says {head.seq} but its event was written as {head_w}")
        for p in beyond_head:
            report.problems.append(f"inserted: event {p} is beyond the chain head ({head.seq})")
    elif head.seq > max_w:
        report.problems.append(f"truncated: the chain head says {head.seq} events, the log ends at {max_w}")
    elif head.seq or report.events:
        report.problems.append(f"altered: the chain head's hash does not match event {head.seq}")
    if expected_head is not None:
        e_seq, e_hash = expected_head
        if published_w is None and e_seq > max_w:
            report.problems.append(f"truncated: the published head is event {e_seq}, the log ends at {max_w}")
        elif published_w != e_seq:
            report.problems.append(f"altered: event {e_seq} differs from the published head")


def _take(gaps: list[list[int]], gap: list[int], w: int) -> None:
    """Remove one number from a gap (splitting it)."""
    first, last, pos, written = gap
    gaps.remove(gap)
    if first < w:
        gaps.append([first, w - 1, pos, written])
    if w < last:
        gaps.append([w + 1, last, pos, written])


def _candidates(seq: int) -> range:
    return range(max(1, seq - 50), seq + 51)

