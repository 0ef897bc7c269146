"""Sign-offs and letters are append-only; retention blanks their personal content and nothing else."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DatabaseError

from adapters.driven.db.audit_store import purge, verify
from adapters.driving.web.signoff import SignRequest, sign
from decision.services.retention import Exemptions
from tests.integration.web.conftest import Web


def test_sign_off_and_letter_refuse_update_and_delete_but_allow_the_purge(web: Web, ids: dict[str, str]) -> None:
    app_id = ids["01"]
    result = sign(web.db, web.identity("handlaggare1"), app_id, SignRequest("approve", web.decision_id(app_id)),
                  web.app.state.services.policy, web.app.state.services.letters)
    for sql in ("UPDATE sign_off SET action = 'amend'", "UPDATE sign_off SET record_json = '{}'",
                "DELETE FROM sign_off", "UPDATE letter SET html = 'forged'", "DELETE FROM letter",
                "UPDATE sign_off SET record_json = NULL"):
        with pytest.raises(DatabaseError), web.db.engine.begin() as conn:
            conn.execute(sa.text(sql))
    record_hash = web.scalar("SELECT record_hash FROM sign_off WHERE id = :i", i=result.sign_off_id)
    outcome = purge(web.db, date(2100, 1, 1), Exemptions(frozenset(), frozenset(), frozenset()), "cli:gallring")
    assert app_id in outcome.purged
    row = web.rows("SELECT record_json, record_hash, purged_at FROM sign_off WHERE id = :i", i=result.sign_off_id)[0]
    assert row[0] is None and row[1] == record_hash and row[2] is not None
    assert web.rows("SELECT html, pdf, html_sha256 FROM letter")[0][:2] == (None, None)
    with web.db.read() as s:
        report = verify(s)
    assert report.ok, report.all_problems()
    c = web.login("auditor1")
    assert c.get(f"/case/{app_id}").status_code == 404  # nothing personal left to show
