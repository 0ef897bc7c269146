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

MUNICIPALITY = "1287"
FIRST_MONTH = (2023, 1)
MONTHS = 48  # 2023-01 .. 2026-12, the months the shipped packs cover


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


@dataclass
class _Builder:
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


def _kr(rng: random.Random, low: int, high: int) -> int:
    """Whole kronor in öre."""
    return rng.randint(low, high) * 100


def _taxed(rng: random.Random, low: int, high: int, rate: float) -> tuple[int, int]:
    gross = _kr(rng, low, high)
    tax = int(gross * rate) // 100 * 100
    return gross - tax, tax


def _benefit(element: str, code: str, kind: IncomeKind, net: int, tax: int = 0) -> Benefit:
    return Benefit(element, code, kind, net, tax)


def household(i: int, seed: int, used: set[str]) -> Household:
    """Household ``i`` of ``seed`` (``used`` holds personnummer already taken by earlier households)."""
    rng = random.Random(f"finaid-synthetic:{seed}:{i}")  # noqa: S311 - seeded synthetic data, not secrets
    archetype = ARCHETYPES[i % len(ARCHETYPES)]
    k = rng.randrange(MONTHS)
    year, mon = FIRST_MONTH[0] + (FIRST_MONTH[1] - 1 + k) // 12, (FIRST_MONTH[1] - 1 + k) % 12 + 1
    month = f"{year:04d}-{mon:02d}"
    first = date(year, mon, 1)
    submitted = first - timedelta(days=rng.randint(3, 20))
    b = _Builder(rng, month, submitted, used)
    _ARCHETYPE_BUILDERS[archetype](b)
    costs = [
        {"kind": "rent", "amount": format_ore(_kr(rng, 4200, 11800))},
        {"kind": "household_electricity", "amount": format_ore(_kr(rng, 250, 700))},
        {"kind": "home_insurance", "amount": format_ore(_kr(rng, 120, 260))},
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


# ------------------------------------------------------------------------------------ archetypes


def _every_source(b: _Builder) -> None:
    r = b.rng
    salary, salary_tax = _taxed(r, 6000, 9000, 0.28)
    ale, ale_tax = _taxed(r, 5000, 8000, 0.30)
    pension, pension_tax = _taxed(r, 3000, 5000, 0.20)
    csn = _kr(r, 2500, 4000)
    adult = b.person(
        "applicant",
        (30, 45),
        af_registered=True,
        benefits=(
            _benefit("SKV", "LON", IncomeKind.SALARY, salary, salary_tax),
            _benefit("SO", "ALE", IncomeKind.UNEMPLOYMENT_BENEFIT, ale, ale_tax),
            _benefit("PM", "EF", IncomeKind.PENSION, pension, pension_tax),
            _benefit("CSN", "Studiemedel", IncomeKind.STUDENT_AID, csn),
            _benefit("FK", "ABB", IncomeKind.CHILD_ALLOWANCE, 125000),
        ),
        permits=(Permit(True, True, date(2015, 3, 1), None),),
        capital_income=((int(b.month[:4]) - 1, r.randint(200, 900)),),
        vehicles=("TST" + f"{r.randint(100, 999)}",),
    )
    b.person("child", (4, 9))
    for kind, amount in (
        (IncomeKind.SALARY, salary),
        (IncomeKind.UNEMPLOYMENT_BENEFIT, ale),
        (IncomeKind.PENSION, pension),
        (IncomeKind.STUDENT_AID, csn),
        (IncomeKind.CHILD_ALLOWANCE, 125000),
    ):
        b.declare(adult, kind, amount)
    b.lm(adult, "registered_at_af")


def _couple_every_source(b: _Builder) -> None:
    r = b.rng
    sal, sal_tax = _taxed(r, 15000, 24000, 0.30)
    sjp, sjp_tax = _taxed(r, 9000, 14000, 0.30)
    ale, ale_tax = _taxed(r, 8000, 12000, 0.30)
    applicant = b.person(
        "applicant",
        (28, 50),
        af_registered=True,
        benefits=(
            _benefit("SO", "ALE", IncomeKind.UNEMPLOYMENT_BENEFIT, ale, ale_tax),
            _benefit("FK", "ABB", IncomeKind.CHILD_ALLOWANCE, 125000),
            _benefit("FK", "BOB", IncomeKind.HOUSING_ALLOWANCE, _kr(r, 900, 2500)),
        ),
        permits=(Permit(True, False, date(2022, 1, 1), date(2027, 12, 31)),),
    )
    partner = b.person(
        "partner",
        (28, 50),
        af_registered=False,
        benefits=(
            _benefit("SKV", "LON", IncomeKind.SALARY, sal, sal_tax),
            _benefit("FK", "SJP", IncomeKind.SICKNESS_BENEFIT, sjp, sjp_tax),
            _benefit("CSN", "Studiemedel", IncomeKind.STUDENT_AID, _kr(r, 2000, 3000)),
            _benefit("PM", "AP", IncomeKind.PENSION, _kr(r, 1000, 2000), 0),
        ),
        permits=(Permit(True, True, date(2012, 6, 1), None),),
    )
    b.person("child", (2, 12))
    for p in b.people:
        for ben in p.benefits:
            b.declare(p.personnummer, ben.kind, ben.net_ore)
    b.lm(applicant, "registered_at_af")
    b.lm(partner, "employed")


def _single_unemployed(b: _Builder) -> None:
    net, tax = _taxed(b.rng, 9000, 17000, 0.30)
    a = b.person("applicant", (22, 60), af_registered=True,
                 benefits=(_benefit("SO", "ALE", IncomeKind.UNEMPLOYMENT_BENEFIT, net, tax),))
    b.declare(a, IncomeKind.UNEMPLOYMENT_BENEFIT, net)
    b.lm(a, "registered_at_af")


def _single_parent(b: _Builder) -> None:
    r = b.rng
    children = r.randint(1, 3)
    allowance = 125000 * children
    support = 167300 * children
    housing = _kr(r, 1200, 3500)
    salary, tax = _taxed(r, 6000, 14000, 0.27)
    a = b.person(
        "applicant",
        (24, 48),
        af_registered=r.random() < 0.5,
        benefits=(
            _benefit("FK", "ABB", IncomeKind.CHILD_ALLOWANCE, allowance),
            _benefit("FK", "US", IncomeKind.MAINTENANCE_SUPPORT, support),
            _benefit("FK", "BOB", IncomeKind.HOUSING_ALLOWANCE, housing),
            _benefit("SKV", "LON", IncomeKind.SALARY, salary, tax),
        ),
    )
    for _ in range(children):
        b.person("child", (1, 15))
    b.declare(a, IncomeKind.CHILD_ALLOWANCE, allowance)
    b.declare(a, IncomeKind.MAINTENANCE_SUPPORT, support)
    b.declare(a, IncomeKind.HOUSING_ALLOWANCE, housing)
    b.declare(a, IncomeKind.SALARY, salary)
    b.lm(a, "employed")


def _couple_with_children(b: _Builder) -> None:
    r = b.rng
    salary, tax = _taxed(r, 12000, 26000, 0.30)
    fp, fp_tax = _taxed(r, 8000, 15000, 0.30)
    kids = r.randint(1, 4)
    a = b.person("applicant", (25, 45), af_registered=False,
                 benefits=(_benefit("FK", "FP", IncomeKind.PARENTAL_BENEFIT, fp, fp_tax),
                           _benefit("FK", "ABB", IncomeKind.CHILD_ALLOWANCE, 125000 * kids)))
    p = b.person("partner", (25, 45), af_registered=False,
                 benefits=(_benefit("SKV", "LON", IncomeKind.SALARY, salary, tax),))
    for _ in range(kids):
        b.person("child", (0, 12))
    b.declare(a, IncomeKind.PARENTAL_BENEFIT, fp)
    b.declare(a, IncomeKind.CHILD_ALLOWANCE, 125000 * kids)
    b.declare(p, IncomeKind.SALARY, salary)
    b.lm(a, "parental_leave")
    b.lm(p, "employed")


def _sick_leave(b: _Builder) -> None:
    net, tax = _taxed(b.rng, 10000, 20000, 0.30)
    a = b.person("applicant", (30, 62), af_registered=False,
                 benefits=(_benefit("FK", "SJP", IncomeKind.SICKNESS_BENEFIT, net, tax),))
    b.declare(a, IncomeKind.SICKNESS_BENEFIT, net)
    b.lm(a, "sick_with_certificate")


def _activity_compensation(b: _Builder) -> None:
    net, tax = _taxed(b.rng, 9000, 12000, 0.25)
    a = b.person("applicant", (19, 29), af_registered=False,
                 benefits=(_benefit("FK", "SA", IncomeKind.ACTIVITY_COMPENSATION, net, tax),))
    b.declare(a, IncomeKind.ACTIVITY_COMPENSATION, net)
    b.lm(a, "sick_with_certificate")


def _pensioner(b: _Builder) -> None:
    r = b.rng
    ap, ap_tax = _taxed(r, 9000, 14000, 0.18)
    a = b.person("applicant", (66, 85), af_registered=None,
                 benefits=(_benefit("PM", "AP", IncomeKind.PENSION, ap, ap_tax),),
                 capital_income=((int(b.month[:4]) - 1, r.randint(100, 3000)),))
    b.declare(a, IncomeKind.PENSION, ap)
    b.lm(a, "not_registered")


def _student(b: _Builder) -> None:
    amount = _kr(b.rng, 3000, 12000)
    a = b.person("applicant", (20, 35), af_registered=False,
                 benefits=(_benefit("CSN", "Studiemedel", IncomeKind.STUDENT_AID, amount),))
    b.declare(a, IncomeKind.STUDENT_AID, amount)
    b.lm(a, "studying")


def _new_arrival(b: _Builder) -> None:
    r = b.rng
    first = date(int(b.month[:4]), int(b.month[5:7]), 1)
    est = _kr(r, 5000, 7000)
    support, tax = _taxed(r, 4000, 6000, 0.0)
    a = b.person(
        "applicant",
        (22, 50),
        coordination=r.random() < 0.5,
        af_registered=True,
        benefits=(
            _benefit("FK", "ET", IncomeKind.ESTABLISHMENT_ALLOWANCE, est),
            _benefit("FK", "AS", IncomeKind.ACTIVITY_SUPPORT, support, tax),
        ),
        permits=(Permit(True, False, first - timedelta(days=300), first + timedelta(days=600)),),
    )
    b.declare(a, IncomeKind.ESTABLISHMENT_ALLOWANCE, est)
    b.declare(a, IncomeKind.ACTIVITY_SUPPORT, support)
    b.lm(a, "registered_at_af")


def _expired_permit(b: _Builder) -> None:
    first = date(int(b.month[:4]), int(b.month[5:7]), 1)
    a = b.person(
        "applicant",
        (22, 50),
        af_registered=True,
        permits=(
            Permit(True, False, first - timedelta(days=800), first - timedelta(days=40)),
            Permit(False, False, first - timedelta(days=30), None),
        ),
    )
    b.lm(a, "registered_at_af")


def _protected_identity(b: _Builder) -> None:
    r = b.rng
    a = b.person("applicant", (25, 45), protected=True, af_registered=True,
                 benefits=(_benefit("FK", "ABB", IncomeKind.CHILD_ALLOWANCE, 250000),))
    b.person("child", (1, 10))
    b.person("child", (1, 10))
    b.declare(a, IncomeKind.CHILD_ALLOWANCE, 250000)
    b.lm(a, "registered_at_af" if r.random() < 0.7 else "not_registered")


def _unknown_person(b: _Builder) -> None:
    a = b.person("applicant", (20, 40), coordination=True, known=False)
    b.declare(a, IncomeKind.OTHER, _kr(b.rng, 500, 2000))
    b.lm(a, "not_registered")


def _income_mismatch(b: _Builder) -> None:
    r = b.rng
    salary, tax = _taxed(r, 14000, 22000, 0.30)
    ale, ale_tax = _taxed(r, 6000, 9000, 0.30)
    a = b.person("applicant", (25, 55), af_registered=True,
                 benefits=(_benefit("SKV", "LON", IncomeKind.SALARY, salary, tax),))
    p = b.person("partner", (25, 55), af_registered=True,
                 benefits=(_benefit("SO", "ALE", IncomeKind.UNEMPLOYMENT_BENEFIT, ale, ale_tax),))
    # declared salary lower than the registry's by more than the tolerance; the partner's
    # unemployment benefit is not declared at all
    b.declare(a, IncomeKind.SALARY, salary - _kr(r, 1500, 3000))
    b.lm(a, "employed")
    b.lm(p, "registered_at_af")


def _young_adult_worker(b: _Builder) -> None:
    r = b.rng
    salary, tax = _taxed(r, 14000, 20000, 0.30)
    teen_pay, teen_tax = _taxed(r, 3000, 7000, 0.15)
    a = b.person("applicant", (40, 55), af_registered=False,
                 benefits=(_benefit("SKV", "LON", IncomeKind.SALARY, salary, tax),))
    p = b.person("partner", (40, 55), af_registered=True)
    teen = b.person("child", (18, 19), attends_school=True,
                    benefits=(_benefit("SKV", "LON", IncomeKind.SALARY, teen_pay, teen_tax),))
    months = int(b.month[5:7])
    b.declare(a, IncomeKind.SALARY, salary)
    b.declare(teen, IncomeKind.SALARY, teen_pay, year_to_date=format_ore(teen_pay * months))
    b.lm(a, "employed")
    b.lm(p, "registered_at_af")


_ARCHETYPE_BUILDERS = {
    "every_source": _every_source,
    "couple_every_source": _couple_every_source,
    "single_unemployed": _single_unemployed,
    "single_parent": _single_parent,
    "couple_with_children": _couple_with_children,
    "sick_leave": _sick_leave,
    "activity_compensation": _activity_compensation,
    "pensioner": _pensioner,
    "student": _student,
    "new_arrival": _new_arrival,
    "expired_permit": _expired_permit,
    "protected_identity": _protected_identity,
    "unknown_person": _unknown_person,
    "income_mismatch": _income_mismatch,
    "young_adult_worker": _young_adult_worker,
}
