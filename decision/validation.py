"""Reading a case bundle: JSON → pydantic → cross-field checks, every bad field named by its path.

Nothing in an error message echoes a personnummer (or any other input value).
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from typing import Any

from pydantic import ValidationError

from decision import personnummer as pnr
from decision.bundle import FACT_TAGS, AnswerStatus, CaseBundle, CostKind, IncomeKind, Role, Source
from decision.errors import FieldError, InputError

MAX_BUNDLE_BYTES = 2 * 1024 * 1024

_MESSAGES = {
    "missing": "is required",
    "extra_forbidden": "unknown field",
    "literal_error": None,
    "enum": None,
}


def _path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in FACT_TAGS or part.startswith(("function-", "nullable[", "union[", "json-or-python")):
            continue
        else:
            out += f".{part}" if out else part
    return out


def _message(err: Any) -> str:
    kind = err["type"]
    if kind in ("missing", "extra_forbidden"):
        return str(_MESSAGES[kind])
    msg = str(err["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            msg = msg[len(prefix) :]
    if kind == "string_type":
        return "must be a string"
    if kind == "bool_type":
        return "must be true or false"
    if kind in ("int_type", "int_parsing"):
        return "must be a whole number"
    if kind == "list_type":
        return "must be a list"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return "must be an object"
    if kind.startswith("datetime") or kind == "timezone_aware":
        return "must be an ISO 8601 date and time with an offset, e.g. 2023-02-22T08:12:00+01:00"
    if kind == "string_pattern_mismatch":
        return "has the wrong format"
    return msg.replace("Input should be", "must be").replace("Input", "value")


def _reject_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError(f"duplicate key {key!r}")
        seen[key] = value
    return seen


def parse_bundle(raw: bytes | str) -> CaseBundle:
    """Parse and validate a case bundle; raise :class:`InputError` naming every bad field."""
    if isinstance(raw, bytes):
        if len(raw) > MAX_BUNDLE_BYTES:
            raise InputError([FieldError("", f"the bundle is larger than {MAX_BUNDLE_BYTES} bytes")])
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise InputError([FieldError("", "the file is not UTF-8 text")]) from None
    else:
        text = raw
    try:
        json.loads(text, object_pairs_hook=_reject_duplicate_keys)
    except json.JSONDecodeError as e:
        raise InputError([FieldError("", f"malformed JSON at line {e.lineno}, column {e.colno}: {e.msg}")]) from None
    except ValueError as e:
        raise InputError([FieldError("", f"malformed JSON: {e}")]) from None
    try:
        bundle = CaseBundle.model_validate_json(text)
    except ValidationError as e:
        errors = []
        for err in e.errors(include_input=False, include_url=False):
            errors.append(FieldError(_path(tuple(err["loc"])), _message(err)))
        raise InputError(_dedupe(errors)) from None
    problems = check_bundle(bundle)
    if problems:
        raise InputError(problems)
    return bundle


def _dedupe(errors: list[FieldError]) -> list[FieldError]:
    seen: set[tuple[str, str]] = set()
    out = []
    for e in errors:
        if (e.path, e.message) not in seen:
            seen.add((e.path, e.message))
            out.append(e)
    return out


def age_on(birth: date, day: date) -> int:
    """Completed years on ``day``; someone born later in the same month is 0."""
    years = day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
    return max(years, 0)


def first_of_month(month: str) -> date:
    return date(int(month[:4]), int(month[5:7]), 1)


def check_bundle(bundle: CaseBundle) -> list[FieldError]:
    """Cross-field rules of the contract that a schema cannot express."""
    app = bundle.application
    errors: list[FieldError] = []
    members = [m.personnummer for m in app.household]
    roles = Counter(m.role for m in app.household)
    if roles[Role.APPLICANT] != 1:
        errors.append(
            FieldError("application.household", f"must have exactly one applicant (found {roles[Role.APPLICANT]})")
        )
    if roles[Role.PARTNER] > 1:
        errors.append(FieldError("application.household", "must have at most one partner"))
    seen: set[str] = set()
    month_start = first_of_month(app.month)
    submitted = app.submitted_at.date()
    for i, m in enumerate(app.household):
        path = f"application.household[{i}]"
        if m.personnummer in seen:
            errors.append(FieldError(f"{path}.personnummer", "this member is listed twice"))
        seen.add(m.personnummer)
        born = pnr.birth_date(m.personnummer)
        if born > submitted:
            errors.append(FieldError(f"{path}.personnummer", "born after the application was submitted"))
        if m.role != Role.CHILD:
            if m.attends_school:
                errors.append(FieldError(f"{path}.attends_school", "is allowed on children only"))
            if m.preschool_lunch:
                errors.append(FieldError(f"{path}.preschool_lunch", "is allowed on children only"))
        elif age_on(born, month_start) >= 21:
            errors.append(
                FieldError(f"{path}.role", "a child must be under 21 on the first day of the month applied for")
            )
    children = {m.personnummer for m in app.household if m.role == Role.CHILD}

    def ref(path: str, person: str) -> None:
        if person not in members:
            errors.append(FieldError(path, "does not name a member of the household"))

    for i, inc in enumerate(app.incomes):
        ref(f"application.incomes[{i}].person", inc.person)
        if inc.person in children and inc.kind == IncomeKind.SALARY:
            if inc.year_to_date is None:
                errors.append(
                    FieldError(f"application.incomes[{i}].year_to_date", "is required for a child's salary")
                )
            elif inc.year_to_date < inc.amount:
                errors.append(
                    FieldError(f"application.incomes[{i}].year_to_date", "must be at least the month's amount")
                )
    for i, cost in enumerate(app.costs):
        if cost.kind == CostKind.OTHER and not cost.description:
            errors.append(FieldError(f"application.costs[{i}].description", "is required for a cost of kind other"))
    for i, asset in enumerate(app.assets):
        ref(f"application.assets[{i}].person", asset.person)
    lm_seen: set[str] = set()
    for i, lm in enumerate(app.labour_market):
        ref(f"application.labour_market[{i}].person", lm.person)
        if lm.person in lm_seen:
            errors.append(FieldError(f"application.labour_market[{i}].person", "has more than one entry"))
        lm_seen.add(lm.person)
    answered: set[tuple[str, str]] = set()
    for i, entry in enumerate(bundle.registry or []):
        path = f"registry[{i}]"
        ref(f"{path}.person", entry.person)
        key = (entry.source.value, entry.person)
        if key in answered:
            errors.append(FieldError(f"{path}", "a second answer from the same source for the same person"))
        answered.add(key)
        if entry.status == AnswerStatus.UNAVAILABLE and not entry.error:
            errors.append(FieldError(f"{path}.error", "is required when status is unavailable"))
        if entry.status != AnswerStatus.OK and entry.facts:
            errors.append(FieldError(f"{path}.facts", "facts are allowed only when status is ok"))
        for j, fact in enumerate(entry.facts):
            if fact.kind == "registered" and entry.source != Source.ARBETSFORMEDLINGEN:
                errors.append(FieldError(f"{path}.facts[{j}].kind", "registered comes from arbetsformedlingen only"))
            if fact.kind == "residence_status" and entry.source != Source.MIGRATIONSVERKET:
                errors.append(
                    FieldError(f"{path}.facts[{j}].kind", "residence_status comes from migrationsverket only")
                )
    return errors
