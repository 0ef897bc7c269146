"""Subject facts: the engine sees one fact per subject instead of one per attribute group (``fact_shape: subject``).

A pack whose manifest says ``fact_shape: subject`` (the ``_v4`` packs) decides exactly as the ``_v3``
evaluator does (rules/evaluator/bundle2.py builds the same facts, lines and steps), but what is asserted
into the engine is reshaped first: the facts of one subject become one fact carrying every attribute the
rules test. The subjects are the pack's and the guideline's figures (``settings``), the household, and
each person (by label). A fact of kind ``k`` (v3's ``t``) contributes its attributes as ``k__<attribute>``
(its kind as ``k__t: k``: the engine's own ``case`` attribute rules out a bare flag ``k: true``); a
subject that already holds a ``k`` (a person's second registry answer, a household's second cost line)
continues in a further fact of the same subject, so every v3
fact is in exactly one subject fact and every rule matches exactly as often as under v3. The rules
themselves stay in the engine (the v4 rulesets test ``k__t: k`` and ``k__<attribute>``); a rule's
conditions never join two kinds of one subject (the engine does not match one fact to two conditions),
which :func:`check_ruleset` enforces when the pack's rulesets are first used.

Each match is mapped back to the v3 facts it stands for (the kind of each matched subject fact the
rule tests), so the trace cites, explains and orders exactly as v3 does. See docs/rule-engine.md
("Subject facts").
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from decision.errors import RulesError
from rules.catalog import RulePack
from rules.engine import Match, RuleEngine
from rules.evaluator.context import Context
from rules.evaluator.facts import EngineFact

FACT_SHAPE = "fact_shape"
SUBJECT = "subject"
SEP = "__"
SETTINGS_KINDS = frozenset({"params", "guideline"})  # figures, joined with every other subject's kinds
# not copied: the subject's own key, and what the engine writes into the facts it is given
SKIPPED = frozenset({"person", "id", "sid", "case"})

_NAMES: dict[tuple[str, str], str] = {}  # (kind, attribute) → the subject fact's attribute name, built once
# the kinds each rule of a ruleset tests, by the ruleset's registration name
_KINDS: dict[str, dict[str, frozenset[str]]] = {}


def uses_subjects(pack: RulePack) -> bool:
    """Whether the pack's rulesets match subject facts (manifest ``fact_shape: subject``)."""
    shape = pack.manifest.get(FACT_SHAPE)
    if shape not in (None, SUBJECT):
        raise RulesError(f"rule pack {pack.id}: fact_shape {shape!r} is not known (only {SUBJECT!r})")
    if shape == SUBJECT and not pack.bundle2:
        raise RulesError(f"rule pack {pack.id}: fact_shape {SUBJECT!r} needs a pack that takes case bundle /2")
    return shape == SUBJECT


_SETTINGS, _HOUSEHOLD = ("settings", ""), ("household", "")


def subject_of(data: Mapping[str, Any]) -> tuple[str, str]:
    """The subject a v3 fact belongs to: the settings, a person (by label) or the household."""
    if data["t"] in SETTINGS_KINDS:
        return _SETTINGS
    if "person" in data:
        return ("person", str(data["person"]))
    return _HOUSEHOLD


def _slot(
    key: tuple[str, str],
    kind: str,
    subjects: list[dict[str, Any]],
    behind: list[dict[str, int]],
    open_: dict[tuple[str, str], list[int]],
) -> int:
    """The index of the subject fact of ``key`` that a fact of ``kind`` joins: the first that holds no ``kind``
    yet, else a new one (appended to ``subjects`` and ``behind``). Both builders group by this one rule, so the
    tested attributes' facts are grouped exactly as the full ones."""
    slots = open_.get(key)
    if slots is None:
        slots = open_[key] = []
    for s in slots:
        if kind not in behind[s]:
            return s
    s = len(subjects)
    slots.append(s)
    subject: dict[str, Any] = {"t": key[0]}
    if key[1]:
        subject["subject"] = key[1]
    subjects.append(subject)
    behind.append({})
    return s


def subject_facts(facts: Iterable[Mapping[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, int]]]:
    """The subject facts for ``facts`` (v3's shape), and for each the index of the v3 fact behind each kind."""
    subjects: list[dict[str, Any]] = []
    behind: list[dict[str, int]] = []
    open_: dict[tuple[str, str], list[int]] = {}
    names = _NAMES
    for i, data in enumerate(facts):
        kind = str(data["t"])
        s = _slot(subject_of(data), kind, subjects, behind, open_)
        target = subjects[s]
        for attr, value in data.items():
            if attr not in SKIPPED:
                name = names.get((kind, attr))
                if name is None:
                    name = names[(kind, attr)] = f"{kind}{SEP}{attr}"
                target[name] = value
        behind[s][kind] = i
    return subjects, behind


# per ruleset registration name: for each kind some rule tests, the (v3 attribute, subject attribute) pairs the
# rules test; None when a rule tests an attribute outside the ``<kind>__<attribute>`` form (then nothing is left out)
_TESTED: dict[str, dict[str, tuple[tuple[str, str], ...]] | None] = {}


def _names(node: Any) -> Iterator[str]:
    """Every string in a condition (keys and values): the attributes tested and those compared against."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, Mapping):
        for key, value in node.items():
            yield key
            yield from _names(value)
    elif isinstance(node, list | tuple):
        for item in node:
            yield from _names(item)


def tested_attributes(rules: Mapping[str, Mapping[str, Any]]) -> dict[str, tuple[tuple[str, str], ...]] | None:
    """What a subject fact must carry for ``rules``: per kind some rule tests, its attributes that some condition
    tests or compares against, as (v3 attribute, subject attribute) pairs, ``t`` (as ``<kind>__t``) first.

    A kind no rule tests is left out, and so is an attribute no condition names: the engine cannot match on
    what no condition reads, so the same rules fire over the same facts. Collected over every string of the
    conditions (an attribute compared against, ``{p: params__x}`` or ``{$m: cost__cap}``, is a value), so a
    literal that looks like an attribute only keeps more. None (leave nothing out) when a condition tests an
    attribute not of the ``<kind>__<attribute>`` form."""
    for condition in rules.values():
        for expr in _conditions(condition):
            if any(SEP not in a for a in _attributes(expr)):
                return None
    by_kind: dict[str, dict[str, str]] = {}
    for condition in rules.values():
        for name in _names(condition):
            kind, sep, attr = name.partition(SEP)
            if sep and kind and attr and attr not in SKIPPED:
                by_kind.setdefault(kind, {"t": f"{kind}{SEP}t"})[attr] = name
    return {kind: tuple(attrs.items()) for kind, attrs in by_kind.items()}


def tested_subject_facts(
    facts: Iterable[Mapping[str, Any]], tested: Mapping[str, tuple[tuple[str, str], ...]]
) -> tuple[list[dict[str, Any]], list[dict[str, int]]]:
    """:func:`subject_facts` carrying only what the rules test (:func:`tested_attributes`): a v3 fact of a kind
    no rule tests joins no subject fact, and a subject fact holds only the attributes some condition names."""
    subjects: list[dict[str, Any]] = []
    behind: list[dict[str, int]] = []
    open_: dict[tuple[str, str], list[int]] = {}
    for i, data in enumerate(facts):
        kind = data["t"]
        pairs = tested.get(kind)
        if pairs is None:
            continue
        # subject_of(data), inlined: this runs for every fact of every case
        if kind in SETTINGS_KINDS:
            key = _SETTINGS
        elif "person" in data:
            key = ("person", str(data["person"]))
        else:
            key = _HOUSEHOLD
        s = _slot(key, kind, subjects, behind, open_)
        target = subjects[s]
        for attr, name in pairs:
            if attr in data:
                target[name] = data[attr]
        behind[s][kind] = i
    return subjects, behind


def _attributes(expr: Mapping[str, Any]) -> Iterator[str]:
    """The attribute names one condition tests (``{$and: [...]}``, ``{$gt: {attr: …}}``, ``{attr: …}``)."""
    for key, value in expr.items():
        if key in ("$and", "$or"):
            for e in value:
                yield from _attributes(e)
        elif key.startswith("$"):
            yield from value
        else:
            yield key


def _conditions(node: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """Every condition of a rule (``all``/``any`` lists, named branches ``x$all``/``x$any`` included)."""
    for key, items in node.items():
        if key not in ("all", "any") and not key.endswith(("$all", "$any")):
            raise RulesError(f"unexpected key {key!r} in a rule condition")
        for item in items:
            for name, expr in item.items():
                if name in ("all", "any") or name.endswith(("$all", "$any")):
                    yield from _conditions({name: expr})
                else:
                    yield expr


def rule_kinds(rule: str, condition: Mapping[str, Any]) -> frozenset[str]:
    """The kinds a subject-shaped rule tests: each condition tests one kind; at most one settings kind and
    one other kind, so no two conditions ever need one subject fact (the engine matches a fact once a rule)."""
    kinds: set[str] = set()
    for expr in _conditions(condition):
        own = {a.split(SEP, 1)[0] for a in _attributes(expr)}
        if len(own) != 1:
            raise RulesError(f"rule {rule}: a condition must test exactly one kind of fact, not {sorted(own)}")
        kinds |= own
    if len(kinds & SETTINGS_KINDS) > 1 or len(kinds - SETTINGS_KINDS) > 1:
        raise RulesError(f"rule {rule}: joins {sorted(kinds)}, which may be facts of one subject")
    return frozenset(kinds)


def check_ruleset(key: str, rules: Mapping[str, Mapping[str, Any]]) -> dict[str, frozenset[str]]:
    """The kinds each rule of a subject-shaped ruleset tests (checked once per registration name)."""
    known = _KINDS.get(key)
    if known is None:
        known = _KINDS[key] = {rule: rule_kinds(rule, cond) for rule, cond in rules.items()}
    return known


def subject_run(engine: RuleEngine, ctx: Context, name: str, facts: list[EngineFact]) -> list[Match]:
    """Run ruleset ``name`` of a subject-shaped pack over ``facts`` (v3's shape), reshaped into subject facts.

    The matches returned name the v3 facts (each with its ``id`` ``f<index>`` in ``facts``, as the engine
    gives them under v3) and are in v3's order, so the evaluator's steps are exactly v3's."""
    key = f"{ctx.pack.engine_key}/{name}"
    kinds = check_ruleset(key, ctx.pack.rulesets[name])
    for i, f in enumerate(facts):
        f.data["id"] = f"f{i}"
    try:
        wanted = _TESTED[key]
    except KeyError:
        wanted = _TESTED[key] = tested_attributes(ctx.pack.rulesets[name])
    if wanted is None:
        subjects, behind = subject_facts(f.data for f in facts)
    else:
        subjects, behind = tested_subject_facts((f.data for f in facts), wanted)
    out: list[Match] = []
    for m in engine.run(key, subjects):
        tested = kinds.get(m.rule, frozenset())
        originals = []
        for sf in m.facts:  # the engine gave each subject fact the id f<its index>
            n = int(str(sf["id"])[1:])
            held = [k for k in behind[n] if k in tested]
            if len(held) != 1:
                raise RulesError(f"rule {m.rule}: the matched subject fact holds {held} of {sorted(tested)}")
            originals.append(facts[behind[n][held[0]]].data)
        out.append(Match(m.rule, tuple(originals)))
    return sorted(out, key=lambda m: (m.rule, tuple(str(f["id"]) for f in m.facts)))
