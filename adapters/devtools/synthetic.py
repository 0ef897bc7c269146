"""The ONE seeded generator of synthetic households (no real people).

The sandbox registry answers for this population, ``finaid demo generate`` writes its bundles, and
tests and benchmarks draw from it. Deterministic: household ``i`` of seed ``s`` is the same whatever
``n`` is asked for (prefix-stable), so a sandbox serving 2 000 households answers for any smaller
set generated with the same seed.

Personnummer have real dates and valid check digits (they may coincide with real people's, so they
never travel with addresses); names come from an obviously fictitious list. Every household shape
(single, couple, children, young adults at home), every income kind, protected identities, people
unknown to every agency (samordningsnummer) and residence permits (permanent, temporary, expired)
occur, in a fixed rotation of archetypes with seeded variation.
"""


from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from adapters.devtools.archetypes import BUILDERS
from adapters.devtools.people import (
    FIRST_NAMES,
    LAST_NAMES,
    NAMES,
    Benefit,
    Builder,
    Household,
    Permit,
    PersonRecord,
    kr,
)
from decision.money import format_ore

__all__ = [
    "ARCHETYPES", "FIRST_NAMES", "LAST_NAMES", "NAMES", "Benefit", "Household", "Permit", "PersonRecord",
    "generate", "household", "households", "population",
]

MUNICIPALITY = "1287"
FIRST_MONTH = (2023, 1)
MONTHS = 48  # 2023-01 .. 2026-12, the months the shipped packs cover


ARCHETYPES: tuple[str, ...] = (
    "every_source",
    "single_unemployed",
    "single_parent",
    "couple_with_children",
    "sick_leave",
    "activity_compensation",
    "pensioner",
    "student",
    "new_arrival",
    "expired_permit",
    "protected_identity",
    "unknown_person",
    "income_mismatch",
    "young_adult_worker",
    "couple_every_source",
)
"""Household shapes in rotation: household ``i`` has archetype ``ARCHETYPES[i % len(ARCHETYPES)]``."""


def household(i: int, seed: int, used: set[str]) -> Household:
    """Household ``i`` of ``seed`` (``used`` holds personnummer already taken by earlier households)."""
    rng = random.Random(f"finaid-synthetic:{seed}:{i}")  # noqa: S311 - seeded synthetic data, not secrets
    archetype = ARCHETYPES[i % len(ARCHETYPES)]
    k = rng.randrange(MONTHS)
    year, mon = FIRST_MONTH[0] + (FIRST_MONTH[1] - 1 + k) // 12, (FIRST_MONTH[1] - 1 + k) % 12 + 1
    month = f"{year:04d}-{mon:02d}"
    first = date(year, mon, 1)
    submitted = first - timedelta(days=rng.randint(3, 20))
    b = Builder(rng, month, submitted, used)
    BUILDERS[archetype](b)
    costs = [
        {"kind": "rent", "amount": format_ore(kr(rng, 4200, 11800))},
        {"kind": "household_electricity", "amount": format_ore(kr(rng, 250, 700))},
        {"kind": "home_insurance", "amount": format_ore(kr(rng, 120, 260))},
    ]
    consecutive = rng.choice([0, 0, 1, 3, 7, 12])
    bundle: dict[str, Any] = {
        "schema": "finaid.case-bundle/1",
        "application": {
            "id": f"SYN-{seed}-{i:05d}",
            "municipality": MUNICIPALITY,
            "month": month,
            "kind": "first" if consecutive == 0 else "reapplication",
            "submitted_at": f"{submitted.isoformat()}T09:{rng.randint(10, 59):02d}:00+01:00",
            "household": b.members,
            "incomes": b.incomes,
            "costs": costs,
            "assets": [],
            "labour_market": b.labour,
            "previous_aid": {"consecutive_months": consecutive, "jobbstimulans_months_used": 0},
        },
    }
    return Household(archetype, bundle, tuple(b.people))


def households(n: int, seed: int) -> list[Household]:
    used: set[str] = set()
    return [household(i, seed, used) for i in range(n)]


def generate(n: int, seed: int) -> list[dict[str, Any]]:
    """``n`` case bundles (``finaid.case-bundle/1`` dicts without ``registry``), deterministic in ``seed``."""
    return [h.bundle for h in households(n, seed)]


def population(n: int, seed: int) -> dict[str, PersonRecord]:
    """What the sandbox knows: every person of the first ``n`` households, by personnummer."""
    return {p.personnummer: p for h in households(n, seed) for p in h.people}
