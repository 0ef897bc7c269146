"""The audit trail is append-only and tamper-evident: verify names every kind of tampering.

Each tampering test goes around the append-only triggers on purpose (``bypass_triggers``), as an
attacker with the database owner's rights would, and then checks that both ``audit.verify.verify``
and ``finaid audit verify`` name what was done.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from adapters.driven.db.audit_store import verify
from adapters.driven.db.models import AuditEvent
from audit.chain import audit_hash, canonical
from decision.basis import canonical_json
from tests.integration.conftest import TestDatabase, example_paths

Tamper = Callable[[TestDatabase, Connection], None]


def _decide_some(database: TestDatabase, n: int = 5) -> None:
    for path in example_paths()[:n]:
        database.decide(path)


def _renumber(conn: Connection, from_seq: int, delta: int) -> None:
    """seq += delta for seq >= from_seq, in two steps so the primary key never collides."""
    conn.execute(sa.text("UPDATE audit_event SET seq = -(seq + :d) WHERE seq >= :s"), {"d": delta, "s": from_seq})
    conn.execute(sa.text("UPDATE audit_event SET seq = -seq WHERE seq < 0"))


def _forge(conn: Connection, seq: int) -> None:
    """Insert a well-formed event at ``seq``, chained to the event before it (the attacker knows sha256)."""
    prev = conn.execute(sa.text("SELECT hash FROM audit_event WHERE seq = :s"), {"s": seq - 1}).scalar_one()
    at = datetime.now(UTC)
    payload = canonical({"application": "APP-FORGED", "outcome": "GRANT"})
    digest = audit_hash(prev, seq, at, "user:mallory", "proposed", "decision:FORGED", payload)
    conn.execute(sa.insert(AuditEvent.__table__).values(
        seq=seq, at=at, actor="user:mallory", event="proposed", subject="decision:FORGED", payload=payload,
        prev_hash=prev, hash=digest,
    ))


def alter_event(db: TestDatabase, conn: Connection) -> None:
    conn.execute(sa.text("UPDATE audit_event SET actor = 'user:mallory' WHERE seq = 3"))


def delete_event(db: TestDatabase, conn: Connection) -> None:
    conn.execute(sa.text("DELETE FROM audit_event WHERE seq = 4"))  # a 'proposed' event; its decision stays


def delete_and_renumber(db: TestDatabase, conn: Connection) -> None:
    conn.execute(sa.text("DELETE FROM audit_event WHERE seq = 4"))
    _renumber(conn, 5, -1)
    last = conn.execute(sa.text("SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1")).one()
    conn.execute(sa.text("UPDATE chain_head SET seq = :s, hash = :h WHERE chain = 'audit'"),
                 {"s": last.seq, "h": last.hash})


def insert_event(db: TestDatabase, conn: Connection) -> None:
    _renumber(conn, 4, +1)
    _forge(conn, 4)


def insert_event_and_move_head(db: TestDatabase, conn: Connection) -> None:
    insert_event(db, conn)
    last = conn.execute(sa.text("SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1")).one()
    conn.execute(sa.text("UPDATE chain_head SET seq = :s, hash = :h WHERE chain = 'audit'"),
                 {"s": last.seq, "h": last.hash})


def append_event(db: TestDatabase, conn: Connection) -> None:
    n = conn.execute(sa.text("SELECT max(seq) FROM audit_event")).scalar_one()
    _forge(conn, n + 1)


def replace_event(db: TestDatabase, conn: Connection) -> None:
    conn.execute(sa.text("DELETE FROM audit_event WHERE seq = 4"))
    _forge(conn, 4)


def reorder_events(db: TestDatabase, conn: Connection) -> None:
    conn.execute(sa.text("UPDATE audit_event SET seq = -1 WHERE seq = 3"))
    conn.execute(sa.text("UPDATE audit_event SET seq = 3 WHERE seq = 6"))
    conn.execute(sa.text("UPDATE audit_event SET seq = 6 WHERE seq = -1"))


def truncate_tail(db: TestDatabase, conn: Connection) -> None:
    conn.execute(sa.text("DELETE FROM audit_event WHERE seq > 7"))


def alter_basis(db: TestDatabase, conn: Connection) -> None:
    row = conn.execute(sa.text("SELECT id, basis_json FROM decision ORDER BY id LIMIT 1")).one()
    basis = json.loads(row.basis_json)
    basis["amounts"]["proposed"] = "99999.00"
    conn.execute(sa.text("UPDATE decision SET basis_json = :b WHERE id = :i"),
                 {"b": canonical_json(basis).decode("utf-8"), "i": row.id})


def alter_bundle(db: TestDatabase, conn: Connection) -> None:
    row = conn.execute(sa.text("SELECT id, bundle_json FROM application_revision ORDER BY id LIMIT 1")).one()
    bundle = json.loads(row.bundle_json)
    bundle["application"]["costs"][0]["amount"] = "1.00"
    conn.execute(sa.text("UPDATE application_revision SET bundle_json = :b WHERE id = :i"),
                 {"b": json.dumps(bundle, ensure_ascii=False), "i": row.id})


def delete_basis(db: TestDatabase, conn: Connection) -> None:
    conn.execute(sa.text("UPDATE decision SET basis_json = NULL, trace_json = NULL"
                         " WHERE id = (SELECT min(id) FROM decision)"))


def alter_access(db: TestDatabase, conn: Connection) -> None:
    conn.execute(sa.text("UPDATE access_log SET purpose = 'tillsyn' WHERE seq = 2"))


# kind of tampering -> what verify must say (every fragment must occur in one problem line)
TAMPERING: dict[str, tuple[Tamper, list[str]]] = {
    "alter_event": (alter_event, ["audit log: altered: event 3 "]),
    "delete_event": (delete_event, ["audit log: removed: event 4 missing", "has no 'proposed' audit event"]),
    "delete_and_renumber": (delete_and_renumber, ["audit log: removed: event 4 missing"]),
    "insert_event": (insert_event, ["audit log: inserted: event 4 is not part of the chain"]),
    "insert_and_move_head": (insert_event_and_move_head, ["audit log: inserted: event 4 is not part of the chain"]),
    "append_event": (append_event, ["audit log: inserted: event 11 is beyond the chain head (10)"]),
    "replace_event": (replace_event, ["audit log: inserted: event 4 replaced the event that event 5 follows"]),
    "reorder_events": (reorder_events, ["audit log: reordered: event at 3 was written as event 6",
                                        "audit log: reordered: event at 6 was written as event 3"]),
    "truncate_tail": (truncate_tail, ["audit log: truncated: the chain head says 10 events, the log ends at 7"]),
    "alter_basis": (alter_basis, ["the stored basis does not match its hash (altered)"]),
    "alter_bundle": (alter_bundle, ["the stored bundle does not match its hash (altered)"]),
    "delete_basis": (delete_basis, ["basis deleted without a purge event"]),
    "alter_access_entry": (alter_access, ["access log: altered: event 2 "]),
}


def test_verify_is_clean_on_an_untouched_trail(database: TestDatabase) -> None:
    _decide_some(database)
    with database.db.read() as s:
        report = verify(s)
    assert report.ok, report.all_problems()
    assert (report.audit.events, report.access.events) == (10, 5)
    assert (report.checked_decisions, report.checked_revisions) == (5, 5)
    head = database.cli("audit", "head").stdout.strip()
    assert head == f"10:{report.audit.head_hash}"
    out = database.cli_json("audit", "verify", "--json", "--expected-head", head)
    assert out["ok"] and out["problems"] == [] and out["head"] == head


# the tampering kinds docs/audit.md names are also checked through the real CLI (each run costs a second)
CLI_CHECKED = {"alter_event", "delete_event", "insert_event", "reorder_events", "truncate_tail", "alter_basis",
               "alter_bundle"}


@pytest.mark.parametrize("kind", list(TAMPERING))
def test_verify_names_tampering(database: TestDatabase, kind: str) -> None:
    tamper, expected = TAMPERING[kind]
    _decide_some(database)
    with database.bypass_triggers() as conn:
        tamper(database, conn)
    with database.db.read() as s:
        problems = verify(s).all_problems()
    for fragment in expected:
        assert any(fragment in p for p in problems), (fragment, problems)
    # one tampering, a handful of lines: not a cascade over every later event
    assert len(problems) <= 4, problems
    if kind not in CLI_CHECKED:
        return
    proc = database.cli("audit", "verify")
    # exit 1 is also what any error ends in (adapters/driving/cli/main.py: a message on stderr, nothing on stdout),
    # so every check below shows the CLI's whole output: a failure says whether verify missed it or the CLI failed
    output = f"exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    assert proc.returncode == 1, output
    tampered = [line for line in proc.stdout.splitlines() if line.startswith("TAMPERED: ")]
    assert tampered == [f"TAMPERED: {p}" for p in problems], output
    assert proc.stdout.rstrip().endswith(f"FAILED: {len(problems)} problem(s)"), output


def test_expected_head_catches_a_truncation_that_rewound_the_head(database: TestDatabase) -> None:
    paths = example_paths()[:4]
    for path in paths[:3]:
        database.decide(path)
    published = database.cli("audit", "head").stdout.strip()
    assert published.startswith("6:")
    database.decide(paths[3])
    seq, _, digest = published.partition(":")
    with database.db.read() as s:  # the chain grew since it was published: still fine
        assert verify(s, (int(seq), digest)).ok
    # an attacker removes the last two cases entirely — records, events — and rewinds the head row
    with database.bypass_triggers() as conn:
        apps = [r[0] for r in conn.execute(sa.text(
            "SELECT subject FROM audit_event WHERE event = 'received' AND seq > 4"))]
        ids = [a.split(":", 1)[1] for a in apps]
        params = {f"a{i}": a for i, a in enumerate(ids)}
        in_apps = "(" + ", ".join(f":a{i}" for i in range(len(ids))) + ")"
        conn.execute(sa.text("DELETE FROM decision_use WHERE decision_id IN "
                             f"(SELECT id FROM decision WHERE application_id IN {in_apps})"), params)
        conn.execute(sa.text(f"DELETE FROM decision WHERE application_id IN {in_apps}"), params)
        conn.execute(sa.text(f"DELETE FROM application_revision WHERE application_id IN {in_apps}"), params)
        conn.execute(sa.text(f"DELETE FROM application WHERE id IN {in_apps}"), params)
        conn.execute(sa.text("DELETE FROM audit_event WHERE seq > 4"))
        h4 = conn.execute(sa.text("SELECT hash FROM audit_event WHERE seq = 4")).scalar_one()
        conn.execute(sa.text("UPDATE chain_head SET seq = 4, hash = :h WHERE chain = 'audit'"), {"h": h4})
    # without the published head the shortened chain is self-consistent …
    assert database.cli("audit", "verify").returncode == 0
    # … with it, the truncation is named
    proc = database.cli("audit", "verify", "--expected-head", published)
    assert proc.returncode == 1
    assert "TAMPERED: audit log: truncated: the published head is event 6, the log ends at 4" in proc.stdout


@pytest.mark.parametrize("table", ["audit_event", "access_log", "access_person"])
def test_append_only_tables_refuse_update_and_delete(database: TestDatabase, table: str) -> None:
    _decide_some(database, 2)
    before = database.rows(f"SELECT * FROM {table} ORDER BY seq")
    assert before
    column = "person_key" if table == "access_person" else "actor"
    statements = [f"UPDATE {table} SET {column} = 'x'", f"DELETE FROM {table}", f"DELETE FROM {table} WHERE seq = 1"]
    if database.backend == "postgresql":
        statements.append(f"TRUNCATE {table}")
    for sql in statements:
        with pytest.raises(DBAPIError, match="append-only"), database.db.engine.begin() as conn:
            conn.execute(sa.text(sql))
    assert database.rows(f"SELECT * FROM {table} ORDER BY seq") == before


def test_runtime_role_may_only_insert_and_select_audit_rows(database: TestDatabase) -> None:
    if database.backend != "postgresql":
        pytest.skip("roles are PostgreSQL's")
    if not database.scalar("SELECT count(*) FROM pg_roles WHERE rolname = 'finaid_runtime'"):
        pytest.skip("role finaid_runtime does not exist (the migrating user lacks CREATEROLE)")
    schema = database.schema
    for table in ("audit_event", "access_log", "access_person"):
        privileges = {
            p: database.scalar("SELECT has_table_privilege('finaid_runtime', :t, :p)", t=f"{schema}.{table}", p=p)
            for p in ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE")
        }
        assert privileges == {"SELECT": True, "INSERT": True, "UPDATE": False, "DELETE": False, "TRUNCATE": False}
    # it updates a decision's state columns, never its personal content (only finaid_purge may: docs/operations.md)
    assert database.scalar("SELECT has_column_privilege('finaid_runtime', :t, 'superseded_by', 'UPDATE')",
                           t=f"{schema}.decision")
    assert not database.scalar("SELECT has_column_privilege('finaid_runtime', :t, 'basis_json', 'UPDATE')",
                               t=f"{schema}.decision")
    # a handler's day (migration 0008): taking and handing over a case updates the assignment columns
    for column in ("assigned_to", "assigned_at"):
        assert database.scalar("SELECT has_column_privilege('finaid_runtime', :t, :c, 'UPDATE')",
                               t=f"{schema}.application", c=column)
    # even with the triggers out of the way, the runtime role cannot rewrite history
    _decide_some(database, 1)
    for sql in ("UPDATE audit_event SET actor = 'x'", "DELETE FROM audit_event", "TRUNCATE audit_event"):
        with pytest.raises(DBAPIError, match="permission denied"), database.db.engine.begin() as conn:
            conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
            conn.exec_driver_sql("SET LOCAL ROLE finaid_runtime")
            conn.exec_driver_sql(sql)
