"""A small seeded caseload with labelled household shapes, sealed without a registry.

Households come from the one seeded generator (adapters/devtools/synthetic.py), whose archetypes label each
household's shape. Instead of calling the sandbox, each bundle is sealed here from what the
generator says the agencies know about its people (their benefits, Arbetsförmedlingen registration,
protected identity and residence permits), one answer per consulted source for every adult:
registry answers a real fetch could have produced, so the caseload decides like a real one.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from adapters.devtools.synthetic import Household, PersonRecord, households
from decision.money import format_ore

SOURCES = (
    "skatteverket", "forsakringskassan", "pensionsmyndigheten", "arbetsformedlingen", "akassa", "csn",
    "migrationsverket",
)
SOURCE_OF_ELEMENT = {"SKV": "skatteverket", "FK": "forsakringskassan", "PM": "pensionsmyndigheten",
                     "SO": "akassa", "CSN": "csn"}
COUPLES = frozenset({"couple_every_source", "couple_with_children", "income_mismatch", "young_adult_worker"})


@dataclass(frozen=True)
class Case:
    archetype: str
    bundle: dict[str, Any]

    @property
    def application_id(self) -> str:
        return str(self.bundle["application"]["id"])

    @property
    def month(self) -> str:
        return str(self.bundle["application"]["month"])

    @property
    def couple(self) -> bool:
        return self.archetype in COUPLES


def _residence(person: PersonRecord, day: date) -> str | None:
    if not person.permits:
        return None
    for p in person.permits:
        if p.granted and p.valid_from <= day and (p.valid_to is None or day <= p.valid_to):
            return "permanent" if p.permanent else "temporary"
    return "expired" if any(p.granted for p in person.permits) else "none"


def seal(h: Household) -> dict[str, Any]:
    """The household's bundle with the registry answers its synthetic people would get."""
    bundle = copy.deepcopy(h.bundle)
    app = bundle["application"]
    month = app["month"]
    first = date(int(month[:4]), int(month[5:7]), 1)
    fetched = (datetime.fromisoformat(app["submitted_at"]) + timedelta(hours=2)).isoformat()
    people = {p.personnummer: p for p in h.people}
    registry: list[dict[str, Any]] = []
    for member in app["household"]:
        pn = member["personnummer"]
        person = people[pn]
        adult = member["role"] != "child"
        for src in SOURCES:
            facts: list[dict[str, Any]] = []
            if person.known:
                if src == "skatteverket":
                    facts.append({"kind": "protected_identity", "value": person.protected})
                facts += [
                    {"kind": b.kind.value, "month": month, "amount": format_ore(b.net_ore)}
                    for b in person.benefits if SOURCE_OF_ELEMENT.get(b.element) == src
                ]
                if src == "arbetsformedlingen" and person.af_registered is not None:
                    facts.append({"kind": "registered", "value": person.af_registered})
                residence = _residence(person, first) if src == "migrationsverket" else None
                if residence is not None:
                    facts.append({"kind": "residence_status", "value": residence})
            if not adult and not facts:
                continue
            entry: dict[str, Any] = {
                "source": src, "person": pn, "status": "ok" if facts else "no_data", "fetched_at": fetched,
                "request_id": f"{src[:3]}-{app['id']}-{len(registry)}",
            }
            if facts:
                entry["facts"] = facts
            registry.append(entry)
    bundle["registry"] = registry
    return bundle


def caseload(n: int, seed: int, month_from: str, month_to: str) -> list[Case]:
    """The sealed households among the first ``n`` of ``seed`` whose month is in the range."""
    return [
        Case(h.archetype, seal(h))
        for h in households(n, seed)
        if month_from <= h.bundle["application"]["month"] <= month_to
    ]
