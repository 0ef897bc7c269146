"""Builds full case bundles from the compact ``given`` of a scenario test (``<pack>/tests/*.yaml``).

Defaults make a clean re-application: every adult registered at Arbetsförmedlingen and confirmed,
every consulted source answering for every adult, every declared income confirmed by its
authoritative source, fetched the day after submission. A scenario states only what differs.

``given`` keys:
  month (required), kind, household_changed, municipality, previous_aid
  household: list of {role, age | birth, attends_school, preschool_lunch, born_in_month, samordningsnummer}
  incomes:   list of {person: index, kind, amount, year_to_date, registry: amount | none}
             (registry: the authoritative source's amount; default = amount; none = no fact)
  costs:     list of {kind, amount, description}
  assets:    list of {person, kind, value}
  labour:    list of {person, status} (default: registered_at_af for every adult) or "none"
  af_registered: {index: true|false|none}  (what Arbetsförmedlingen answers; default true;
                 none or null: it answers without a `registered` fact)
  registry:  "complete" (default) | "absent" (no registry key) | "empty" ([])
  answers:   list of {person, source, status, error, days_before, omit: true}  (overrides)
  facts:     list of {person, source, kind, amount, month, value}  (extra registry facts)

Case bundle /2 (``schema: 2``; then ``previous_aid`` is not written):
  household[].name, household[].days (days_in_household); costs[].document, costs[].person (index)
  aid_history: list of {person: index, in_row, first, last}
  norm_adjustments: list of {person: index, direction, reason, description, amount, days, document}
  rent_notified: YYYY-MM-DD (rent_above_guideline_notified_on)
  others_in_dwelling: list of {kind, name}
  earlier: {decision_id, total, signed_at} — the signed decision a supplementary application is decided
           against (read by the scenario runner, never part of the bundle)
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from typing import Any

from decision import personnummer as pnr
from decision.bundle import AUTHORITATIVE_SOURCE, Source

SOURCES = tuple(src.value for src in Source)
# which source confirms which income (the contract's Interpretation), as strings
AUTHORITY = {k.value: v.value for k, v in AUTHORITATIVE_SOURCE.items() if v is not None}
CET = timezone(timedelta(hours=1))


def _birth(month_start: date, spec: dict[str, Any], serial: int) -> str:
    if "birth" in spec:
        born = date.fromisoformat(str(spec["birth"]))
    elif spec.get("born_in_month"):
        born = month_start + timedelta(days=2)
    else:
        age = int(spec["age"])
        born = date(month_start.year - age, month_start.month, 1) - timedelta(days=15 + serial)
    return pnr.make(born, 100 + serial * 7, coordination=bool(spec.get("samordningsnummer")))


def build_bundle(given: dict[str, Any], app_id: str = "APP-SCENARIO-1") -> dict[str, Any]:
    month = str(given["month"])
    start = date(int(month[:4]), int(month[5:7]), 1)
    prev = start - timedelta(days=1)
    submitted = datetime(prev.year, prev.month, min(prev.day, 22), 8, 0, tzinfo=CET)
    fetched = submitted + timedelta(days=1)
    members = []
    ids: list[str] = []
    for i, spec in enumerate(given["household"]):
        number = _birth(start, spec, i)
        ids.append(number)
        m: dict[str, Any] = {"personnummer": number, "role": spec["role"]}
        for flag in ("attends_school", "preschool_lunch"):
            if spec.get(flag):
                m[flag] = True
        if "name" in spec:
            m["name"] = spec["name"]
        if "days" in spec:
            m["days_in_household"] = int(spec["days"])
        members.append(m)
    adults = [i for i, spec in enumerate(given["household"]) if spec["role"] != "child"]
    incomes = []
    for inc in given.get("incomes", []):
        row: dict[str, Any] = {"person": ids[int(inc["person"])], "kind": inc["kind"], "amount": str(inc["amount"])}
        if "year_to_date" in inc:
            row["year_to_date"] = str(inc["year_to_date"])
        incomes.append(row)
    labour_spec = given.get("labour")
    if labour_spec == "none":
        labour = []
    elif labour_spec is None:
        labour = [{"person": ids[i], "status": "registered_at_af"} for i in adults]
    else:
        labour = [
            {"person": ids[int(x["person"])], "status": x["status"],
             **({"individual_plan": x["individual_plan"]} if "individual_plan" in x else {})}
            for x in labour_spec
        ]
    app: dict[str, Any] = {
        "id": app_id,
        "municipality": str(given.get("municipality", "1287")),
        "month": month,
        "kind": given.get("kind", "reapplication"),
        "submitted_at": submitted.isoformat(),
        "household_changed": bool(given.get("household_changed", False)),
        "household": members,
        "incomes": incomes,
        "costs": [
            {k: ids[int(v)] if k == "person" else str(v) for k, v in c.items()} for c in given.get("costs", [])
        ],
        "assets": [
            {"person": ids[int(a["person"])], "kind": a["kind"], "value": str(a["value"])}
            for a in given.get("assets", [])
        ],
        "labour_market": labour,
        "previous_aid": given.get("previous_aid", {"consecutive_months": 2, "jobbstimulans_months_used": 0}),
    }
    if int(given.get("schema", 1)) == 2:
        _v2(given, app, ids)
    bundle: dict[str, Any] = {"schema": f"finaid.case-bundle/{int(given.get('schema', 1))}", "application": app}
    mode = given.get("registry", "complete")
    if mode == "absent":
        return bundle
    if mode == "empty":
        bundle["registry"] = []
        return bundle
    answers: dict[tuple[int, str], dict[str, Any]] = {}
    for i in adults:
        for src in SOURCES:
            answers[(i, src)] = {"status": "no_data", "facts": []}
        answers[(i, "skatteverket")] = {"status": "ok", "facts": [{"kind": "protected_identity", "value": False}]}
        af = (given.get("af_registered") or {}).get(i, True)
        if af is not None and af != "none":
            answers[(i, "arbetsformedlingen")] = {"status": "ok", "facts": [{"kind": "registered", "value": af}]}
    for inc in given.get("incomes", []):
        person = int(inc["person"])
        authority = AUTHORITY.get(inc["kind"])
        reg = inc.get("registry", inc["amount"])
        if authority is None or reg is None or reg == "none":
            continue
        src = authority
        key = (person, src)
        answers.setdefault(key, {"status": "ok", "facts": []})
        answers[key]["status"] = "ok"
        answers[key]["facts"].append({"kind": inc["kind"], "month": month, "amount": str(reg)})
    for f in given.get("facts", []):
        key = (int(f["person"]), f["source"])
        answers.setdefault(key, {"status": "ok", "facts": []})
        answers[key]["status"] = "ok"
        fact = {k: v for k, v in f.items() if k not in ("person", "source")}
        if "amount" in fact:
            fact["amount"] = str(fact["amount"])
            fact.setdefault("month", month)
        answers[key]["facts"].append(fact)
    days_before: dict[tuple[int, str], int] = {}
    for o in given.get("answers", []):
        key = (int(o["person"]), o["source"])
        if o.get("omit"):
            answers.pop(key, None)
            continue
        entry = answers.setdefault(key, {"status": "no_data", "facts": []})
        if "status" in o:
            entry["status"] = o["status"]
            if o["status"] != "ok":
                entry["facts"] = []
            if o["status"] == "unavailable":
                entry["error"] = o.get("error", "BT 500: tekniskt fel hos myndigheten")
        if "days_before" in o:
            days_before[key] = int(o["days_before"])
    registry: list[dict[str, Any]] = []
    for (person, src), entry in sorted(answers.items(), key=lambda kv: (kv[0][0], SOURCES.index(kv[0][1]))):
        when = submitted - timedelta(days=days_before[(person, src)]) if (person, src) in days_before else fetched
        answer: dict[str, Any] = {
            "source": src,
            "person": ids[person],
            "status": entry["status"],
            "fetched_at": when.isoformat(),
            "request_id": f"{src[:3]}-{person}-{len(registry)}",
        }
        if entry["facts"]:
            answer["facts"] = entry["facts"]
        if "error" in entry:
            answer["error"] = entry["error"]
        registry.append(answer)
    bundle["registry"] = registry
    return bundle


def _v2(given: dict[str, Any], app: dict[str, Any], ids: list[str]) -> None:
    """The /2 parts of ``given`` (see the module's docstring)."""
    app.pop("previous_aid")
    if "aid_history" in given:
        app["aid_history"] = [
            {
                "person": ids[int(h["person"])],
                "months_on_aid_in_row": int(h.get("in_row", 0)),
                **({"jobbstimulans_first_month": str(h["first"])} if h.get("first") else {}),
                **({"jobbstimulans_last_month": str(h["last"])} if h.get("last") else {}),
            }
            for h in given["aid_history"]
        ]
    if "norm_adjustments" in given:
        app["norm_adjustments"] = [
            {k: ids[int(v)] if k == "person" else (int(v) if k == "days" else str(v)) for k, v in a.items()}
            for a in given["norm_adjustments"]
        ]
    if "rent_notified" in given:
        app["rent_above_guideline_notified_on"] = str(given["rent_notified"])
    if "others_in_dwelling" in given:
        app["others_in_dwelling"] = [dict(o) for o in given["others_in_dwelling"]]


def build_bundle_json(given: dict[str, Any], app_id: str = "APP-SCENARIO-1") -> str:
    return json.dumps(build_bundle(given, app_id), ensure_ascii=False)
