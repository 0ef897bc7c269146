"""``audit verify`` at scale holds what the chain recorded on disk, sorted by record id, and merges it with the
tables read in id order (audit/spill.py): with runs of a few items — so that every table's facts go through
temporary files and the merge — it says exactly what it says with everything in one run, on SQLite and
PostgreSQL, for an untouched trail and for each kind of tampering."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from adapters.driven.db.audit_store import SqlTrail, verify
from audit import spill
from audit.verify import VerifyReport, check
from tests.integration.conftest import TestDatabase
from tests.integration.test_audit_trail import TAMPERING, _decide_some


def _said(report: VerifyReport) -> tuple[Any, ...]:
    return (report.ok, report.all_problems(), report.lawful, report.unjudged, report.legacy,
            report.checked_decisions, report.checked_revisions, report.audit.events, report.access.events)


def _both(database: TestDatabase, monkeypatch: pytest.MonkeyPatch) -> tuple[tuple[Any, ...], tuple[Any, ...], int]:
    opened: list[Any] = []
    real = spill.tempfile.TemporaryFile

    def counting() -> Any:
        opened.append(real())
        return opened[-1]

    with database.db.read() as s:
        whole = _said(verify(s))
    with monkeypatch.context() as m:
        m.setattr(spill, "RUN", 2)
        m.setattr(spill.tempfile, "TemporaryFile", counting)
        with database.db.read() as s:
            streamed = _said(verify(s))
    assert all(f.closed for f in opened)
    return whole, streamed, len(opened)


def delete_decision_row(db: TestDatabase, conn: Connection) -> None:
    d = conn.execute(sa.text("SELECT max(id) FROM decision")).scalar_one()
    conn.execute(sa.text("DELETE FROM decision_use WHERE decision_id = :d"), {"d": d})
    conn.execute(sa.text("DELETE FROM decision WHERE id = :d"), {"d": d})


def delete_revision_row(db: TestDatabase, conn: Connection) -> None:
    r = conn.execute(sa.text("SELECT min(id) FROM application_revision")).scalar_one()
    for d in conn.execute(sa.text("SELECT id FROM decision WHERE revision_id = :r"), {"r": r}).scalars().all():
        conn.execute(sa.text("DELETE FROM decision_use WHERE decision_id = :d"), {"d": d})
        conn.execute(sa.text("DELETE FROM decision WHERE id = :d"), {"d": d})
    conn.execute(sa.text("DELETE FROM registry_evidence WHERE revision_id = :r"), {"r": r})
    conn.execute(sa.text("DELETE FROM application_revision WHERE id = :r"), {"r": r})


def move_state(db: TestDatabase, conn: Connection) -> None:
    conn.execute(sa.text("UPDATE application SET state = 'signed' WHERE id = (SELECT min(id) FROM application)"))


KINDS = {"untouched": (lambda db, conn: None, []), **{k: TAMPERING[k] for k in (
    "delete_event", "insert_event", "alter_basis", "alter_bundle", "delete_basis")},
    "delete_decision_row": (delete_decision_row, ["but no longer stored (deleted)"]),
    "delete_revision_row": (delete_revision_row, ["named by its 'received' event but no longer stored (deleted)"]),
    "move_state": (move_state, ["state 'signed' but its last transition event"])}


@pytest.mark.parametrize("kind", list(KINDS))
def test_streamed_verify_says_what_verify_in_one_run_says(
        database: TestDatabase, monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    tamper, expected = KINDS[kind]
    _decide_some(database)
    with database.bypass_triggers() as conn:
        tamper(database, conn)
    whole, streamed, files = _both(database, monkeypatch)
    assert streamed == whole
    assert files >= 5  # facts of decisions, revisions and applications went through disk
    problems = whole[1] + whole[3]
    for fragment in expected:
        assert any(fragment in p for p in problems), (fragment, problems)
    assert whole[0] is (not expected)


def test_ordering_by_the_c_collation_or_by_a_c_locales_index_says_the_same(database: TestDatabase) -> None:
    """On PostgreSQL the tables are read in "C" order: with ``COLLATE "C"`` (any database), or by the primary key's
    index where the database's own collation is a C locale already (adapters/driven/db/audit_store.py)."""
    _decide_some(database)
    with database.bypass_triggers() as conn:
        move_state(database, conn)
    said = []
    for c_locale in (None, False):
        with database.db.read() as s:
            trail = SqlTrail(s)
            trail._c_locale = c_locale  # None: asked of the database; False: COLLATE "C" in every ordered read
            said.append(_said(check(trail)))
    assert said[0] == said[1] and not said[0][0]
