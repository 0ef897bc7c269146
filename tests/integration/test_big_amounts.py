"""Issue 18, finding 1: every amount the contract accepts can be decided and stored, and every sum of them.

Example 01 plus a union fee of 999 999 999,99 kr proposes more than the nine-digit contract limit;
it used to be accepted (202, ``case submit``) and then fail while the decision was stored. Now it
decides, stores (64-bit öre, SQLite and PostgreSQL), renders and is shown by ``audit why``.

The sums are decided as of 2026-12-02, with the ``_v1`` packs, which accept such a fee as declared: from
2026-12-03 the ``_v2`` packs count it at the guideline's plausibility limit (issue 18, second part;
tests/unit/services/test_plausibility.py), so no proposal could reach these sums any more, yet a stored
``_v1`` decision still holds them.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from adapters.driven.clock import FixedClock
from adapters.driven.db.audit_store import load_why
from adapters.driven.render.html import render_basis_html
from audit.why import render_text
from decision.money import format_kr_sv, parse_sum
from decision.services.deciding import Outcome
from decision.strict import MAX_KRONOR_ORE
from decision.validation import parse_bundle
from tests.decide import decide_and_store
from tests.integration.conftest import ACTOR, EXAMPLES, TestDatabase
from tests.services import SERVICES

WORKED = EXAMPLES / "01-worked-example-couple-two-children.json"
WORKED_PROPOSED_ORE = 836000
BEFORE_V2 = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)  # the _v1 packs are selected (the _v2 from 2026-12-03)
V1_ENV = {"FINAID_MODE": "demo", "FINAID_TODAY": "2026-12-02"}  # the CLI's clock on that date


def decide_v1(database: TestDatabase, bundle: Any) -> Outcome:
    return decide_and_store(bundle, pipeline=database.pipeline, catalog=SERVICES.catalog, store=database.store,
                            access=database.access, actor=ACTOR, clock=FixedClock(BEFORE_V2))


def huge_union_fee() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(WORKED.read_text(encoding="utf-8"))
    data["application"]["costs"].append({"kind": "union_fee", "amount": "999999999.99"})
    return data


def every_cost_at_the_limit() -> dict[str, Any]:
    """200 costs of 999 999 999,99 kr: the largest costs sum the contract allows (about 2·10^11 kr)."""
    data: dict[str, Any] = json.loads(WORKED.read_text(encoding="utf-8"))
    data["application"]["costs"] = [{"kind": "union_fee", "amount": "999999999.99"}] * 200
    return data


def test_a_proposal_above_the_contract_limit_decides_and_stores(database: TestDatabase) -> None:
    bundle = parse_bundle(json.dumps(huge_union_fee()))
    out = decide_v1(database, bundle)
    proposed = out.decided.basis.amounts.proposed
    proposed_ore = parse_sum(proposed)
    assert proposed_ore > MAX_KRONOR_ORE, proposed
    assert proposed_ore == WORKED_PROPOSED_ORE + MAX_KRONOR_ORE, "a union fee is accepted in full"
    stored = database.scalar("SELECT proposed_ore FROM decision WHERE id = :id", id=out.decision_id)
    assert int(stored) == proposed_ore
    assert database.scalar("SELECT state FROM application WHERE id = :id", id=bundle.application.id) == "proposed"
    with database.db.read() as s:
        why = load_why(s, out.decision_id)
    assert why.basis_intact is True
    assert why.basis is not None and why.basis["amounts"]["proposed"] == proposed == "1000008359.99"
    assert f"föreslaget {proposed} kr" in render_text(why)
    assert format_kr_sv(proposed_ore) in render_basis_html(out.decided)


def test_the_largest_sums_the_contract_allows_are_stored_exactly(database: TestDatabase) -> None:
    out = decide_v1(database, parse_bundle(json.dumps(every_cost_at_the_limit())))
    costs_ore = parse_sum(out.decided.basis.amounts.costs_accepted)
    assert costs_ore == 200 * MAX_KRONOR_ORE
    proposed_ore = parse_sum(out.decided.basis.amounts.proposed)
    assert int(database.scalar("SELECT proposed_ore FROM decision WHERE id = :id", id=out.decision_id)) == proposed_ore
    assert proposed_ore > 2**31  # beyond a 32-bit column by far: the column is 64-bit


def test_the_cli_submits_decides_and_shows_it(database: TestDatabase, tmp_path: Path) -> None:
    bundle_file = tmp_path / "huge.json"
    bundle_file.write_text(json.dumps(huge_union_fee()), encoding="utf-8")
    submitted = database.cli("case", "submit", bundle_file, env=V1_ENV)
    assert submitted.returncode == 0, submitted.stderr
    decided = database.cli("case", "decide", bundle_file, "--json", env=V1_ENV)
    assert decided.returncode == 0, decided.stderr
    assert "Traceback" not in decided.stderr
    basis = json.loads(decided.stdout)
    assert basis["amounts"]["proposed"] == "1000008359.99"
    decision_id = decided.stderr.split()[1]
    why = database.cli("audit", "why", decision_id)
    assert why.returncode == 0, why.stderr
    assert "föreslaget 1000008359.99 kr" in why.stdout
    assert database.count("decision") == 1


def test_a_hostile_bundle_through_the_cli_exits_2_and_stores_nothing(database: TestDatabase, tmp_path: Path) -> None:
    data = huge_union_fee()
    data["application"]["month"] = "٢٠٢٣-٠٣"
    cases = {  # name: (text, the command reading it)
        "arabic-month.json": (json.dumps(data, ensure_ascii=False), ("case", "submit")),
        "deep.json": ("[" * 100_000 + "]" * 100_000, ("case", "decide")),
        "pnr-key.json": ('{"schema": 1, "198507092388": 1, "198507092388": 2}', ("case", "decide")),
        "oversized.json": ('{"schema": "' + "x" * (3 * 1024 * 1024) + '"}', ("case", "decide")),
    }
    for name, (text, command) in cases.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        proc = database.cli(*command, path)
        assert proc.returncode == 2, (name, command, proc.stderr)
        assert "Traceback" not in proc.stderr and "198507092388" not in proc.stderr, proc.stderr
    assert "larger than" in proc.stderr
    piped = database.cli("case", "decide", "-", stdin=cases["deep.json"][0])
    assert piped.returncode == 2 and "nested more than" in piped.stderr, piped.stderr
    assert database.count("application") == 0
    assert database.count("application_revision") == 0


def test_every_amount_column_is_64_bit(database: TestDatabase) -> None:
    """Amounts are stored as öre in BIGINT columns (named ``*_ore``), on SQLite and PostgreSQL alike."""
    import sqlalchemy as sa

    inspector = sa.inspect(database.db.engine)
    schema = database.schema
    amount_columns = [
        (table, column["name"], column["type"])
        for table in inspector.get_table_names(schema=schema)
        for column in inspector.get_columns(table, schema=schema)
        if column["name"].endswith("_ore")
    ]
    assert ("decision", "proposed_ore") in {(t, c) for t, c, _ in amount_columns}
    for table, name, kind in amount_columns:
        assert isinstance(kind, sa.BigInteger), f"{table}.{name} is {kind}, not a 64-bit integer"
