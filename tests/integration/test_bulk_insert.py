"""Bulk writes (adapters/driven/db/bulk.py: COPY on PostgreSQL, executemany on SQLite) store exactly what the
row-by-row path stores: the same rows read back, the same hash chains, the same conflict on a duplicate key."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from adapters.driven.db.bulk import among, insert_rows
from adapters.driven.db.models import AccessEntry, AccessPerson, AuditEvent, ChainHead, DecisionUse, Evidence
from adapters.driven.db.trail import append_access, append_access_many, append_events
from audit.chain import access_hash

AT = datetime(2026, 12, 4, 1, 2, 3, 456789, tzinfo=UTC)


def _read(s: Session, model: Any) -> list[tuple[Any, ...]]:
    table = model.__table__
    return [tuple(r) for r in s.execute(select(table).order_by(*table.primary_key.columns))]


def _both(database: Any, model: Any, rows: list[dict[str, Any]]) -> tuple[list[Any], list[Any]]:
    """The table's rows after inserting ``rows`` statement by statement, and after ``insert_rows`` (each in a
    transaction rolled back afterwards: the audit tables refuse DELETE)."""
    out = []
    for write in (
        lambda s: [s.execute(insert(model), [row]) for row in rows],
        lambda s: insert_rows(s, model, rows),
    ):
        with database.db.sessions() as s, s.begin():
            write(s)
            out.append(_read(s, model))
            s.rollback()
    return out[0], out[1]


def test_evidence_rows_are_the_same(database: Any) -> None:
    rows = [
        {"request_id": f"01J:{i}", "revision_id": None if i % 2 else "01REV", "sha256": f"{i:064x}",
         "raw": None if i == 3 else b"<Envelope>\x00\xff\xc3\xa5</Envelope>" * (i + 1),
         "stored_at": AT + timedelta(seconds=i), "purged_at": None}
        for i in range(5)
    ]
    row_by_row, bulk = _both(database, Evidence, rows)
    assert bulk == row_by_row
    assert len(bulk) == 5 and bulk[0][3] == rows[0]["raw"]


def test_among_selects_what_in_selects(database: Any) -> None:
    """``among`` (one array parameter on PostgreSQL) finds exactly the rows ``IN`` finds, none for no values."""
    rows = [{"request_id": f"01J:{i}", "revision_id": None, "sha256": f"{i:064x}", "raw": None,
             "stored_at": AT, "purged_at": None} for i in range(6)]
    wanted = ["01J:1", "01J:4", "01J:4", "01J:9", "01J:'; --"]
    with database.db.sessions() as s, s.begin():
        insert_rows(s, Evidence, rows)

        def ids(condition: Any) -> list[str]:
            return sorted(s.execute(select(Evidence.request_id).where(condition)).scalars())

        expanded, array = ids(Evidence.request_id.in_(wanted)), ids(among(s, Evidence.request_id, wanted))
        nothing = ids(among(s, Evidence.request_id, []))
        s.rollback()
    assert array == expanded == ["01J:1", "01J:4"]
    assert nothing == []


def test_audit_and_access_rows_are_the_same(database: Any) -> None:
    events = [
        {"seq": 900 + i, "at": AT, "actor": "system:batch", "event": "proposed", "subject": f"decision:{i}",
         "payload": '{"a":"å\\"\\t\\\\n","n":1}', "prev_hash": "0" * 64, "hash": f"{i:064x}"}
        for i in range(3)
    ]
    row_by_row, bulk = _both(database, AuditEvent, events)
    assert bulk == row_by_row and len(bulk) == 3
    persons = [{"seq": 900, "person_key": f"k{i}"} for i in range(4)]
    row_by_row, bulk = _both(database, AccessPerson, persons)
    assert bulk == row_by_row and len(bulk) == 4


def test_decision_use_rows_are_the_same(database: Any) -> None:
    from tests.integration.conftest import example_paths

    decision_id = database.decide(example_paths()[0]).decision_id
    rows = [{"decision_id": decision_id, "kind": "bench", "ref": f"ref.{i}", "decided_at": AT} for i in range(7)]
    row_by_row, bulk = _both(database, DecisionUse, rows)
    assert bulk == row_by_row
    assert [r[:3] for r in bulk if r[1] == "bench"] == [(decision_id, "bench", f"ref.{i}") for i in range(7)]


def test_a_duplicate_key_is_an_integrity_error(database: Any) -> None:
    row = {"seq": 1, "person_key": "k"}
    with database.db.sessions() as s, s.begin():
        insert_rows(s, AccessPerson, [row])
        with pytest.raises(sa.exc.IntegrityError):
            insert_rows(s, AccessPerson, [row])
        s.rollback()


def test_rows_must_name_the_same_columns(database: Any) -> None:
    with database.db.sessions() as s, s.begin():
        with pytest.raises(ValueError, match="same columns"):
            insert_rows(s, AccessPerson, [{"seq": 1, "person_key": "a"}, {"seq": 2}])
        with pytest.raises(ValueError, match="no such columns"):
            insert_rows(s, AccessPerson, [{"seq": 1, "person_key": "a", "other": 1}])
        s.rollback()


def _chain(s: Session) -> tuple[list[Any], list[Any], tuple[int, str]]:
    head = s.execute(select(ChainHead.seq, ChainHead.hash).where(ChainHead.chain == "access")).one()
    return _read(s, AccessEntry), _read(s, AccessPerson), (head[0], head[1])


def _orm_append(s: Session, subject: str, person_keys: list[str]) -> None:
    """The row-by-row path the bulk one replaced (ORM objects, one flush per entry), as the reference."""
    head = s.execute(select(ChainHead).where(ChainHead.chain == "access").with_for_update()).scalar_one()
    keys = sorted(set(person_keys))
    row = AccessEntry(seq=head.seq + 1, at=AT, actor="system:batch", purpose="handlaggning", channel="batch",
                      action="registry_read", subject=subject, person_keys=" ".join(keys), prev_hash=head.hash,
                      hash="")
    row.hash = access_hash(head.hash, row)
    s.add(row)
    for key in keys:
        s.add(AccessPerson(seq=row.seq, person_key=key))
    head.seq, head.hash = row.seq, row.hash
    s.flush()


def test_access_entries_in_bulk_chain_as_one_by_one(database: Any) -> None:
    reads = [(f"application:{i}", [f"key{i}", "shared", f"key{i}"]) for i in range(4)]
    chains = []
    for way in ("orm", "one", "many"):
        with database.db.sessions() as s, s.begin():
            append_events(s, [("a", "e", "s", {})], AT)  # another chain in the same transaction
            if way == "many":
                append_access_many(s, "system:batch", "handlaggning", "batch", "registry_read", reads, AT)
            for subject, keys in reads if way != "many" else []:
                if way == "orm":
                    _orm_append(s, subject, keys)
                else:
                    append_access(s, "system:batch", "handlaggning", "batch", "registry_read", subject, keys, AT)
            chains.append(_chain(s))
            s.rollback()
    assert chains[0] == chains[1] == chains[2]
    entries, persons, head = chains[1]
    assert [e[0] for e in entries] == [1, 2, 3, 4] and head == (4, entries[-1][-1])
    assert len(persons) == 8 and entries[1][-2] == entries[0][-1]  # each entry's prev_hash is its predecessor's
