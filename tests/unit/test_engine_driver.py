"""The engine driver (rules/engine.py) against the stock durable_rules host it replaced.

``RuleEngine`` drives the engine's C entry points itself and encodes facts with orjson. Here every
ruleset run of many generated cases (tests/strategies.py, /1 and /2 bundles, every published pack) is
run again through the stock ``durable.engine.Host`` path (its ``_handle_function``, JSON by the standard
library, ``MessageNotHandledException`` per unmatched fact): the same rules must fire, in the same order,
with the same matched facts. And the fact encoding is the standard library's JSON, bar whitespace, on any
JSON-like data (hypothesis).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping
from typing import Any

import pytest
from durable import engine as stock
from hypothesis import given, settings
from hypothesis import strategies as st

from decision.errors import FinaidError
from decision.validation import parse_bundle
from rules.catalog import Catalog
from rules.engine import SID, Match, RuleEngine, encode_fact
from rules.evaluator import PackEvaluator
from tests.strategies import RandomChooser, random_bundles
from tests.strategies_v2 import build_valid_bundle_v2

START = "__start"
Fired = list[tuple[str, tuple[Mapping[str, Any], ...]]]


class _Host(stock.Host):  # type: ignore[misc]
    def _run(self) -> None:
        return None


class StockEngine:
    """The driver as it was: the stock host's Python layer between finaid and the C core."""

    def __init__(self) -> None:
        self.host = _Host()
        self.names: set[str] = set()
        self.fired: Fired = []

    def register(self, name: str, rules: Mapping[str, Mapping[str, Any]]) -> None:
        if name in self.names:
            return
        definition: dict[str, Any] = {}
        for rule_id, condition in rules.items():
            cond = copy.deepcopy(dict(condition))
            cond["run"] = self._action(rule_id)
            definition[rule_id] = cond
        definition["__sentinel"] = {"all": [{"m": {"t": START}}], "run": lambda c: None}
        self.host.register_rulesets({name: definition})
        self.names.add(name)

    def _action(self, rule_id: str) -> Any:
        def action(c: Any) -> None:
            matched = c._m
            self.fired.append((rule_id, tuple(matched.values()) if isinstance(matched, dict) else ()))

        return action

    def run(self, name: str, facts: list[dict[str, Any]], token: int) -> Fired:
        self.fired = []
        ruleset = self.host.get_ruleset(name)
        handle = self.host._handle_function
        try:
            try:
                handle(ruleset, ruleset.assert_fact, {"id": "start", "sid": SID, "t": START, "case": token}, None)
            except stock.MessageNotHandledException:
                pass
            for i, fact in enumerate(facts):
                fact["id"], fact["sid"], fact["case"] = f"f{i}", SID, token
                try:
                    handle(ruleset, ruleset.assert_fact, fact, None)
                except stock.MessageNotHandledException:
                    pass
        finally:
            self.host.delete_state(name, SID)
        return self.fired


class Comparing(RuleEngine):
    """finaid's driver, each run repeated on the stock path with copies of the same facts."""

    def __init__(self) -> None:
        super().__init__()
        self.stock = StockEngine()
        self.runs = 0
        self.fired = 0
        self.differences: list[str] = []

    def register(self, name: str, rules: Mapping[str, Mapping[str, Any]]) -> None:
        super().register(name, rules)
        self.stock.register(name, rules)

    def run(self, name: str, facts: Iterable[dict[str, Any]]) -> list[Match]:
        mine = list(facts)
        theirs = [dict(f) for f in mine]
        matches = super().run(name, mine)
        expected = self.stock.run(name, theirs, self._token)
        got = [(m.rule, m.facts) for m in matches]
        self.runs += 1
        self.fired += len(got)
        if got != expected:
            self.differences.append(f"{name}: driver {[r for r, _ in got]}, stock {[r for r, _ in expected]}")
        return matches


def _texts() -> list[str]:
    v1 = random_bundles(150, 20261204)
    v2 = [json.dumps(build_valid_bundle_v2(RandomChooser(20261204 + k), k + 1), ensure_ascii=False) for k in range(150)]
    return v1 + v2


def test_the_driver_fires_what_the_stock_host_fires_on_many_generated_cases() -> None:
    catalog = Catalog()
    engine = Comparing()
    evaluator = PackEvaluator(catalog, engine=engine)
    packs = [p for p in catalog.packs.values() if p.published]
    decided = 0
    for text in _texts():
        bundle = parse_bundle(text)
        for pack in packs:
            if not pack.accepts(bundle.schema_):
                continue
            guideline = catalog.guideline_for(bundle.application.municipality, pack.published_at)
            try:
                evaluator.evaluate_with(bundle, pack, guideline)
            except FinaidError:
                continue  # as the golden set records: e.g. a month a v1 pack has no parameter for
            decided += 1
    assert engine.differences == []
    # not vacuous: hundreds of cases under every pack, thousands of rules fired on both paths alike
    assert decided >= 600 and engine.runs >= 3 * decided and engine.fired >= 3000


JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)  # beyond 64 bits: orjson refuses, json writes them
    | st.text()  # non-ASCII, control characters, lone surrogates
    | st.floats(allow_nan=False, allow_infinity=False)
)
JSON_DATA = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=25,
)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.text(max_size=10), JSON_DATA, max_size=6))
def test_a_fact_is_encoded_as_the_standard_library_encodes_it(fact: dict[str, Any]) -> None:
    try:
        expected = json.dumps(fact, ensure_ascii=False)
    except (TypeError, ValueError) as e:
        with pytest.raises(type(e)):
            encode_fact(fact)
        return
    got = encode_fact(fact)
    # the same JSON value: equal once parsed (floats to the same double); without floats byte-identical to
    # the standard library's compact form (orjson) or its very output (the fallback)
    assert json.loads(got) == json.loads(expected)
    if not any(isinstance(v, float) for v in _leaves(fact)):
        assert got in (json.dumps(fact, ensure_ascii=False, separators=(",", ":")), expected)


def _leaves(data: Any) -> Iterable[Any]:
    if isinstance(data, dict):
        for v in data.values():
            yield from _leaves(v)
    elif isinstance(data, list):
        for v in data:
            yield from _leaves(v)
    else:
        yield data


def test_what_orjson_would_write_differently_goes_to_json() -> None:
    from datetime import date

    big = {"t": "x", "n": 2**65}
    assert encode_fact(big) == json.dumps(big, ensure_ascii=False)
    assert encode_fact({"t": "x", 1: "a"}) == json.dumps({"t": "x", 1: "a"}, ensure_ascii=False)
    with pytest.raises(TypeError):
        encode_fact({"t": "x", "d": date(2026, 12, 4)})  # as json: not silently an ISO string
