"""The only module that touches durable_rules.

Rulesets are declared as data (the engine's own JSON condition syntax, from a pack's
``rulesets/*.yaml``) and registered once per process on a host whose timer threads never start.
Each evaluation asserts its facts one by one into one fixed session, collects the rules that fired,
then deletes the session's state, so memory stays flat and no case ever sees another's facts. See
docs/rule-engine.md for the sharp edges this module works around; each is named below.

Facts are asserted through the engine's C entry points (``durable_rules_engine``) in the order the
stock ``Host`` calls them — assert, start the action, run it, update the state, complete and start
the next — without the stock Python layer's per-fact costs: a JSON encoding by the standard library,
an exception object (itself JSON-encoding the fact) for every fact no rule matches, and a ``Closure``
and timestamps per action. Facts are encoded with orjson, the same JSON the standard library writes
(docs/rule-engine.md, "The driver").
"""

from __future__ import annotations

import copy
import itertools
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import durable_rules_engine as _core
import orjson
from durable import engine as _dr

from decision.canonical import read_json
from decision.errors import RulesError

SID = "1"  # one fixed session per ruleset: sids are limited (1025th live sid corrupts the ruleset)
_START = "__start"  # sentinel fact: delete_state on a session where no action ran segfaulted
_SENTINEL = "__sentinel"

# What the C core's assert_fact answers (durable/engine.py, Ruleset._handle_result)
_OK, _NOT_HANDLED, _OBSERVED, _DEFERRED = 0, 1, 2, 3
# orjson writes what json.dumps(..., ensure_ascii=False) writes, bar whitespace; it serializes datetimes and
# dataclasses where json refuses them: those (and non-str keys, ints beyond 64 bits) go to json, which decides
_ORJSON_OPTS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def encode_fact(fact: Mapping[str, Any]) -> str:
    """A fact as the engine reads it: orjson where it writes the JSON ``json.dumps`` writes, else json."""
    try:
        return orjson.dumps(fact, option=_ORJSON_OPTS).decode()
    except TypeError:  # orjson.JSONEncodeError: a type orjson does not take as json does
        return json.dumps(fact, ensure_ascii=False)


class _QuietHost(_dr.Host):  # type: ignore[misc,unused-ignore]
    """A host driven synchronously: the stock host's timer threads segfaulted under load."""

    def _run(self) -> None:
        return None


@dataclass(frozen=True, slots=True)
class Match:
    """A rule that fired, with the facts (by condition name) it matched."""

    rule: str
    facts: tuple[Mapping[str, Any], ...]


def _no_action(c: Any) -> None:  # one-parameter: two-parameter actions run asynchronously
    return None


class RuleEngine:
    """Runs named rulesets over a case's facts; one instance per process (it is not thread-safe)."""

    def __init__(self) -> None:
        self._host = _QuietHost()
        self._handles: dict[str, int] = {}  # ruleset name → the C core's handle
        self._fired: list[Match] = []
        self._errors: list[Exception] = []
        self._token = 0
        self._counter = itertools.count(1)

    def register(self, name: str, rules: Mapping[str, Mapping[str, Any]]) -> None:
        """Register ruleset ``name`` (rule id → condition) once; later calls for the name do nothing.

        Registration mutates the definition: each condition is deep-copied. Actions are bound by rule
        id: the engine names the rule that fired, and ``run`` records it.
        """
        if name in self._handles:
            return
        definition: dict[str, Any] = {}
        for rule_id, condition in rules.items():
            cond = copy.deepcopy(dict(condition))
            cond["run"] = _no_action
            definition[rule_id] = cond
        definition[_SENTINEL] = {"all": [{"m": {"t": _START}}], "run": _no_action}
        try:
            self._host.register_rulesets({name: definition})
        except Exception as e:  # the C core reports syntax errors as a bare error code
            raise RulesError(f"ruleset {name} could not be registered: {e}") from None
        self._handles[name] = self._host.get_ruleset(name)._handle

    def is_registered(self, name: str) -> bool:
        return name in self._handles

    def _on_match(self, rule_id: str, matched: Any) -> None:
        facts = tuple(matched.values()) if isinstance(matched, dict) else ()
        for f in facts:
            # ids are hashed to 32 bits and can collide across sessions: check every result
            if f.get("case") != self._token:
                raise RulesError(f"rule {rule_id} matched a fact of another case")
        self._fired.append(Match(rule_id, facts))

    def _assert(self, handle: int, fact: Mapping[str, Any]) -> None:
        """Assert one fact and run every action it makes ready, as the stock host's handle function does."""
        code, state_offset = _core.assert_fact(handle, encode_fact(fact))
        if code == _NOT_HANDLED:
            return  # a data fact that no rule matches: normal
        self._after(handle, fact, code, state_offset)

    def _after(self, handle: int, fact: Mapping[str, Any], code: int, state_offset: int) -> None:
        """What follows an assertion the engine handled: run every action it made ready."""
        if code == _OBSERVED:
            raise _dr.MessageObservedException(fact)
        if code == _DEFERRED:
            state_offset = 0
        started = _core.start_action_for_state(handle, state_offset)
        if started is None:
            return
        state, messages = started
        while messages:
            message = read_json(messages)  # json where orjson refuses (e.g. NaN): as the stock host
            rule_id, matched = next(iter(message.items()))
            if rule_id != _SENTINEL:
                try:
                    self._on_match(rule_id, matched)
                except Exception as e:  # noqa: BLE001 - kept, raised by run after the state is deleted
                    self._errors.append(e)
            # the action left the state as it was: written back unchanged, as the stock host does
            _core.update_state(handle, state)
            messages = _core.complete_and_start_action(handle, state_offset)

    def run(self, name: str, facts: Iterable[dict[str, Any]]) -> list[Match]:
        """Assert ``facts`` one by one into ruleset ``name`` and return the rules that fired.

        The fact dicts are the caller's own and receive ``id``, ``sid`` and ``case`` here. A fact no rule
        matches (the engine answers "not handled") costs one encoding and one call into the C core: the
        loop below is :meth:`_assert` inlined for that common case.
        """
        handle = self._handles.get(name)
        if handle is None:
            raise RulesError(f"ruleset {name} is not registered")
        self._token = token = next(self._counter)
        self._fired = []
        self._errors = []
        put: Callable[[int, Mapping[str, Any]], None] = self._assert
        assert_fact, dumps, opts, not_handled = _core.assert_fact, orjson.dumps, _ORJSON_OPTS, _NOT_HANDLED
        try:
            put(handle, {"id": "start", "sid": SID, "t": _START, "case": token})
            for i, fact in enumerate(facts):
                # batch assertion drops silently when one fact is too large: assert one by one
                fact["id"], fact["sid"], fact["case"] = f"f{i}", SID, token
                try:
                    text = dumps(fact, option=opts).decode()
                except TypeError:  # what only json encodes as json does (see encode_fact)
                    put(handle, fact)
                    continue
                code, state_offset = assert_fact(handle, text)
                if code != not_handled:
                    self._after(handle, fact, code, state_offset)
        finally:
            _core.delete_state(handle, SID)
        if self._errors:
            # exceptions raised in actions are stored in the session state, lost with it: ours are kept
            first = self._errors[0]
            raise first if isinstance(first, RulesError) else RulesError(f"ruleset {name}: {first!r}")
        return self._fired
