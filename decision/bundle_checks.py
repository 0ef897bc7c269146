"""Cross-field rules of ``finaid.case-bundle/2`` and the rules between the two versions.

Called from :func:`decision.validation.cross_field_errors` on the bundle's parsed JSON, so they run
even when the schema fails; each rule runs only when every field it reads is valid (an invalid field
has its own schema error). Every error names the field by its path and never echoes a value.

* A /1 bundle that uses a /2-only field or value: ``"finns bara i finaid.case-bundle/2"``.
* A /2 bundle that uses ``previous_aid`` (replaced by ``aid_history``): named at the field and at ``schema``.
* The /2 fields' own rules (docs/case-bundle.md, "finaid.case-bundle/2").
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import date
from typing import Any

from decision import strict
from decision.bundle_parts import BUNDLE_SCHEMA_V1, BUNDLE_SCHEMA_V2, DOCUMENT_HASH, ONLY_V2, V2_ONLY_COST_KINDS
from decision.errors import FieldError

ADULT_ROLES = ("applicant", "partner")
_V2_APPLICATION_FIELDS = (
    "aid_history", "norm_adjustments", "rent_above_guideline_notified_on", "others_in_dwelling", "attachments"
)
_V2_MEMBER_FIELDS = ("name", "days_in_household")
_V2_COST_FIELDS = ("document", "person")


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def month_or_none(value: Any) -> date | None:
    """The first day of a valid month field, else None (the field's schema error names it)."""
    try:
        return strict.month_start(value)
    except ValueError:
        return None


def ore_or_none(value: Any) -> int | None:
    """A valid kronor string in öre, else None (the field's schema error names it)."""
    try:
        return strict.parse_kronor(value)
    except ValueError:
        return None


def days_in_month(month_start: date) -> int:
    return calendar.monthrange(month_start.year, month_start.month)[1]


def version_errors(root: dict[str, Any]) -> list[FieldError]:
    """A /1 bundle using /2-only fields or values; a /2 bundle using ``previous_aid``."""
    schema = root.get("schema")
    app = _obj(root.get("application"))
    errors: list[FieldError] = []
    if schema == BUNDLE_SCHEMA_V2:
        if "previous_aid" in app:
            errors.append(
                FieldError(
                    "application.previous_aid",
                    "is replaced by application.aid_history in finaid.case-bundle/2 (not allowed there)",
                )
            )
            # the two fields contradict each other: either the version or the field is wrong, so both are named
            errors.append(
                FieldError(
                    "schema",
                    "finaid.case-bundle/2 does not take application.previous_aid (a finaid.case-bundle/1 field): "
                    "send the bundle as finaid.case-bundle/1, or give application.aid_history instead",
                )
            )
        return errors
    if schema != BUNDLE_SCHEMA_V1:
        return errors
    if app.get("kind") == "supplementary":
        errors.append(FieldError("application.kind", f"supplementary {ONLY_V2}"))
    for name in _V2_APPLICATION_FIELDS:
        if app.get(name) is not None:
            errors.append(FieldError(f"application.{name}", ONLY_V2))
    for i, member in enumerate(_obj(m) for m in _list(app.get("household"))):
        for name in _V2_MEMBER_FIELDS:
            if member.get(name) is not None:
                errors.append(FieldError(f"application.household[{i}].{name}", ONLY_V2))
    for i, cost in enumerate(_obj(c) for c in _list(app.get("costs"))):
        if cost.get("kind") in V2_ONLY_COST_KINDS:
            errors.append(FieldError(f"application.costs[{i}].kind", f"{cost.get('kind')} {ONLY_V2}"))
        for name in _V2_COST_FIELDS:
            if cost.get(name) is not None:
                errors.append(FieldError(f"application.costs[{i}].{name}", ONLY_V2))
    for i, lm in enumerate(_obj(x) for x in _list(app.get("labour_market"))):
        if lm.get("individual_plan") is not None:
            errors.append(FieldError(f"application.labour_market[{i}].individual_plan", ONLY_V2))
    return errors


def v2_errors(root: dict[str, Any], pnr_of: Callable[[Any], str | None]) -> list[FieldError]:
    """The rules between the /2 fields (run unless the bundle says it is /1: there they are refused)."""
    if root.get("schema") == BUNDLE_SCHEMA_V1:
        return []
    app = _obj(root.get("application"))
    errors: list[FieldError] = []
    month = month_or_none(app.get("month"))
    last_day = days_in_month(month) if month is not None else None
    household = [_obj(m) for m in _list(app.get("household"))]
    numbers = [pnr_of(m.get("personnummer")) for m in household]
    roles = [m.get("role") for m in household]
    valid = isinstance(app.get("household"), list) and None not in numbers
    members = set(numbers) if valid else None
    adults = {n for n, r in zip(numbers, roles, strict=True) if r in ADULT_ROLES} if valid else None

    def ref(path: str, person: str | None) -> bool:
        """False (and an error) when ``person`` is known not to be a member."""
        if members is not None and person is not None and person not in members:
            errors.append(FieldError(path, "does not name a member of the household"))
            return False
        return True

    for i, member in enumerate(household):
        days = _int(member.get("days_in_household"))
        path = f"application.household[{i}].days_in_household"
        if member.get("days_in_household") is None:
            continue
        if member.get("role") in ADULT_ROLES:
            errors.append(FieldError(path, "is allowed on children only"))
        elif days is not None and last_day is not None and last_day < days <= 31:  # above 31: a schema error
            errors.append(FieldError(path, f"must be at most {last_day}, the days of the month applied for"))
    for i, cost in enumerate(_obj(c) for c in _list(app.get("costs"))):
        ref(f"application.costs[{i}].person", pnr_of(cost.get("person")))
    _aid_history(app, month, pnr_of, members, adults, errors)
    for i, adj in enumerate(_obj(x) for x in _list(app.get("norm_adjustments"))):
        _norm_adjustment(f"application.norm_adjustments[{i}]", adj, last_day, errors)
        ref(f"application.norm_adjustments[{i}].person", pnr_of(adj.get("person")))
    _attachments(app, errors)
    seen: set[str] = set()
    for i, other in enumerate(_obj(x) for x in _list(app.get("others_in_dwelling"))):
        number = pnr_of(other.get("personnummer"))
        path = f"application.others_in_dwelling[{i}].personnummer"
        if number is None:
            continue
        if number in set(numbers):
            errors.append(FieldError(path, "is a member of the household (list them in household, not here)"))
        elif number in seen:
            errors.append(FieldError(path, "this person is listed twice"))
        seen.add(number)
    return errors


def _aid_history(
    app: dict[str, Any],
    month: date | None,
    pnr_of: Callable[[Any], str | None],
    members: set[str | None] | None,
    adults: set[str | None] | None,
    errors: list[FieldError],
) -> None:
    seen: set[str] = set()
    for i, entry in enumerate(_obj(x) for x in _list(app.get("aid_history"))):
        path = f"application.aid_history[{i}]"
        person = pnr_of(entry.get("person"))
        if person is not None and members is not None and adults is not None:
            if person not in members:
                errors.append(FieldError(f"{path}.person", "does not name a member of the household"))
            elif person not in adults:
                errors.append(FieldError(f"{path}.person", "must be an adult of the household (applicant or partner)"))
        if person is not None:
            if person in seen:
                errors.append(FieldError(f"{path}.person", "has more than one entry"))
            seen.add(person)
        first_raw, last_raw = entry.get("jobbstimulans_first_month"), entry.get("jobbstimulans_last_month")
        first, last = month_or_none(first_raw), month_or_none(last_raw)
        if last_raw is not None and first_raw is None:
            errors.append(
                FieldError(f"{path}.jobbstimulans_first_month", "is required when jobbstimulans_last_month is given")
            )
        if first is not None and last is not None and last < first:
            errors.append(
                FieldError(f"{path}.jobbstimulans_last_month", "must not be before jobbstimulans_first_month")
            )
        for name, value in (("jobbstimulans_first_month", first), ("jobbstimulans_last_month", last)):
            if value is not None and month is not None and value > month:
                errors.append(FieldError(f"{path}.{name}", "must not be after the month applied for"))


def _norm_adjustment(path: str, adj: dict[str, Any], last_day: int | None, errors: list[FieldError]) -> None:
    direction, reason = adj.get("direction"), adj.get("reason")
    amount_raw, days_raw = adj.get("amount"), adj.get("days")
    if direction == "raise":
        amount = ore_or_none(amount_raw)
        if amount_raw is None:
            errors.append(FieldError(f"{path}.amount", "is required when direction is raise"))
        elif amount is not None and amount <= 0:
            errors.append(FieldError(f"{path}.amount", "must be more than 0 when direction is raise"))
        if days_raw is not None:
            errors.append(FieldError(f"{path}.days", "is allowed only when direction is lower"))
        if reason in ("hospital_stay", "institution_stay"):
            errors.append(FieldError(f"{path}.reason", f"{reason} goes with direction lower only"))
    elif direction == "lower":
        days = _int(days_raw)
        if days_raw is None:
            errors.append(FieldError(f"{path}.days", "is required when direction is lower"))
        elif days is not None and last_day is not None and last_day < days <= 31:  # above 31: a schema error
            errors.append(FieldError(f"{path}.days", f"must be at most {last_day}, the days of the month applied for"))
        if amount_raw is not None:
            errors.append(FieldError(f"{path}.amount", "is allowed only when direction is raise"))
        if reason == "special_diet":
            errors.append(FieldError(f"{path}.reason", "special_diet goes with direction raise only"))


def _attachments(app: dict[str, Any], errors: list[FieldError]) -> None:
    """Each attachment listed once; a document ``<id>:sha256:<hex>`` naming a listed attachment has its hash."""
    hashes: dict[str, Any] = {}
    for i, entry in enumerate(_obj(x) for x in _list(app.get("attachments"))):
        ident = entry.get("id")
        if not isinstance(ident, str):
            continue
        if ident in hashes:
            errors.append(FieldError(f"application.attachments[{i}].id", "this attachment is listed twice"))
            continue
        hashes[ident] = entry.get("sha256")
    for section in ("costs", "norm_adjustments"):
        for i, row in enumerate(_obj(x) for x in _list(app.get(section))):
            document = row.get("document")
            if not isinstance(document, str) or DOCUMENT_HASH not in document:
                continue
            ident, _, digest = document.partition(DOCUMENT_HASH)
            if ident in hashes and isinstance(hashes[ident], str) and hashes[ident] != digest:
                errors.append(FieldError(
                    f"application.{section}[{i}].document",
                    "names an attachment in application.attachments with another sha256",
                ))
