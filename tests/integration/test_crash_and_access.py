"""A crash between storing and deciding loses nothing; an unwritable access log shows nothing."""

from __future__ import annotations

import re

import pytest

from adapters.driven.crash import POINTS
from adapters.driven.db.audit_store import verify
from audit.access import AccessLogError
from tests.integration.conftest import EXAMPLES, TestDatabase

WORKED = EXAMPLES / "01-worked-example-couple-two-children.json"
PROTECTED = EXAMPLES / "09-protected-identity-moved-with-children.json"
ULID = r"[0-9A-HJKMNP-TV-Z]{26}"


def test_crash_after_store_keeps_the_revision_and_never_a_decision_without_its_event(
    database: TestDatabase,
) -> None:
    assert "after_store" in POINTS
    proc = database.cli("case", "decide", WORKED, env={"FINAID_CRASH_AT": "after_store"})
    assert proc.returncode == 137, proc.stderr
    assert proc.stdout == ""
    # the revision is stored and undecided
    assert database.rows("SELECT id, state, current_decision_id FROM application") == [
        ("APP-2023-000042", "fetched", None)
    ]
    assert database.count("application_revision") == 1
    assert database.count("decision") == 0
    assert database.count("decision_use") == 0
    assert database.rows("SELECT event FROM audit_event ORDER BY seq") == [("received",)]
    with database.db.read() as s:
        assert verify(s).ok
    # deciding again (the batch would) decides the stored revision; nothing is duplicated
    proc = database.cli("case", "decide", WORKED)
    assert proc.returncode == 0, proc.stderr
    match = re.search(rf"^decision ({ULID})$", proc.stderr, re.MULTILINE)
    assert match, proc.stderr
    assert database.count("application_revision") == 1
    assert database.rows("SELECT id FROM decision") == [(match.group(1),)]
    assert database.scalar("SELECT state FROM application") == "proposed"
    assert database.rows("SELECT event, subject FROM audit_event ORDER BY seq")[1] == (
        "proposed", f"decision:{match.group(1)}"
    )
    with database.db.read() as s:
        report = verify(s)
    assert report.ok, report.all_problems()
    # every decision has its audit event (the invariant a crash anywhere must keep)
    assert database.scalar(
        "SELECT count(*) FROM decision d WHERE NOT EXISTS "
        "(SELECT 1 FROM audit_event e WHERE e.event = 'proposed' AND e.subject = 'decision:' || d.id)"
    ) == 0


def test_nothing_is_shown_when_the_access_log_cannot_be_written(database: TestDatabase) -> None:
    out = database.decide(WORKED)
    database.decide(PROTECTED)
    accesses = database.count("access_log")
    database.block_access_log()
    with pytest.raises(AccessLogError, match="nothing is shown"):
        database.access.record("user:x", "revision", "cli", "why", "decision:x", ["198507092388"])
    number = database.scalar("SELECT bundle_json FROM application_revision WHERE application_id = 'APP-2023-000042'")
    personnummer = "198507092388"
    assert personnummer in number
    runs = {
        "why": database.cli("audit", "why", out.decision_id),
        "query": database.cli("audit", "query", "--pack", out.decided.evaluation.pack.id, "--csv"),
        "access": database.cli("audit", "access", "--json", stdin=personnummer + "\n"),
    }
    for name, proc in runs.items():
        assert proc.returncode == 1, (name, proc.returncode, proc.stderr)
        assert proc.stdout == "", (name, proc.stdout)
        assert "access log could not be written" in proc.stderr, (name, proc.stderr)
        assert personnummer not in proc.stderr and personnummer[2:] not in proc.stderr
    assert database.count("access_log") == accesses
