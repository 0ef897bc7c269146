"""Persistence: a bundle is stored before it is decided; deciding is idempotent; revisions supersede."""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from sqlalchemy.exc import IntegrityError

from adapters.driven.db import migrate
from adapters.driven.db.audit_store import verify
from adapters.driven.db.models import Decision
from decision.basis import canonical_json
from tests.integration.conftest import EXAMPLES, TestDatabase, example_paths, load_bundle

ULID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")
WORKED = EXAMPLES / "01-worked-example-couple-two-children.json"


def test_schema_is_migrated_and_embedded_file_is_private(database: TestDatabase) -> None:
    head = ScriptDirectory.from_config(migrate.alembic_config()).get_current_head()
    assert migrate.current(database.db) == head
    assert database.count("audit_event") == 0
    assert database.rows("SELECT chain, seq FROM chain_head ORDER BY chain") == [("access", 0), ("audit", 0)]
    if database.backend == "sqlite":
        path = Path(database.url.removeprefix("sqlite:///"))
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        assert database.scalar("PRAGMA journal_mode") == "wal"


def test_decide_stores_revision_decision_uses_and_events(database: TestDatabase) -> None:
    outcomes = database.decide_examples()
    n = len(example_paths())
    assert n >= 10
    assert database.count("application") == n
    assert database.count("application_revision") == n
    assert database.count("decision") == n
    assert database.count("access_log") == n  # one read per decide, committed before it is shown
    events = database.rows("SELECT event, count(*) FROM audit_event GROUP BY event ORDER BY event")
    assert dict(events) == {"proposed": n, "received": n}
    with database.db.read() as s:
        for name, out in outcomes.items():
            assert out.created and ULID.match(out.decision_id), name
            d = s.get(Decision, out.decision_id)
            assert d is not None
            # the stored basis is the bytes the handler saw, with the pack, guideline and code that made it
            assert d.basis_json is not None and d.basis_json.encode("utf-8") == out.decided.basis.canonical_json()
            assert d.pack_hash == out.decided.evaluation.pack.hash
            assert d.guideline_hash == out.decided.evaluation.guideline.hash
            assert d.code_version and d.outcome == out.decided.basis.outcome
            assert json.loads(d.trace_json or "[]") == [st.to_json() for st in out.decided.evaluation.trace]
        uses = s.execute(sa.text("SELECT kind, count(*) FROM decision_use GROUP BY kind")).all()
        assert {k for k, _ in uses} == {"rule", "param", "finding"}
        assert verify(s).ok


def test_deciding_twice_is_idempotent(database: TestDatabase) -> None:
    first = database.decide(WORKED)
    events = database.count("audit_event")
    second = database.decide(WORKED)
    assert (second.decision_id, second.created) == (first.decision_id, False)
    assert database.count("decision") == 1
    assert database.count("application_revision") == 1
    assert database.count("audit_event") == events  # nothing changed, nothing recorded
    assert database.count("access_log") == 2  # but both reads were logged
    # the uniqueness is the database's, not only the code's
    with pytest.raises(IntegrityError), database.db.transaction() as s:
        d = s.get(Decision, first.decision_id)
        assert d is not None
        s.add(Decision(**{c.key: getattr(d, c.key) for c in Decision.__table__.columns} | {"id": "0" * 26}))
        s.flush()
    assert database.count("decision") == 1


def test_new_content_is_a_new_revision_and_supersedes(database: TestDatabase) -> None:
    bundle = load_bundle(WORKED)
    first = database.decide(bundle)
    data = json.loads(WORKED.read_text(encoding="utf-8"))
    data["application"]["costs"][0]["amount"] = "9999.00"
    changed = load_bundle_text(json.dumps(data))
    second = database.decide(changed)
    assert second.created and second.decision_id != first.decision_id
    assert database.rows("SELECT number FROM application_revision ORDER BY number") == [(1,), (2,)]
    assert database.scalar("SELECT superseded_by FROM decision WHERE id = :i", i=first.decision_id) == (
        second.decision_id
    )
    assert database.scalar("SELECT current_decision_id FROM application") == second.decision_id
    assert database.scalar("SELECT count(*) FROM audit_event WHERE event = 'superseded'") == 1
    with database.db.read() as s:
        assert verify(s).ok
    # the first revision keeps its bytes: its content hash is still the one recorded when it arrived
    stored = database.scalar("SELECT bundle_json FROM application_revision WHERE number = 1")
    assert canonical_json(json.loads(stored)) == canonical_json(bundle.to_json_dict())


def load_bundle_text(text: str):  # noqa: ANN201 - small helper
    from decision.validation import parse_bundle

    return parse_bundle(text.encode("utf-8"))


def test_case_list_hides_protected_identities(database: TestDatabase) -> None:
    outcomes = database.decide_examples()
    protected = {
        load_bundle(EXAMPLES / name).application.id
        for name, o in outcomes.items()
        if any(f.get("kind") == "protected_identity" and f.get("value") is True
               for e in json.loads((EXAMPLES / name).read_text())["registry"] for f in e.get("facts", []))
    }
    assert protected == {"APP-2024-000809"}
    with database.db.read() as s:
        listed = {r["application"] for r in database.store.recent(s, 100)}
        assert database.store.count_protected(s) == 1
    assert listed == {load_bundle(p).application.id for p in example_paths()} - protected
    out = database.cli_json("case", "list", "--json", "--limit", "100")
    assert {r["application"] for r in out["applications"]} == listed
    assert out["protected_not_listed"] == 1
    assert "APP-2024-000809" not in json.dumps(out)
