"""Synthetic people: the records the sandbox knows and the builder the household archetypes use.

Part of the one seeded generator (adapters/devtools/synthetic.py). No real people: names come from an
obviously fictitious list, registered with the log redactor on import.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from adapters.driven.logging import register_names
from decision import personnummer as pnr
from decision.bundle import IncomeKind
from decision.money import format_ore

FIRST_NAMES = (
    "Testa", "Provia", "Exempla", "Fiktiva", "Demona", "Låtsa", "Påhitta", "Attrappa", "Modella", "Skissa",
    "Testo", "Provius", "Exempel", "Fiktivus", "Demon", "Låtsas", "Påhitt", "Attrapp", "Modell", "Skiss",
)
LAST_NAMES = (
    "Exempelsson", "Testberg", "Provqvist", "Påhittad", "Låtsasson", "Fiktivander", "Syntetiksson",
    "Demodal", "Attrappström", "Modellin", "Skissgren", "Testlund",
)
NAMES: tuple[str, ...] = FIRST_NAMES + LAST_NAMES
"""Every name the generator can produce; registered with the log redactor on import."""
register_names(NAMES)


@dataclass(frozen=True, slots=True)
class Benefit:
    """A monthly income an agency reports for a person: net after tax and the tax withheld, in öre."""

    element: str  # FK, PM, SO, CSN, SKV (provisional salary dialect)
    code: str  # FK/PM group (ABB, SJP, AP …), SO "ALE", CSN form, SKV "LON"
    kind: IncomeKind
    net_ore: int
    tax_ore: int = 0


@dataclass(frozen=True, slots=True)
class Permit:
    granted: bool
    permanent: bool
    valid_from: date
    valid_to: date | None


@dataclass(frozen=True, slots=True)
class PersonRecord:
    """What the sandbox registry knows about one synthetic person."""

    personnummer: str
    first_name: str
    last_name: str
    known: bool = True
    protected: bool = False
    af_registered: bool | None = None
    benefits: tuple[Benefit, ...] = ()
    permits: tuple[Permit, ...] = ()
    capital_income: tuple[tuple[int, int], ...] = ()  # (taxeringsår, kronor)
    vehicles: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Household:
    archetype: str
    bundle: dict[str, Any]
    people: tuple[PersonRecord, ...]


@dataclass
class Builder:
    rng: random.Random
    month: str
    submitted: date
    used: set[str]
    members: list[dict[str, Any]] = field(default_factory=list)
    people: list[PersonRecord] = field(default_factory=list)
    incomes: list[dict[str, Any]] = field(default_factory=list)
    labour: list[dict[str, Any]] = field(default_factory=list)

    def number(self, birth: date, coordination: bool = False) -> str:
        for _ in range(2000):
            candidate = pnr.make(birth, self.rng.randrange(0, 1000), coordination)
            if candidate not in self.used:
                self.used.add(candidate)
                return candidate
        raise RuntimeError("no free personnummer left for this birth date")  # pragma: no cover

    def birth(self, age_from: int, age_to: int) -> date:
        first = date(int(self.month[:4]), int(self.month[5:7]), 1)
        years = self.rng.randint(age_from, age_to)
        born = first.replace(year=first.year - years) - timedelta(days=self.rng.randint(1, 360))
        return min(born, self.submitted - timedelta(days=1))

    def person(self, role: str, age: tuple[int, int], *, coordination: bool = False, **record: Any) -> str:
        number = self.number(self.birth(*age), coordination)
        member: dict[str, Any] = {"personnummer": number, "role": role}
        if record.pop("attends_school", False):
            member["attends_school"] = True
        self.members.append(member)
        self.people.append(
            PersonRecord(
                personnummer=number,
                first_name=self.rng.choice(FIRST_NAMES),
                last_name=self.rng.choice(LAST_NAMES),
                **record,
            )
        )
        return number

    def declare(self, person: str, kind: IncomeKind, ore: int, **extra: Any) -> None:
        self.incomes.append({"person": person, "kind": kind.value, "amount": format_ore(ore), **extra})

    def lm(self, person: str, status: str) -> None:
        self.labour.append({"person": person, "status": status})


def kr(rng: random.Random, low: int, high: int) -> int:
    """Whole kronor in öre."""
    return rng.randint(low, high) * 100


def taxed(rng: random.Random, low: int, high: int, rate: float) -> tuple[int, int]:
    gross = kr(rng, low, high)
    tax = int(gross * rate) // 100 * 100
    return gross - tax, tax


def benefit(element: str, code: str, kind: IncomeKind, net: int, tax: int = 0) -> Benefit:
    return Benefit(element, code, kind, net, tax)
