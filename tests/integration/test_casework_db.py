"""Casework tables on SQLite and PostgreSQL: journal notes, kommunicering and changed decisions are
append-only (the triggers refuse UPDATE and DELETE except retention's blanking), retention blanks their
text with the case, and ``audit verify`` covers them before and after."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DatabaseError

from adapters.driven.db.audit_store import purge, verify
from adapters.driven.db.uow import SqlUnitOfWork
from decision.services import communicating, notes
from decision.services.retention import Exemptions
from decision.services.signoff_types import Signer
from tests.integration.conftest import EXAMPLES, HMAC_KEY, TestDatabase
from tests.unit.services.conftest import Clock

HANDLER = Signer("user:handlaggare1", "Hanna Handläggare", "socialsekreterare", "handler")


def test_casework_rows_are_append_only_purged_with_the_case_and_verified(database: TestDatabase) -> None:
    out = database.decide(next(EXAMPLES.glob("03-*.json")))
    app_id = out.decided.bundle.application.id
    uow = SqlUnitOfWork(database.db, access_key=HMAC_KEY.encode())
    note = notes.add_note(uow, Clock(), HANDLER, app_id, "Ringde om hyresavtalet.").note_id
    sent = communicating.send(uow, Clock(), HANDLER, app_id,
                              communicating.SendRequest(out.decision_id, ("line:0",), message="Hyran."))
    for sql in ("UPDATE case_note SET text = 'förfalskad'", "UPDATE case_note SET author = 'user:x'",
                "DELETE FROM case_note", "UPDATE communication SET text = 'x'", "DELETE FROM communication",
                "UPDATE case_note SET text = NULL"):
        with pytest.raises(DatabaseError), database.db.engine.begin() as conn:
            conn.execute(sa.text(sql))
    with database.db.read() as s:
        report = verify(s)
    assert report.ok, report.all_problems()
    result = purge(database.db, date(2100, 1, 1), Exemptions(frozenset(), frozenset(), frozenset()), "cli:gallring")
    assert app_id in result.purged
    assert database.rows("SELECT text, purged_at IS NOT NULL FROM case_note WHERE id = :i", i=note) == [(None, True)]
    assert database.rows("SELECT items_json, text FROM communication WHERE id = :i", i=sent) == [(None, None)]
    with database.db.read() as s:
        report = verify(s)
    assert report.ok, report.all_problems()
    with database.bypass_triggers() as conn:  # tampering behind the trail's back is named
        conn.execute(sa.text("UPDATE case_note SET author = 'user:x'"))
    with database.db.read() as s:
        report = verify(s)
    assert any(p.startswith(f"case_note:{note}: altered") for p in report.all_problems()), report.all_problems()
