"""The only module that touches durable_rules.

Rulesets are declared as data (the engine's own JSON condition syntax, from a pack's
``rulesets/*.yaml``) and registered on a host whose timer threads never start. Each evaluation
asserts its facts one by one into one fixed session, collects the rules that fired, then deletes
the session's state, so memory stays flat and no case ever sees another's facts. See
docs/rule-engine.md for the sharp edges this module works around; each is named below.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from durable import engine as _dr

from decision.errors import RulesError

SID = "1"  # one fixed session per ruleset: sids are limited (1025th live sid corrupts the ruleset)
_START = "__start"  # sentinel fact: delete_state on a session where no action ran segfaulted


class _QuietHost(_dr.Host):  # type: ignore[misc,unused-ignore]
    """A host driven synchronously: the stock host's timer threads segfaulted under load."""

    def _run(self) -> None:
        return None


@dataclass(frozen=True, slots=True)
class Match:
    """A rule that fired, with the facts (by condition name) it matched."""

    rule: str
    facts: tuple[Mapping[str, Any], ...]


class RuleEngine:
    """Runs named rulesets over a case's facts; one instance per process (it is not thread-safe)."""

    def __init__(self) -> None:
        self._host = _QuietHost()
        self._registered: set[str] = set()
        self._fired: list[Match] = []
        self._token = 0
        self._counter = itertools.count(1)

    def register(self, name: str, rules: Mapping[str, Mapping[str, Any]]) -> None:
        """Register ruleset ``name`` (rule id → condition). Registration mutates: pass copies."""
        if name in self._registered:
            return
        definition: dict[str, Any] = {}
        for rule_id, condition in rules.items():
            cond = copy.deepcopy(dict(condition))
            cond["run"] = self._action(rule_id)
            definition[rule_id] = cond
        definition["__sentinel"] = {"all": [{"m": {"t": _START}}], "run": self._sentinel}
        try:
            self._host.register_rulesets({name: definition})
        except Exception as e:  # the C core reports syntax errors as a bare error code
            raise RulesError(f"ruleset {name} could not be registered: {e}") from None
        self._registered.add(name)

    def is_registered(self, name: str) -> bool:
        return name in self._registered

    def _sentinel(self, c: Any) -> None:
        return None

    def _action(self, rule_id: str) -> Callable[[Any], None]:
        def action(c: Any) -> None:  # one-parameter actions: two-parameter ones run asynchronously
            try:
                self._on_match(rule_id, c)
            except Exception as e:  # noqa: BLE001 - the engine would bury it in the session state
                self._errors.append(e)

        return action

    def _on_match(self, rule_id: str, c: Any) -> None:
        matched = c._m
        facts = tuple(matched.values()) if isinstance(matched, dict) else ()
        for f in facts:
            # ids are hashed to 32 bits and can collide across sessions: check every result
            if f.get("case") != self._token:
                raise RulesError(f"rule {rule_id} matched a fact of another case")
        self._fired.append(Match(rule_id, facts))

    def run(self, name: str, facts: Iterable[dict[str, Any]]) -> list[Match]:
        """Assert ``facts`` one by one into ruleset ``name`` and return the rules that fired.

        The fact dicts are the caller's own and receive ``id``, ``sid`` and ``case`` here.
        """
        if name not in self._registered:
            raise RulesError(f"ruleset {name} is not registered")
        self._token = token = next(self._counter)
        self._fired = []
        self._errors: list[Exception] = []
        ruleset = self._host.get_ruleset(name)
        handle = self._host._handle_function  # the synchronous path: an action's exception is raised here
        not_handled = _dr.MessageNotHandledException
        try:
            try:
                handle(ruleset, ruleset.assert_fact, {"id": "start", "sid": SID, "t": _START, "case": token}, None)
            except not_handled:
                pass
            for i, fact in enumerate(facts):
                # batch assertion drops silently when one fact is too large: assert one by one
                fact["id"], fact["sid"], fact["case"] = f"f{i}", SID, token
                try:
                    handle(ruleset, ruleset.assert_fact, fact, None)
                except not_handled:
                    pass  # a data fact that no rule matches: normal
        finally:
            self._host.delete_state(name, SID)
        if self._errors:
            # exceptions raised in actions are stored in the session state, lost with it: ours are kept
            first = self._errors[0]
            raise first if isinstance(first, RulesError) else RulesError(f"ruleset {name}: {first!r}")
        return self._fired
