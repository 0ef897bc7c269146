"""The engine wrapper's guarantees (docs/rule-engine.md): isolation, errors surface, flat state."""

from __future__ import annotations

import pytest

from decision.errors import RulesError
from rules.engine import RuleEngine

RULES = {
    "big": {"all": [{"m": {"$and": [{"t": "x"}, {"$gt": {"n": 10}}]}}]},
    "join": {"all": [{"a": {"t": "limit"}}, {"b": {"$and": [{"t": "x"}, {"$gt": {"n": {"a": "max"}}}]}}]},
}


def test_rules_fire_on_this_cases_facts_only_and_state_is_deleted_between_cases() -> None:
    engine = RuleEngine()
    engine.register("t", RULES)
    first = engine.run("t", [{"t": "x", "n": 11}, {"t": "limit", "max": 5}])
    assert sorted(m.rule for m in first) == ["big", "join"]
    # a second case without the limit fact: the join must not see the first case's limit
    second = engine.run("t", [{"t": "x", "n": 11}])
    assert [m.rule for m in second] == ["big"]
    assert engine.run("t", [{"t": "x", "n": 3}]) == []


def test_an_exception_raised_in_an_action_surfaces_from_run() -> None:
    engine = RuleEngine()
    engine.register("t", RULES)

    real = engine._on_match

    def boom(rule_id: str, matched: object) -> None:
        raise ValueError("an action failed")

    engine._on_match = boom  # type: ignore[method-assign]
    with pytest.raises(RulesError, match="an action failed"):
        engine.run("t", [{"t": "x", "n": 11}])
    engine._on_match = real  # type: ignore[method-assign]
    # the session is usable afterwards, with nothing left over from the failed case
    assert [m.rule for m in engine.run("t", [{"t": "x", "n": 11}])] == ["big"]


def test_a_match_from_another_case_is_refused() -> None:
    engine = RuleEngine()
    engine.register("t", RULES)
    engine._token = 999  # as if a fact of another case reached this session

    with pytest.raises(RulesError, match="another case"):
        engine._on_match("big", {"m": {"case": 1}})


def test_many_cases_reuse_one_session() -> None:
    engine = RuleEngine()
    engine.register("t", RULES)
    for i in range(3000):  # far beyond the 1025 live sessions that corrupt a ruleset
        assert [m.rule for m in engine.run("t", [{"t": "x", "n": 11 + i}])] == ["big"]
