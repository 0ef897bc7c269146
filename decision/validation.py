"""Reading a case bundle: JSON → pydantic → cross-field checks, every bad field named by its path.

Nothing in an error message echoes a personnummer (or any other input value).
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from enum import StrEnum
from typing import Any, TypeVar

from pydantic import AwareDatetime, TypeAdapter, ValidationError

from decision import strict
from decision.bundle import FACT_TAGS, AnswerStatus, CaseBundle, CostKind, IncomeKind, Role, Source
from decision.bundle_checks import month_or_none, ore_or_none, v2_errors, version_errors
from decision.errors import FieldError, InputError
from decision.jsonload import MAX_BYTES, load_json, safe_key

MAX_BUNDLE_BYTES = MAX_BYTES

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
        elif safe_key(part):
            out += f".{part}" if out else part
        # else: a key that is not a field name (it can be a personnummer) is never echoed
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


def parse_bundle(raw: bytes | str) -> CaseBundle:
    """Parse and validate a case bundle; raise :class:`InputError` naming every bad field.

    Size, nesting depth and duplicate keys are checked before anything else (:mod:`decision.jsonload`);
    then the schema errors and the cross-field errors are reported together, in one list: a
    cross-field check runs whenever the fields it reads are valid, even if others are not.
    """
    text, data = load_json(raw, max_bytes=MAX_BUNDLE_BYTES)
    errors: list[FieldError] = []
    bundle: CaseBundle | None = None
    try:
        bundle = CaseBundle.model_validate_json(text)
    except ValidationError as e:
        for err in e.errors(include_input=False, include_url=False):
            loc = tuple(err["loc"])
            hidden = err["type"] == "extra_forbidden" and isinstance(loc[-1], str) and not safe_key(loc[-1])
            message = "has an unknown field (its name is not shown)" if hidden else _message(err)
            errors.append(FieldError(_path(loc), message))
    errors.extend(cross_field_errors(data))
    if errors or bundle is None:
        raise InputError(_dedupe(errors) or [FieldError("", "is not a valid case bundle")])
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
    return strict.month_start(month)


def check_bundle(bundle: CaseBundle) -> list[FieldError]:
    """Cross-field rules of the contract that a schema cannot express (for a bundle that passed the schema)."""
    return cross_field_errors(bundle.to_json_dict())


# -- cross-field checks, on the parsed JSON so that they run even when the schema fails ----------
#
# Each check reads its fields through the strict parsers below and runs only when every field it
# reads is valid; an invalid field already has its own schema error.

_E = TypeVar("_E", bound=StrEnum)
_TIMESTAMP: TypeAdapter[Any] = TypeAdapter(AwareDatetime)


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _enum(kind: type[_E], value: Any) -> _E | None:
    if isinstance(value, str) and value in kind._value2member_map_:
        return kind(value)
    return None


def _pnr(value: Any) -> str | None:
    try:
        return strict.parse_personnummer(value)
    except ValueError:
        return None


def _submitted(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return _TIMESTAMP.validate_python(value).date()  # type: ignore[no-any-return]
    except ValidationError:
        return None


def cross_field_errors(data: Any) -> list[FieldError]:
    """Cross-field rules of the contract that a schema cannot express, on a bundle's parsed JSON."""
    known: dict[str, str | None] = {}

    def pnr_of(value: Any) -> str | None:  # each distinct string parsed once per bundle
        if not isinstance(value, str):
            return None
        if value not in known:
            known[value] = _pnr(value)
        return known[value]

    root = _obj(data)
    app = _obj(root.get("application"))
    errors: list[FieldError] = []
    household = [_obj(m) for m in _list(app.get("household"))]
    roles = [_enum(Role, m.get("role")) for m in household]
    numbers = [pnr_of(m.get("personnummer")) for m in household]
    if isinstance(app.get("household"), list) and None not in roles:
        count = Counter(roles)
        if count[Role.APPLICANT] != 1:
            errors.append(
                FieldError("application.household", f"must have exactly one applicant (found {count[Role.APPLICANT]})")
            )
        if count[Role.PARTNER] > 1:
            errors.append(FieldError("application.household", "must have at most one partner"))
    seen: set[str] = set()
    month_start = month_or_none(app.get("month"))
    submitted = _submitted(app.get("submitted_at"))
    for i, (m, role, number) in enumerate(zip(household, roles, numbers, strict=True)):
        path = f"application.household[{i}]"
        born = strict.personnummer_birth_date(number) if number is not None else None
        if number is not None:
            if number in seen:
                errors.append(FieldError(f"{path}.personnummer", "this member is listed twice"))
            seen.add(number)
        if born is not None and submitted is not None and born > submitted:
            errors.append(FieldError(f"{path}.personnummer", "born after the application was submitted"))
        if role is not None and role != Role.CHILD:
            if m.get("attends_school") is True:
                errors.append(FieldError(f"{path}.attends_school", "is allowed on children only"))
            if m.get("preschool_lunch") is True:
                errors.append(FieldError(f"{path}.preschool_lunch", "is allowed on children only"))
        elif role == Role.CHILD and born is not None and month_start is not None and age_on(born, month_start) >= 21:
            errors.append(
                FieldError(f"{path}.role", "a child must be under 21 on the first day of the month applied for")
            )
    # References are checked only against a household whose every number is valid.
    members = set(numbers) if isinstance(app.get("household"), list) and None not in numbers else None
    children = {n for n, r in zip(numbers, roles, strict=True) if n is not None and r == Role.CHILD}

    def ref(path: str, person: str | None) -> None:
        if members is not None and person is not None and person not in members:
            errors.append(FieldError(path, "does not name a member of the household"))

    for i, inc in enumerate(_obj(x) for x in _list(app.get("incomes"))):
        person = pnr_of(inc.get("person"))
        ref(f"application.incomes[{i}].person", person)
        if person is not None and person in children and _enum(IncomeKind, inc.get("kind")) == IncomeKind.SALARY:
            ytd_raw = inc.get("year_to_date")
            ytd, amount = ore_or_none(ytd_raw), ore_or_none(inc.get("amount"))
            if ytd_raw is None:
                errors.append(
                    FieldError(f"application.incomes[{i}].year_to_date", "is required for a child's salary")
                )
            elif ytd is not None and amount is not None and ytd < amount:
                errors.append(
                    FieldError(f"application.incomes[{i}].year_to_date", "must be at least the month's amount")
                )
    for i, cost in enumerate(_obj(x) for x in _list(app.get("costs"))):
        if _enum(CostKind, cost.get("kind")) == CostKind.OTHER and cost.get("description") in (None, ""):
            errors.append(FieldError(f"application.costs[{i}].description", "is required for a cost of kind other"))
    for i, asset in enumerate(_obj(x) for x in _list(app.get("assets"))):
        ref(f"application.assets[{i}].person", pnr_of(asset.get("person")))
    lm_seen: set[str] = set()
    for i, lm in enumerate(_obj(x) for x in _list(app.get("labour_market"))):
        person = pnr_of(lm.get("person"))
        ref(f"application.labour_market[{i}].person", person)
        if person is not None:
            if person in lm_seen:
                errors.append(FieldError(f"application.labour_market[{i}].person", "has more than one entry"))
            lm_seen.add(person)
    answered: set[tuple[Source, str]] = set()
    for i, entry in enumerate(_obj(x) for x in _list(root.get("registry"))):
        path = f"registry[{i}]"
        person = pnr_of(entry.get("person"))
        source = _enum(Source, entry.get("source"))
        status = _enum(AnswerStatus, entry.get("status"))
        facts = _list(entry.get("facts"))
        ref(f"{path}.person", person)
        if source is not None and person is not None:
            if (source, person) in answered:
                errors.append(FieldError(f"{path}", "a second answer from the same source for the same person"))
            answered.add((source, person))
        if status == AnswerStatus.UNAVAILABLE and entry.get("error") in (None, ""):
            errors.append(FieldError(f"{path}.error", "is required when status is unavailable"))
        if status is not None and status != AnswerStatus.OK and facts:
            errors.append(FieldError(f"{path}.facts", "facts are allowed only when status is ok"))
        for j, fact in enumerate(_obj(x) for x in facts):
            kind = fact.get("kind")
            if kind == "registered" and source is not None and source != Source.ARBETSFORMEDLINGEN:
                errors.append(FieldError(f"{path}.facts[{j}].kind", "registered comes from arbetsformedlingen only"))
            if kind == "residence_status" and source is not None and source != Source.MIGRATIONSVERKET:
                errors.append(
                    FieldError(f"{path}.facts[{j}].kind", "residence_status comes from migrationsverket only")
                )
    errors.extend(version_errors(root))
    errors.extend(v2_errors(root, pnr_of))
    return errors
