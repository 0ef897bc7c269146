"""Case bundle /2 households from the one seeded generator (adapters/devtools/synthetic.py).

Household ``i`` of seed ``s`` as ``finaid.case-bundle/2``: the same people, incomes and month as its /1
form (so the sandbox registry answers for it unchanged, and the /1 households and their golden hashes do
not move), plus what /2 can say. Every household gets its members' (fictitious) names and a per-person
``aid_history`` in place of ``previous_aid`` (a partner's own, shorter run and no jobbstimulans period of
their own); on top, one part of /2 in rotation (``PARTS``: eleven, prime to the fifteen archetypes, so that
each part meets every household shape), so that any 11 households in a row use every part:

* a child living in the household part of the month (1 day, half the month, or all but one day);
* jobbstimulans per person (the applicant's period in its 24th or 25th month, or ended with six or more
  new months on aid after it; a partner who joined later has no period of their own);
* the health-related cost kinds with documents and one undocumented (glasögon without a document);
* the child-related cost kinds (förskoleavgift, fritidsavgift) and akut tandvård, documented;
* a raised norm (special diet, with a certificate) and a lowered norm (days in hospital);
* the rent-above-guideline notice inside the adjustment period and after it;
* others in the dwelling (a young adult who is a household of their own, another adult);
* the individual plan of the activity requirement (agreed, missing or declined);
* nothing more (a plain /2 household).

Deterministic: a second random stream (``finaid-synthetic-v2:<seed>:<i>``) decides the /2 parts, so the
/1 stream is untouched. :func:`supplementary_of` makes a household's supplementary application for the
same month (it needs a signed decision for that month before it is submitted).
"""

from __future__ import annotations

import calendar
import copy
import random
from datetime import date, timedelta
from typing import Any

from adapters.devtools.people import FIRST_NAMES, LAST_NAMES, Household, kr
from adapters.devtools.synthetic import households
from decision import personnummer as pnr
from decision.bundle_v2 import month_minus
from decision.money import format_ore

SCHEMA_V2 = "finaid.case-bundle/2"
PARTS: tuple[str, ...] = (
    "part_time_child",
    "aid_history",
    "health_costs",
    "child_costs",
    "norm_raise",
    "norm_lower",
    "rent_notice_inside",
    "rent_notice_after",
    "others_in_dwelling",
    "individual_plan",
    "plain",
)
"""The /2 parts in rotation: household ``i`` uses ``part_of(i)`` (and names and aid history)."""


def part_of(i: int) -> str:
    """The /2 part of household ``i`` (len(PARTS) is prime to len(ARCHETYPES): every pair occurs)."""
    return PARTS[i % len(PARTS)]


def _days(month: str) -> int:
    return calendar.monthrange(int(month[:4]), int(month[5:7]))[1]


def _cost(kind: str, ore: int, document: str | None = None, person: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": kind, "amount": format_ore(ore)}
    if document is not None:
        out["document"] = document
    if person is not None:
        out["person"] = person
    return out


def as_v2(h: Household, seed: int, i: int) -> Household:
    """Household ``h`` (number ``i`` of ``seed``, /1) as a /2 household using part ``part_of(i)``."""
    rng = random.Random(f"finaid-synthetic-v2:{seed}:{i}")  # noqa: S311 - seeded synthetic data, not secrets
    bundle = copy.deepcopy(h.bundle)
    bundle["schema"] = SCHEMA_V2
    app = bundle["application"]
    previous = app.pop("previous_aid")
    month = app["month"]
    names = {p.personnummer: f"{p.first_name} {p.last_name}" for p in h.people}
    for m in app["household"]:
        m["name"] = names[m["personnummer"]]
    adults = [m["personnummer"] for m in app["household"] if m["role"] in ("applicant", "partner")]
    children = [m for m in app["household"] if m["role"] == "child"]
    in_row = previous["consecutive_months"]
    app["aid_history"] = [
        {"person": p, "months_on_aid_in_row": in_row if k == 0 else min(in_row, 2)} for k, p in enumerate(adults)
    ]
    part = part_of(i)
    applicant = adults[0]
    ref = f"SYN-{seed}-{i:05d}"
    if part == "part_time_child" and children:
        children[0]["days_in_household"] = rng.choice([1, _days(month) // 2, _days(month) - 1])
    elif part == "aid_history":
        variant = rng.choice(["24th", "25th", "new_period"])
        first_applicant = {"24th": 23, "25th": 24, "new_period": 40}[variant]
        entry: dict[str, Any] = {"person": applicant, "months_on_aid_in_row": max(in_row, 30),
                                 "jobbstimulans_first_month": month_minus(month, first_applicant)}
        if variant == "new_period":
            entry["jobbstimulans_last_month"] = month_minus(month, 7)
        app["aid_history"][0] = entry
        if len(adults) > 1:  # joined two months ago: the applicant's period is not theirs
            app["aid_history"][1] = {"person": adults[1], "months_on_aid_in_row": 2}
    elif part == "health_costs":
        app["costs"] += [
            _cost("medical_care", kr(rng, 100, 400), f"{ref}:lakarkvitto", applicant),
            _cost("prescription_medicine", kr(rng, 50, 900), f"{ref}:apotek", applicant),
            _cost("glasses", kr(rng, 800, 2500), None, applicant),  # undocumented
        ]
    elif part == "child_costs":
        child = children[0]["personnummer"] if children else None
        app["costs"] += [
            _cost("preschool_fee", kr(rng, 300, 1500), f"{ref}:faktura-forskola", child),
            _cost("after_school_fee", kr(rng, 200, 1200), f"{ref}:faktura-fritids", child),
            _cost("emergency_dental_care", kr(rng, 500, 3000), f"{ref}:tandvard", applicant),
        ]
    elif part == "norm_raise":
        person = rng.choice([m["personnummer"] for m in app["household"]])
        app["norm_adjustments"] = [{
            "person": person, "direction": "raise", "reason": "special_diet",
            "description": "Särskild kost enligt läkarintyg", "amount": format_ore(kr(rng, 200, 800)),
            "document": f"{ref}:intyg",
        }]
    elif part == "norm_lower":
        app["norm_adjustments"] = [{
            "person": applicant, "direction": "lower", "reason": rng.choice(["hospital_stay", "institution_stay"]),
            "description": "Vistelse på sjukhus del av månaden", "days": rng.randint(5, _days(month)),
        }]
    elif part in ("rent_notice_inside", "rent_notice_after"):
        first = date(int(month[:4]), int(month[5:7]), 1)
        back = rng.randint(20, 60) if part == "rent_notice_inside" else rng.randint(120, 400)
        app["rent_above_guideline_notified_on"] = (first - timedelta(days=back)).isoformat()
        app["costs"][0]["amount"] = format_ore(kr(rng, 11000, 16000))  # above the guideline's level
    elif part == "others_in_dwelling":
        taken = {m["personnummer"] for m in app["household"]}
        first = date(int(month[:4]), int(month[5:7]), 1)
        born = first.replace(year=first.year - 19) - timedelta(days=rng.randint(1, 300))
        young = pnr.make(born, rng.randrange(1000))
        while young in taken:
            young = pnr.make(born, rng.randrange(1000))
        app["others_in_dwelling"] = [
            {"kind": "young_adult_separate_household", "personnummer": young,
             "name": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"},
            *([{"kind": "other_adult"}] if rng.random() < 0.5 else []),
        ]
    elif part == "individual_plan":
        for lm in app["labour_market"]:
            if lm["person"] in adults:
                lm["individual_plan"] = rng.choice(["agreed", "missing", "declined"])
    return Household(h.archetype, bundle, h.people)


def households_v2(n: int, seed: int) -> list[Household]:
    """The first ``n`` households of ``seed`` as /2 (the same people as ``households(n, seed)``)."""
    return [as_v2(h, seed, i) for i, h in enumerate(households(n, seed))]


def generate_v2(n: int, seed: int) -> list[dict[str, Any]]:
    """``n`` ``finaid.case-bundle/2`` dicts without ``registry``, deterministic in ``seed``."""
    return [h.bundle for h in households_v2(n, seed)]


def supplementary_of(h: Household, number: int = 1) -> dict[str, Any]:
    """A /2 household's supplementary application for the same month: a new application id (never a
    revision of the first), submitted ten days into the month, with one cost that came up since."""
    bundle = copy.deepcopy(h.bundle)
    if bundle["schema"] != SCHEMA_V2:
        raise ValueError("a supplementary application is a finaid.case-bundle/2 bundle")
    app = bundle["application"]
    month = app["month"]
    app["id"] = f"{app['id']}-T{number}"
    app["kind"] = "supplementary"
    app["submitted_at"] = f"{month}-10T10:00:00+01:00"
    applicant = next(m["personnummer"] for m in app["household"] if m["role"] == "applicant")
    app["costs"] = [*app["costs"], _cost("emergency_dental_care", 180000, f"{app['id']}:tandvard", applicant)]
    return bundle
