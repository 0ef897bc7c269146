"""The application part by part (docs/etjanst.md "Part by part"): the five parts in their order — household,
incomes, costs with their documents, assets, labour-market status — each with its page address, its title and
the draft section it edits; which parts the applicant has confirmed; reading one part from a posted step page
without touching the others; and the rows a part's fields are shown with (the one-page form uses the same)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from adapters.driving.etjanst import forms
from adapters.driving.etjanst.common import N_
from decision import strict
from decision.money import format_kr_sv

CONFIRMED = "confirmed"  # the draft's list of the sections the applicant has confirmed or changed
HIDDEN = "protected_hidden"  # the draft: the last application had members with a protected identity (not shown)


@dataclass(frozen=True)
class Part:
    slug: str  # the page: /ansokan/<id>/del/<slug>
    section: str  # forms.SECTIONS: what of the draft it edits
    title: str
    question: str  # asked above the prefilled part: "Stämmer" confirms it, "Ändra" opens its fields


PARTS = (
    Part("hushall", "household", N_("Household"), N_("Do these persons live in the household in {month}?")),
    Part("inkomster", "incomes", N_("Income"), N_("Is this the household's income in {month}?")),
    Part("kostnader", "costs", N_("Costs"), N_("Are these the costs you apply for in {month}?")),
    Part("tillgangar", "assets", N_("Savings and assets"), N_("Is this what the household owns?")),
    Part("arbetsmarknad", "labour_market", N_("Work and studies"), N_("Is this right for {month}?")),
)
BY_SLUG = {p.slug: p for p in PARTS}
FIRST = PARTS[0].slug


def number(part: Part) -> int:
    return PARTS.index(part) + 1


def neighbours(part: Part) -> tuple[Part | None, Part | None]:
    i = PARTS.index(part)
    return (PARTS[i - 1] if i > 0 else None), (PARTS[i + 1] if i + 1 < len(PARTS) else None)


def confirmed(data: Mapping[str, Any]) -> set[str]:
    return set(data.get(CONFIRMED) or [])


def confirm(data: dict[str, Any], *sections: str) -> None:
    data[CONFIRMED] = sorted(confirmed(data) | set(sections))


def first_unconfirmed(data: Mapping[str, Any]) -> Part | None:
    done = confirmed(data)
    return next((p for p in PARTS if p.section not in done), None)


def part_of_field(name: str) -> Part:
    """The part a form field (``costs-2-amount``) or a problem's key belongs to; the whole-application
    problems (the kind, the form) are shown on the first part."""
    section = name.split("-", 1)[0]
    return next((p for p in PARTS if p.section == section), PARTS[0])


def errors_of(part: Part, errors: Mapping[str, str]) -> dict[str, str]:
    """The problems a part's page shows beside its fields."""
    return {k: v for k, v in errors.items() if part_of_field(k) == part}


def read_part(form: Mapping[str, Any], before: Mapping[str, Any], part: Part) -> dict[str, Any]:
    """The draft with one part as posted (strings as typed) and every other part as it was. When who lives in
    the household changes, the work-and-studies part is to be answered again (an adult may have come or gone)."""
    posted = forms.read_form(form, before)
    data = dict(before)
    data[part.section] = posted[part.section]
    if part.section == "household":
        data["household_changed"] = posted["household_changed"]
        if {m["personnummer"] for m in people_of(data)} != {m["personnummer"] for m in people_of(before)}:
            data[CONFIRMED] = sorted(confirmed(data) - {"labour_market"})
    return data


def people_of(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The members living in the household in the month (with a personnummer)."""
    return [m for m in data.get("household", []) if m.get("keep", True) and m.get("personnummer")]


def rows_of(data: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Each part's rows as its fields show them: the draft's, then empty rows to fill in (no JavaScript: "add a
    row" saves and shows more), and a labour-market row for every adult living in the household."""
    rows = {s: list(data.get(s, [])) for s in forms.SECTIONS}
    for section in ("incomes", "costs", "assets"):
        rows[section] += [{}] * (forms.EXTRA_ROWS + int(data.get("more_" + section, 0)))
    rows["household"] += [{"role": "child", "keep": True}] * (1 + int(data.get("more_household", 0)))
    adults = [m for m in people_of(data) if m.get("role") in ("applicant", "partner")]
    listed = {r.get("person") for r in rows["labour_market"]}
    rows["labour_market"] += [{"person": m["personnummer"], "status": ""} for m in adults
                              if m["personnummer"] not in listed]
    return rows


def kronor(text: object) -> str:
    """A typed amount as the applicant reads it back (``8 200 kr``); as typed when it is not an amount."""
    try:
        return format_kr_sv(strict.parse_form_kronor(text))
    except ValueError:
        return str(text or "")
