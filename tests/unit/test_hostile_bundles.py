"""Hostile bundles (issue 18): Unicode digits, deep nesting, extreme amounts, personnummer as keys.

Whatever the bundle, the entry point's answer is an input error naming fields (exit 2 / 422) or a
decision whose every amount is a well-formed sum — never another exception (a traceback, exit 1,
500), never a message holding a personnummer, never a stored half-record.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from adapters.driven.clock import FixedClock
from adapters.driven.db import migrate
from adapters.driven.db.access import AccessLog
from adapters.driven.db.engine import Database
from adapters.driven.db.store import CaseStore
from decision.errors import InputError
from decision.money import parse_sum
from decision.pipeline import Pipeline
from decision.strict import MAX_KRONOR_ORE
from decision.validation import parse_bundle
from rules.catalog import Catalog
from tests.decide import decide_and_store
from tests.strategies import valid_bundles

_CATALOG = Catalog()
# Decided as of one fixed day (the _v4 packs' publication), not the machine's: a pack published later does not
# change what these properties test.
AS_OF = date(2026, 12, 5)
DAY = FixedClock(datetime(2026, 12, 5, 9, 0, tzinfo=UTC))

# Digit sets int() accepts: ASCII is what the contract means; the others must all be refused.
SCRIPTS = ("０１２３４５６７８９", "٠١٢٣٤٥٦٧٨٩", "۰۱۲۳۴۵۶۷۸۹", "०१२३४५६७८९", "০১২৩৪৫৬৭৮৯", "𝟎𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖𝟗")
# A personnummer-like run in any digits, as an error message might leak it.
ANY_PNR = re.compile(r"\d{6,8}[-+]?\d{4}")
EXTREME = ("999999999.99", "999999999", "0", "0.01", "100000000.5")
DEEP = "\u2063deep\u2063"  # a placeholder no generated bundle contains
HOSTILE_MONTHS = ("２０２３-０３", "٢٠٢٣-٠٣", "2023-+3", "2023- 3", "2023-_3", "+2023-03", "2023-3")


def _leaves(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    stack: list[tuple[tuple[Any, ...], Any]] = [(path, node)]
    while stack:
        p, n = stack.pop()
        if isinstance(n, dict):
            stack.extend((p + (k,), v) for k, v in n.items())
        elif isinstance(n, list):
            stack.extend((p + (i,), v) for i, v in enumerate(n))
        else:
            yield p, n


def _set(root: Any, path: tuple[Any, ...], value: Any) -> None:
    target = root
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value


def _digit_strings(bundle: dict[str, Any]) -> list[tuple[tuple[Any, ...], str]]:
    return sorted(((p, v) for p, v in _leaves(bundle) if isinstance(v, str) and any(c.isdigit() for c in v)),
                  key=lambda pv: repr(pv[0]))


@st.composite
def hostile_bundles(draw: st.DrawFn) -> str:
    """A valid bundle with one to four hostile mutations, as JSON text."""
    bundle = draw(valid_bundles())
    members = [m["personnummer"] for m in bundle["application"]["household"]]
    deep: list[tuple[int, str]] = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["digits", "month", "deep", "amount", "many_costs", "pnr_key"]))
        if kind == "digits":
            strings = _digit_strings(bundle)
            if not strings:
                continue
            path, value = draw(st.sampled_from(strings))
            script = draw(st.sampled_from(SCRIPTS))
            every = draw(st.booleans())
            swapped = "".join(
                script[int(c)] if c in "0123456789" and (every or draw(st.booleans())) else c for c in value
            )
            _set(bundle, path, swapped)
        elif kind == "month":
            bundle["application"]["month"] = draw(st.sampled_from(HOSTILE_MONTHS))
        elif kind == "deep":  # nested in the text below: json.dumps itself would recurse
            leaves = sorted((p for p, _ in _leaves(bundle) if p), key=repr)
            _set(bundle, draw(st.sampled_from(leaves)), DEEP)
            deep.append((draw(st.sampled_from([2, 31, 33, 200, 5_000])), draw(st.sampled_from(["[]", "{}", "[{"]))))
        elif kind == "amount":
            amounts = sorted(
                (p for p, _ in _leaves(bundle) if p and p[-1] in ("amount", "value", "year_to_date")), key=repr
            )
            if amounts:
                _set(bundle, draw(st.sampled_from(amounts)), draw(st.sampled_from(EXTREME)))
        elif kind == "many_costs":
            bundle["application"]["costs"] = [{"kind": "union_fee", "amount": "999999999.99"}] * draw(
                st.integers(1, 200)
            )
        else:
            obj = draw(st.sampled_from([bundle, bundle["application"], bundle["application"]["household"][0]]))
            obj[draw(st.sampled_from(members))] = draw(st.sampled_from([1, "x", True]))
    text = json.dumps(bundle, ensure_ascii=False)
    for depth, shape in deep:
        opener, closer = {"[]": ("[", "]"), "{}": ('{"a":', "}"), "[{": ('[{"a":', "}]")}[shape]
        text = text.replace(f'"{DEEP}"', opener * depth + '"8200"' + closer * depth, 1)
    if draw(st.booleans()) and members:  # the same personnummer key twice in one object
        text = text.replace('"schema"', f'"{members[0]}": 1, "{members[0]}": 2, "schema"', 1)
    return text


def _assert_clean(error: InputError) -> None:
    assert error.errors
    for e in error.errors:
        assert not ANY_PNR.search(str(e)), f"an error echoes a personnummer: {e}"


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(hostile_bundles())
def test_a_hostile_bundle_is_refused_or_decided_never_crashes(pipeline: Pipeline, text: str) -> None:
    try:
        bundle = parse_bundle(text.encode("utf-8"))
        decided = pipeline.decide(bundle, as_of=AS_OF)
    except InputError as e:
        _assert_clean(e)
        event("refused")
        return
    event("decided")
    amounts = decided.basis.amounts
    for sum_text in (amounts.norm, amounts.costs_accepted, amounts.income_counted, amounts.proposed):
        parse_sum(sum_text)
    assert parse_sum(amounts.proposed) >= 0
    for line in decided.basis.lines:
        parse_sum(line.amount)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.integers(1, 200), st.sampled_from(EXTREME))
def test_extreme_amounts_always_decide(pipeline: Pipeline, n: int, amount: str) -> None:
    example = Path(__file__).resolve().parents[2] / "examples" / "bundles"
    data = json.loads((example / "01-worked-example-couple-two-children.json").read_text(encoding="utf-8"))
    data["application"]["costs"] = [{"kind": "union_fee", "amount": amount}] * n
    data["application"]["assets"] = [{"person": data["application"]["household"][0]["personnummer"],
                                      "kind": "bank_account", "value": amount}] * n
    decided = pipeline.decide(parse_bundle(json.dumps(data)), as_of=AS_OF)
    assert parse_sum(decided.basis.amounts.costs_accepted) <= n * MAX_KRONOR_ORE


# -- storage: nothing half-stored ------------------------------------------------------------------


@pytest.fixture(scope="module")
def store_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    db = Database(f"sqlite:///{tmp_path_factory.mktemp('hostile') / 'finaid.db'}")
    migrate.upgrade(db)
    yield db
    db.dispose()


def _counts(db: Database) -> tuple[int, ...]:
    import sqlalchemy as sa

    with db.engine.connect() as conn:
        return tuple(
            int(conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one())
            for t in ("application", "application_revision", "decision", "audit_event")
        )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                                 HealthCheck.function_scoped_fixture])
@given(hostile_bundles())
def test_a_hostile_bundle_is_stored_whole_or_not_at_all(pipeline: Pipeline, store_db: Database, text: str) -> None:
    import sqlalchemy as sa

    before = _counts(store_db)
    store = CaseStore(store_db)
    access = AccessLog(store_db, b"finaid-hostile-test-hmac-key-0123456789")
    try:
        bundle = parse_bundle(text)
        out = decide_and_store(bundle, pipeline=pipeline, catalog=_CATALOG, store=store, access=access,
                               actor="test:hostile", clock=DAY)
    except InputError as e:
        _assert_clean(e)
        assert _counts(store_db) == before, "an invalid bundle stored something"
        return
    with store_db.engine.connect() as conn:
        row = conn.execute(
            sa.text("SELECT a.state, a.current_decision_id, d.proposed_ore FROM application a "
                    "JOIN decision d ON d.id = a.current_decision_id WHERE a.id = :id"),
            {"id": bundle.application.id},
        ).one()
    assert row[0] == "proposed" and row[1] == out.decision_id
    assert int(row[2]) == parse_sum(out.decided.basis.amounts.proposed)
