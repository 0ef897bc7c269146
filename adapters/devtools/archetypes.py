"""The household archetypes of the synthetic generator: one builder function per household shape.

Part of the one seeded generator (adapters/devtools/synthetic.py); every function fills a
:class:`~adapters.devtools.people.Builder` with members, declared incomes, labour-market status and what
the registries know about each person.
"""

from __future__ import annotations

from datetime import date, timedelta

from adapters.devtools.people import Builder, Permit, benefit, kr, taxed
from decision.bundle import IncomeKind
from decision.money import format_ore


def _every_source(b: Builder) -> None:
    r = b.rng
    salary, salary_tax = taxed(r, 6000, 9000, 0.28)
    ale, ale_tax = taxed(r, 5000, 8000, 0.30)
    pension, pension_tax = taxed(r, 3000, 5000, 0.20)
    csn = kr(r, 2500, 4000)
    adult = b.person(
        "applicant",
        (30, 45),
        af_registered=True,
        benefits=(
            benefit("SKV", "LON", IncomeKind.SALARY, salary, salary_tax),
            benefit("SO", "ALE", IncomeKind.UNEMPLOYMENT_BENEFIT, ale, ale_tax),
            benefit("PM", "EF", IncomeKind.PENSION, pension, pension_tax),
            benefit("CSN", "Studiemedel", IncomeKind.STUDENT_AID, csn),
            benefit("FK", "ABB", IncomeKind.CHILD_ALLOWANCE, 125000),
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


def _couple_every_source(b: Builder) -> None:
    r = b.rng
    sal, sal_tax = taxed(r, 15000, 24000, 0.30)
    sjp, sjp_tax = taxed(r, 9000, 14000, 0.30)
    ale, ale_tax = taxed(r, 8000, 12000, 0.30)
    applicant = b.person(
        "applicant",
        (28, 50),
        af_registered=True,
        benefits=(
            benefit("SO", "ALE", IncomeKind.UNEMPLOYMENT_BENEFIT, ale, ale_tax),
            benefit("FK", "ABB", IncomeKind.CHILD_ALLOWANCE, 125000),
            benefit("FK", "BOB", IncomeKind.HOUSING_ALLOWANCE, kr(r, 900, 2500)),
        ),
        permits=(Permit(True, False, date(2022, 1, 1), date(2027, 12, 31)),),
    )
    partner = b.person(
        "partner",
        (28, 50),
        af_registered=False,
        benefits=(
            benefit("SKV", "LON", IncomeKind.SALARY, sal, sal_tax),
            benefit("FK", "SJP", IncomeKind.SICKNESS_BENEFIT, sjp, sjp_tax),
            benefit("CSN", "Studiemedel", IncomeKind.STUDENT_AID, kr(r, 2000, 3000)),
            benefit("PM", "AP", IncomeKind.PENSION, kr(r, 1000, 2000), 0),
        ),
        permits=(Permit(True, True, date(2012, 6, 1), None),),
    )
    b.person("child", (2, 12))
    for p in b.people:
        for ben in p.benefits:
            b.declare(p.personnummer, ben.kind, ben.net_ore)
    b.lm(applicant, "registered_at_af")
    b.lm(partner, "employed")


def _single_unemployed(b: Builder) -> None:
    net, tax = taxed(b.rng, 9000, 17000, 0.30)
    a = b.person("applicant", (22, 60), af_registered=True,
                 benefits=(benefit("SO", "ALE", IncomeKind.UNEMPLOYMENT_BENEFIT, net, tax),))
    b.declare(a, IncomeKind.UNEMPLOYMENT_BENEFIT, net)
    b.lm(a, "registered_at_af")


def _single_parent(b: Builder) -> None:
    r = b.rng
    children = r.randint(1, 3)
    allowance = 125000 * children
    support = 167300 * children
    housing = kr(r, 1200, 3500)
    salary, tax = taxed(r, 6000, 14000, 0.27)
    a = b.person(
        "applicant",
        (24, 48),
        af_registered=r.random() < 0.5,
        benefits=(
            benefit("FK", "ABB", IncomeKind.CHILD_ALLOWANCE, allowance),
            benefit("FK", "US", IncomeKind.MAINTENANCE_SUPPORT, support),
            benefit("FK", "BOB", IncomeKind.HOUSING_ALLOWANCE, housing),
            benefit("SKV", "LON", IncomeKind.SALARY, salary, tax),
        ),
    )
    for _ in range(children):
        b.person("child", (1, 15))
    b.declare(a, IncomeKind.CHILD_ALLOWANCE, allowance)
    b.declare(a, IncomeKind.MAINTENANCE_SUPPORT, support)
    b.declare(a, IncomeKind.HOUSING_ALLOWANCE, housing)
    b.declare(a, IncomeKind.SALARY, salary)
    b.lm(a, "employed")


def _couple_with_children(b: Builder) -> None:
    r = b.rng
    salary, tax = taxed(r, 12000, 26000, 0.30)
    fp, fp_tax = taxed(r, 8000, 15000, 0.30)
    kids = r.randint(1, 4)
    a = b.person("applicant", (25, 45), af_registered=False,
                 benefits=(benefit("FK", "FP", IncomeKind.PARENTAL_BENEFIT, fp, fp_tax),
                           benefit("FK", "ABB", IncomeKind.CHILD_ALLOWANCE, 125000 * kids)))
    p = b.person("partner", (25, 45), af_registered=False,
                 benefits=(benefit("SKV", "LON", IncomeKind.SALARY, salary, tax),))
    for _ in range(kids):
        b.person("child", (0, 12))
    b.declare(a, IncomeKind.PARENTAL_BENEFIT, fp)
    b.declare(a, IncomeKind.CHILD_ALLOWANCE, 125000 * kids)
    b.declare(p, IncomeKind.SALARY, salary)
    b.lm(a, "parental_leave")
    b.lm(p, "employed")


def _sick_leave(b: Builder) -> None:
    net, tax = taxed(b.rng, 10000, 20000, 0.30)
    a = b.person("applicant", (30, 62), af_registered=False,
                 benefits=(benefit("FK", "SJP", IncomeKind.SICKNESS_BENEFIT, net, tax),))
    b.declare(a, IncomeKind.SICKNESS_BENEFIT, net)
    b.lm(a, "sick_with_certificate")


def _activity_compensation(b: Builder) -> None:
    net, tax = taxed(b.rng, 9000, 12000, 0.25)
    a = b.person("applicant", (19, 29), af_registered=False,
                 benefits=(benefit("FK", "SA", IncomeKind.ACTIVITY_COMPENSATION, net, tax),))
    b.declare(a, IncomeKind.ACTIVITY_COMPENSATION, net)
    b.lm(a, "sick_with_certificate")


def _pensioner(b: Builder) -> None:
    r = b.rng
    ap, ap_tax = taxed(r, 9000, 14000, 0.18)
    a = b.person("applicant", (66, 85), af_registered=None,
                 benefits=(benefit("PM", "AP", IncomeKind.PENSION, ap, ap_tax),),
                 capital_income=((int(b.month[:4]) - 1, r.randint(100, 3000)),))
    b.declare(a, IncomeKind.PENSION, ap)
    b.lm(a, "not_registered")


def _student(b: Builder) -> None:
    amount = kr(b.rng, 3000, 12000)
    a = b.person("applicant", (20, 35), af_registered=False,
                 benefits=(benefit("CSN", "Studiemedel", IncomeKind.STUDENT_AID, amount),))
    b.declare(a, IncomeKind.STUDENT_AID, amount)
    b.lm(a, "studying")


def _new_arrival(b: Builder) -> None:
    r = b.rng
    first = date(int(b.month[:4]), int(b.month[5:7]), 1)
    est = kr(r, 5000, 7000)
    support, tax = taxed(r, 4000, 6000, 0.0)
    a = b.person(
        "applicant",
        (22, 50),
        coordination=r.random() < 0.5,
        af_registered=True,
        benefits=(
            benefit("FK", "ET", IncomeKind.ESTABLISHMENT_ALLOWANCE, est),
            benefit("FK", "AS", IncomeKind.ACTIVITY_SUPPORT, support, tax),
        ),
        permits=(Permit(True, False, first - timedelta(days=300), first + timedelta(days=600)),),
    )
    b.declare(a, IncomeKind.ESTABLISHMENT_ALLOWANCE, est)
    b.declare(a, IncomeKind.ACTIVITY_SUPPORT, support)
    b.lm(a, "registered_at_af")


def _expired_permit(b: Builder) -> None:
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


def _protected_identity(b: Builder) -> None:
    r = b.rng
    a = b.person("applicant", (25, 45), protected=True, af_registered=True,
                 benefits=(benefit("FK", "ABB", IncomeKind.CHILD_ALLOWANCE, 250000),))
    b.person("child", (1, 10))
    b.person("child", (1, 10))
    b.declare(a, IncomeKind.CHILD_ALLOWANCE, 250000)
    b.lm(a, "registered_at_af" if r.random() < 0.7 else "not_registered")


def _unknown_person(b: Builder) -> None:
    a = b.person("applicant", (20, 40), coordination=True, known=False)
    b.declare(a, IncomeKind.OTHER, kr(b.rng, 500, 2000))
    b.lm(a, "not_registered")


def _income_mismatch(b: Builder) -> None:
    r = b.rng
    salary, tax = taxed(r, 14000, 22000, 0.30)
    ale, ale_tax = taxed(r, 6000, 9000, 0.30)
    a = b.person("applicant", (25, 55), af_registered=True,
                 benefits=(benefit("SKV", "LON", IncomeKind.SALARY, salary, tax),))
    p = b.person("partner", (25, 55), af_registered=True,
                 benefits=(benefit("SO", "ALE", IncomeKind.UNEMPLOYMENT_BENEFIT, ale, ale_tax),))
    # declared salary lower than the registry's by more than the tolerance; the partner's
    # unemployment benefit is not declared at all
    b.declare(a, IncomeKind.SALARY, salary - kr(r, 1500, 3000))
    b.lm(a, "employed")
    b.lm(p, "registered_at_af")


def _young_adult_worker(b: Builder) -> None:
    r = b.rng
    salary, tax = taxed(r, 14000, 20000, 0.30)
    teen_pay, teen_tax = taxed(r, 3000, 7000, 0.15)
    a = b.person("applicant", (40, 55), af_registered=False,
                 benefits=(benefit("SKV", "LON", IncomeKind.SALARY, salary, tax),))
    p = b.person("partner", (40, 55), af_registered=True)
    teen = b.person("child", (18, 19), attends_school=True,
                    benefits=(benefit("SKV", "LON", IncomeKind.SALARY, teen_pay, teen_tax),))
    months = int(b.month[5:7])
    b.declare(a, IncomeKind.SALARY, salary)
    b.declare(teen, IncomeKind.SALARY, teen_pay, year_to_date=format_ore(teen_pay * months))
    b.lm(a, "employed")
    b.lm(p, "registered_at_af")


BUILDERS = {
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
