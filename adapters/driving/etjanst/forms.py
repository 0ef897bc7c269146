"""The application form: a draft's data (what the applicant typed, kept as typed so nothing is lost on an
error), reading it from a posted form, prefilling it from the household's last application, and turning it
into a case bundle — every problem named beside its field (the field's form name), in plain language."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from adapters.driving.etjanst.common import N_
from adapters.driving.etjanst.field_errors import plain
from adapters.driving.etjanst.forms_files import document_ref
from decision import strict
from decision.bundle import CaseBundle
from decision.errors import InputError
from decision.money import format_kr_form, format_kr_sv, format_ore, parse_kr_form, parse_kronor
from decision.validation import parse_bundle

EXTRA_ROWS = 2  # empty rows offered under each list (no JavaScript: "add a row" saves and shows more)

SCHEMA_V2 = "finaid.case-bundle/2"
SUPPORTS_V2 = SCHEMA_V2 in str(CaseBundle.model_fields["schema_"].annotation)

ROLES = {"applicant": N_("Applicant"), "partner": N_("Spouse or partner"), "child": N_("Child")}
INCOME_KINDS = {
    "salary": N_("Salary"), "sickness_benefit": N_("Sickness benefit"),
    "activity_compensation": N_("Activity compensation"), "parental_benefit": N_("Parental benefit"),
    "unemployment_benefit": N_("Unemployment benefit (a-kassa)"), "activity_support": N_("Activity support"),
    "establishment_allowance": N_("Establishment allowance"), "student_aid": N_("Student aid (CSN)"),
    "pension": N_("Pension"), "housing_allowance": N_("Housing allowance"), "child_allowance": N_("Child allowance"),
    "maintenance_support": N_("Maintenance support"), "other": N_("Other income"),
}
COST_KINDS = {
    "rent": N_("Rent"), "household_electricity": N_("Household electricity"), "work_travel": N_("Travel to work"),
    "home_insurance": N_("Home insurance"), "union_fee": N_("Union fee"),
    "unemployment_fund_fee": N_("Unemployment fund fee"), "other": N_("Other cost"),
}
COST_KINDS_V2 = {
    "medical_care": N_("Medical care"), "prescription_medicine": N_("Prescription medicine"),
    "emergency_dental_care": N_("Emergency dental care"), "glasses": N_("Glasses"),
    "preschool_fee": N_("Preschool fee"), "after_school_fee": N_("After-school fee"),
}
ASSET_KINDS = {"bank_account": N_("Bank account"), "vehicle": N_("Vehicle"), "property": N_("Property"),
               "securities": N_("Shares and funds"), "other": N_("Other asset")}
LABOUR = {
    "registered_at_af": N_("Registered at Arbetsförmedlingen"), "employed": N_("Working"),
    "sick_with_certificate": N_("Sick, with a medical certificate"), "parental_leave": N_("Parental leave"),
    "studying": N_("Studying"), "not_registered": N_("None of these"),
}
KINDS = {"first": N_("First application"), "reapplication": N_("Continued application"),
         "supplementary": N_("Supplementary application")}
SECTIONS = ("household", "incomes", "costs", "assets", "labour_market")
CARRIED_V2 = ("aid_history", "others_in_dwelling", "rent_above_guideline_notified_on")
FIELDS = {
    "household": ("personnummer", "role", "attends_school", "preschool_lunch", "keep", "listed"),
    "incomes": ("person", "kind", "amount", "year_to_date"),
    "costs": ("kind", "amount", "description", "document", "person"),
    "assets": ("person", "kind", "value"),
    "labour_market": ("person", "status"),
}
BOXES = ("attends_school", "preschool_lunch")  # a child's tick boxes
KEPT = {"household": "personnummer", "labour_market": "person"}  # rows that keep what the form does not show
V2_MEMBER = ("name", "days_in_household")



def protected_of(bundle: Mapping[str, Any]) -> set[str]:
    """The members a registry answer of the bundle says have a protected identity."""
    return {e["person"] for e in bundle.get("registry") or [] for f in e.get("facts", [])
            if f.get("kind") == "protected_identity" and f.get("value")}

def cost_kinds() -> dict[str, str]:
    return {**COST_KINDS, **(COST_KINDS_V2 if SUPPORTS_V2 else {})}


def preschool_age(personnummer: str, month: str) -> bool:
    """Under 7 on the first day of the month (the ages a preschool lunch matters for, docs/case-bundle.md)."""
    from decision.validation import age_on

    try:
        return age_on(strict.personnummer_birth_date(personnummer), strict.month_start(month)) < 7
    except ValueError:
        return True


def field_name(section: str, row: int, name: str) -> str:
    return f"{section}-{row}-{name}"


def empty(applicant: str) -> dict[str, Any]:
    return {"household": [{"personnummer": applicant, "role": "applicant", "attends_school": False, "keep": True}],
            "incomes": [], "costs": [], "assets": [], "labour_market": [{"person": applicant, "status": ""}],
            "household_changed": False}


def prefill(last: Mapping[str, Any], applicant: str) -> dict[str, Any]:
    """The household's last application as a new draft: every part to confirm or change. A member with a
    protected identity (a registry answer says so) is left out, and so is what belongs to them; the draft is
    then a changed household (``household_changed``), so the case goes to a handler rather than being decided
    for fewer people than live there (docs/etjanst.md, "Applications")."""
    app = last["application"]
    protected = protected_of(last) - {applicant}  # never oneself
    members = [m for m in app["household"] if m["personnummer"] not in protected]
    people = {m["personnummer"] for m in members}
    roles = {m["personnummer"]: m["role"] for m in members}
    if roles.get(applicant) != "applicant":  # a partner starts the household's next application
        for m in members:
            if m["role"] == "applicant":
                m["role"] = "partner"
        for m in members:
            if m["personnummer"] == applicant:
                m["role"] = "applicant"
    carried = {k: app[k] for k in CARRIED_V2 if app.get(k) is not None}  # /2 parts that last from month to month
    if "aid_history" in carried:
        carried["aid_history"] = [a for a in carried["aid_history"] if a["person"] in people]
    if "others_in_dwelling" in carried:
        carried["others_in_dwelling"] = [o for o in carried["others_in_dwelling"]
                                         if o.get("personnummer") not in protected]
    return {
        **carried,
        "household": [{"personnummer": m["personnummer"], "role": m["role"], "keep": True,
                       **{k: bool(m.get(k)) for k in BOXES},
                       **{k: m[k] for k in V2_MEMBER if m.get(k) is not None}}
                      for m in members],
        "incomes": [{**i, **shown(i, "amount", "year_to_date")} for i in app.get("incomes", [])
                    if i["person"] in people],
        "costs": [{"kind": c["kind"], "amount": shown(c, "amount")["amount"], "description": c.get("description", ""),
                   "document": "", **({"person": c["person"]} if c.get("person") in people else {})}
                  for c in app.get("costs", [])],  # last month's documents do not document this month's costs
        "assets": [{**a, **shown(a, "value")} for a in app.get("assets", []) if a["person"] in people],
        "labour_market": [dict(lm) for lm in app.get("labour_market", []) if lm["person"] in people],
        "previous_aid": app.get("previous_aid"),
        # who lived in the household last month, a withheld member too: leaving one out of what is sent is a
        # change of the household (the packs route household_changed to a handler, who adds them back)
        "last_household": sorted(m["personnummer"] for m in app["household"]),
        "household_changed": any(m["personnummer"] in protected for m in app["household"]),
    }


def shown(row: Mapping[str, Any], *names: str) -> dict[str, str]:
    """A bundle row's amounts as the form shows them (``2 650,00``); one that does not parse stays as it was."""
    out = {}
    for name in names:
        if row.get(name) is not None:
            try:
                out[name] = format_kr_form(parse_kronor(row[name]))
            except ValueError:
                out[name] = str(row[name])
    return out


def kr(wire: str) -> str:
    """A bundle's kronor string (``12000.00``) as a person reads it (``12 000 kr``)."""
    try:
        return format_kr_sv(parse_kronor(wire))
    except ValueError:
        return f"{wire} kr"


def read_form(form: Mapping[str, Any], before: Mapping[str, Any]) -> dict[str, Any]:
    """The draft as posted (strings as typed; empty rows dropped), keeping what the form does not show."""
    data: dict[str, Any] = {k: v for k, v in before.items() if k not in SECTIONS}
    for section in SECTIONS:
        rows = []
        for i in range(200):
            present = [n for n in FIELDS[section] if field_name(section, i, n) in form]
            if not present:
                if i > 60:
                    break
                continue
            row: dict[str, Any] = {n: str(form.get(field_name(section, i, n)) or "").strip()[:500]
                                   for n in FIELDS[section]}
            if section == "household":
                row.update({k: row[k] == "on" for k in BOXES})
                listed = row.pop("listed") == "1"  # shown with a "lives here" box (unticked: not sent)
                row["keep"] = row["keep"] == "on" if listed else bool(row["personnummer"])
                if row["role"] == "applicant":
                    row["keep"] = True
            if section != "labour_market" and all(not v for k, v in row.items()
                                                  if k not in (*BOXES, "keep", "role", "kind", "status", "person")):
                continue  # an empty row (a person's labour-market row is never empty: it names the person)
            if section == "labour_market" and not row["person"]:
                continue
            rows.append(row)
        key = KEPT.get(section, "")
        before_rows = {r.get(key): r for r in before.get(section, [])} if key else {}
        for row in rows:  # what the form does not show (a /2 name, days in the household, individual plan) is kept
            for k, v in before_rows.get(row.get(key), {}).items():
                row.setdefault(k, v)
        data[section] = rows
    last = data.get("last_household")
    kept = {m["personnummer"] for m in data["household"] if m.get("keep", True)}
    data["household_changed"] = last is not None and kept != set(last)
    return data


def aid_history_of(previous: Mapping[str, Any], month: str, adults: list[str]) -> list[dict[str, Any]]:
    from decision.bundle_v2 import month_minus

    used = int(previous.get("jobbstimulans_months_used", 0))
    first = month_minus(month, used) if used > 0 else None
    return [{"person": p, "months_on_aid_in_row": int(previous.get("consecutive_months", 0)),
             **({"jobbstimulans_first_month": first} if first else {})} for p in adults]


def previous_aid_of(history: list[dict[str, Any]], month: str, applicant: str) -> dict[str, int]:
    """A /1 ``previous_aid`` from the applicant's /2 aid history (a pack that takes /1 only decides the month)."""
    mine = next((a for a in history if a["person"] == applicant), None)
    if mine is None:
        return {"consecutive_months": 0, "jobbstimulans_months_used": 0}
    first, last = mine.get("jobbstimulans_first_month"), mine.get("jobbstimulans_last_month")
    used = 0
    if first and not last:
        used = max(0, (int(month[:4]) * 12 + int(month[5:7])) - (int(first[:4]) * 12 + int(first[5:7])))
    return {"consecutive_months": int(mine["months_on_aid_in_row"]), "jobbstimulans_months_used": used}


def carries_v2(data: Mapping[str, Any], members: list[dict[str, Any]], labour: list[dict[str, Any]]) -> bool:
    """Whether the draft carries a /2 part from the last application (then a pack that takes /2 gets /2, so
    that nothing the household said last month is dropped on the way)."""
    return (any(data.get(k) is not None for k in CARRIED_V2) or any(k in m for m in members for k in V2_MEMBER)
            or any("individual_plan" in lm for lm in labour))


def answer_bundle(current: Mapping[str, Any], submitted_at: datetime, files: Sequence[Mapping[str, Any]], *,
                  v2: bool, document: tuple[int, str] | None = None) -> dict[str, Any]:
    """The application sent again to answer a komplettering: its newest bundle without the registry answers,
    submitted at the time of the answer. Where the pack takes /2 (``v2``, or the bundle already is /2) it lists
    every file of the application (``files``, :func:`attachment_entries`), and ``document`` (cost row, document
    ref) names a new file as that cost's document; a /1 bundle then becomes /2 as ``decision.bundle_v2.as_v2``
    maps it. A pack that takes /1 only gets the application as it was (the files stay beside it)."""
    from decision.bundle_v2 import as_v2

    data = {"schema": current["schema"], "application": copy.deepcopy(dict(current["application"]))}
    data["application"]["submitted_at"] = submitted_at.isoformat()
    v2 = (v2 and SUPPORTS_V2) or data["schema"] == SCHEMA_V2
    costs = data["application"].get("costs", [])
    named = v2 and document is not None and 0 <= document[0] < len(costs)
    if not (named or (v2 and files)):
        return data
    if data["schema"] != SCHEMA_V2:
        data = as_v2(parse_bundle(json.dumps(data))).to_json_dict()
    app = data["application"]
    if named:
        assert document is not None
        app["costs"][document[0]] = {**app["costs"][document[0]], "document": document[1]}
    if files:
        app["attachments"] = [dict(f) for f in files]
    return data


def to_bundle(data: Mapping[str, Any], *, application_id: str, municipality: str, month: str, kind: str,
              submitted_at: datetime, v2: bool = SUPPORTS_V2, documents: Mapping[str, str] | None = None,
              files: Sequence[Mapping[str, Any]] = ()) -> tuple[CaseBundle | None, dict[str, str]]:
    """The case bundle of a draft, or the problems by form field name (plain, translatable messages).

    ``v2``: the rule pack that decides the month takes ``finaid.case-bundle/2`` (then documents, the draft's
    files and the /2 cost kinds go into the bundle); else a /1 bundle without them (the attachments still reach
    the handler). ``files``: the draft's attachments as :func:`attachment_entries` gives them, all listed in
    ``application.attachments``; a cost's document is sent as :func:`document_ref` (``documents``: more
    id → sha256 pairs)."""
    documents = {**{str(f["id"]): str(f["sha256"]) for f in files}, **(documents or {})}
    errors: dict[str, str] = {}
    v2 = v2 and SUPPORTS_V2
    if kind == "supplementary" and not v2:
        errors["kind"] = N_("A supplementary application cannot be sent in the e-service for this month. Contact "
                            "the social services.")
    members: list[dict[str, Any]] = []
    origin: dict[str, list[int]] = {s: [] for s in SECTIONS}  # a bundle row's form row, by part
    for i, m in enumerate(data.get("household", [])):
        if not m.get("keep", True):
            continue
        try:
            pnr = strict.parse_personnummer(m.get("personnummer", ""))
        except ValueError:
            errors[field_name("household", i, "personnummer")] = N_(
                "Write the personal identity number as 12 digits, YYYYMMDDNNNN.")
            continue
        member: dict[str, Any] = {"personnummer": pnr, "role": m.get("role") or "child"}
        member.update({k: True for k in BOXES if m.get(k)})
        if v2:
            member.update({k: m[k] for k in V2_MEMBER if m.get(k) is not None})
        members.append(member)
        origin["household"].append(i)
    people = {m["personnummer"] for m in members}

    def person(section: str, i: int, value: str) -> str | None:
        try:
            pnr = strict.parse_personnummer(value)
        except ValueError:
            pnr = None
        if pnr not in people:
            errors[field_name(section, i, "person")] = N_("Choose a person in the household.")
            return None
        return pnr

    def money(section: str, i: int, name: str, value: str) -> str | None:
        try:
            return format_ore(parse_kr_form(value))
        except ValueError:
            errors[field_name(section, i, name)] = N_("Write the amount in kronor, for example 1250 or 1250,50.")
            return None

    incomes, costs, assets, labour = [], [], [], []
    for i, r in enumerate(data.get("incomes", [])):
        p, a = person("incomes", i, r.get("person", "")), money("incomes", i, "amount", r.get("amount", ""))
        ytd = money("incomes", i, "year_to_date", r["year_to_date"]) if r.get("year_to_date") else None
        if r.get("kind") not in INCOME_KINDS:
            errors[field_name("incomes", i, "kind")] = N_("Choose what kind of income it is.")
        elif p and a:
            incomes.append({"person": p, "kind": r["kind"], "amount": a, **({"year_to_date": ytd} if ytd else {})})
            origin["incomes"].append(i)
    for i, r in enumerate(data.get("costs", [])):
        a = money("costs", i, "amount", r.get("amount", ""))
        if r.get("kind") not in (cost_kinds() if v2 else COST_KINDS):
            errors[field_name("costs", i, "kind")] = N_("Choose what kind of cost it is.")
        elif a:
            cost: dict[str, Any] = {"kind": r["kind"], "amount": a}
            if r.get("description"):
                cost["description"] = r["description"]
            if v2 and r.get("document"):
                doc = str(r["document"])
                cost["document"] = document_ref(doc, documents[doc]) if doc in documents else doc
            if v2 and r.get("person") in people:
                cost["person"] = r["person"]
            costs.append(cost)
            origin["costs"].append(i)
    for i, r in enumerate(data.get("assets", [])):
        p, a = person("assets", i, r.get("person", "")), money("assets", i, "value", r.get("value", ""))
        if r.get("kind") not in ASSET_KINDS:
            errors[field_name("assets", i, "kind")] = N_("Choose what kind of asset it is.")
        elif p and a:
            assets.append({"person": p, "kind": r["kind"], "value": a})
            origin["assets"].append(i)
    for i, r in enumerate(data.get("labour_market", [])):
        if r.get("person") not in people:
            continue  # a member who has left (or is no longer listed): their row is not shown either
        if r.get("status") not in LABOUR:
            errors[field_name("labour_market", i, "status")] = N_("Choose what applies to this person.")
        else:
            plan = {"individual_plan": r["individual_plan"]} if v2 and r.get("individual_plan") else {}
            labour.append({"person": r["person"], "status": r["status"], **plan})
            origin["labour_market"].append(i)
    v2 = v2 and (kind == "supplementary" or any(c.get("document") for c in costs)
                 or any(c["kind"] in COST_KINDS_V2 for c in costs) or bool(files) or carries_v2(data, members, labour))
    application: dict[str, Any] = {
        "id": application_id, "municipality": municipality, "month": month, "kind": kind,
        "submitted_at": submitted_at.isoformat(), "household_changed": bool(data.get("household_changed")),
        "household": members, "incomes": incomes, "costs": costs, "assets": assets, "labour_market": labour,
    }
    adults = [m["personnummer"] for r in ("applicant", "partner") for m in members if m["role"] == r]
    if v2:
        application.update({k: data[k] for k in CARRIED_V2 if data.get(k) is not None})
        if "aid_history" in application:
            application["aid_history"] = [a for a in application["aid_history"] if a["person"] in adults]
        elif data.get("previous_aid"):  # as decision.bundle_v2.as_v2 maps a /1 bundle
            application["aid_history"] = aid_history_of(data["previous_aid"], month, adults)
        if files:  # every file of the draft, so that each one's content is part of the revision
            application["attachments"] = [dict(f) for f in files]
    elif data.get("previous_aid"):
        application["previous_aid"] = data["previous_aid"]
    elif data.get("aid_history") and adults:
        application["previous_aid"] = previous_aid_of(data["aid_history"], month, adults[0])
    bundle = {"schema": SCHEMA_V2 if v2 else "finaid.case-bundle/1", "application": application}
    try:  # the rows the form could read are checked together, so every message comes in one round
        parsed = parse_bundle(json.dumps(bundle))
    except InputError as e:
        for err in e.errors:  # the first message of a field is shown beside it, in plain language
            errors.setdefault(_form_field(err.path, origin), plain(err.message))
        return None, errors
    return (None, errors) if errors else (parsed, {})


def _form_field(path: str, origin: Mapping[str, list[int]]) -> str:
    """A bundle path (``application.incomes[1].amount``) as the form field it came from (``origin``: the form
    row of each bundle row); a whole part (``application.household``) is its fieldset; anything else the top
    of the form (``kind``)."""
    m = re.match(r"^application\.(\w+)\[(\d+)\]\.?(\w+)?", path)
    if m is None or m.group(1) not in SECTIONS:
        whole = path.removeprefix("application.")
        return whole if whole in SECTIONS else "kind"
    section, index = m.group(1), int(m.group(2))
    name = m.group(3) or FIELDS[section][0]
    rows = origin.get(section, [])
    index = rows[index] if index < len(rows) else index
    if section == "household":
        if name not in BOXES:  # a member's role, name or days are not fields: the message goes with the person
            name = "personnummer"
    return field_name(section, index, name if name in FIELDS[section] else FIELDS[section][0])
