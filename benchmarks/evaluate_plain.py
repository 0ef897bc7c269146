"""(c) of benchmarks/evaluate.py: the packs' eligibility, findings and outcome conditions hand-written in plain
Python, over the fact dicts finaid asserted — checked there to fire exactly the rules finaid's engine fired."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Facts = list[dict[str, Any]]
SUBJECTS = ("settings", "household", "person")


def _by_type(facts: Facts) -> dict[str, Facts]:
    """The facts by kind; a subject fact (the `_v4` packs, rules/evaluator/subject.py) by each kind it holds."""
    out: dict[str, Facts] = {}
    for f in facts:
        if f["t"] in SUBJECTS:
            kinds: dict[str, dict[str, Any]] = {}
            for key, value in f.items():
                kind, sep, attr = key.partition("__")
                if sep:
                    kinds.setdefault(kind, {})[attr] = value
            for kind, data in kinds.items():
                out.setdefault(kind, []).append(data)
        else:
            out.setdefault(f["t"], []).append(f)
    return out


def plain_eligibility(facts: Facts) -> list[str]:
    t = _by_type(facts)
    fired: list[str] = []
    for p in t.get("params", ()):
        for c in t.get("case", ()):
            if c["jobb_used"] < p["jobb_period"] and (c["jobb_used"] >= 1 or c["consecutive"] >= p["jobb_qualifying"]):
                fired.append("eligibility.jobbstimulans")
    for m in t.get("member", ()):
        if m["role"] == "child" and m["age"] >= 18 and m["attends_school"] is False:
            fired.append("household.young_adult_separate")
    return fired


def plain_findings(facts: Facts) -> list[str]:
    t = _by_type(facts)
    fired: list[str] = []
    for c in t.get("case", ()):
        if c["kind"] == "first":
            fired.append("application.first")
        if c["household_changed"] is True:
            fired.append("application.household_changed")
    for m in t.get("member", ()):
        if m.get("in_norm") is True and m["preschool_lunch"] is True and m["age"] <= 6 and m["lunch_param"] is False:
            fired.append("norm.preschool_lunch_unknown")
    params = t.get("params", ())
    for a in t.get("answer", ()):
        if a["status"] == "missing":
            fired.append("registry.not_consulted")
        if a["status"] == "unavailable" and a["needed"] is True:
            fired.append("registry.unavailable")
        fired.extend("registry.stale" for p in params if a["age_s"] > p["stale_after_s"])
    for i in t.get("identity", ()):
        if i["value"] is True:
            fired.append("identity.protected")
    for r in t.get("residence", ()):
        if r["status"] in ("expired", "none"):
            fired.append("residence.not_valid")
    guidelines = t.get("guideline", ())
    for i in t.get("income", ()):
        if i["auth"] == "confirmed":
            fired.extend("income.registry_mismatch" for g in guidelines if i["diff"] > g["tolerance"])
        if i["auth"] == "no_fact" and i["d"] > 0 and i["kind"] != "other":
            fired.append("income.not_confirmed")
        if i["kind"] == "other":
            fired.append("income.other.unverifiable")
        if i["child"] is True and i["kind"] != "salary":
            fired.append("income.child_other_kind")
    for lm in t.get("labour", ()):
        status = lm["status"]
        if status == "registered_at_af" and lm["af"] != "true":
            fired.append("labour.af_not_confirmed")
        elif status == "studying":
            fired.append("labour.studying")
        elif status == "not_registered":
            fired.append("labour.not_registered")
        elif status == "missing":
            fired.append("labour.missing")
    fired.extend("cost.other.assessment" for _ in t.get("cost_other", ()))
    for c in t.get("cost", ()):
        if c["cap"] >= 0 and c["claimed"] > c["cap"]:
            fired.append("cost.cap")
    for a in t.get("assets", ()):
        fired.extend("assets.above_buffer" for g in guidelines if a["total"] > g["asset_buffer"])
    for p in t.get("param", ()):
        if p["status"] != "verified":
            fired.append("parameter.not_verified")
    for g in guidelines:
        if g["example"] is True:
            fired.append("guideline.example")
    return fired


def plain_outcome(facts: Facts) -> list[str]:
    fired: list[str] = []
    for r in _by_type(facts).get("result", ()):
        if r["manual"] > 0:
            fired.append("outcome.manual")
        elif r["proposed"] == 0:
            fired.append("outcome.reject")
        elif r["proposed"] > 0:
            fired.append("outcome.partial" if r["reduced"] > 0 else "outcome.grant")
    return fired


PLAIN: dict[str, Callable[[Facts], list[str]]] = {
    "eligibility": plain_eligibility,
    "findings": plain_findings,
    "outcome": plain_outcome,
}


def plain_run(ruleset: str, facts: Facts) -> list[str]:
    return PLAIN[ruleset.rsplit("/", 1)[1]](facts)


# --------------------------------------------------------------------------- measuring
