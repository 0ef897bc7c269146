"""From a case bundle to the OpenFisca model's inputs: the parameter tree of the month's pack and guideline, and
one household's situation (the form OpenFisca's ``SimulationBuilder.build_from_entities`` takes).

The parameters are the same published tables finaid reads (the pack the month selects, the municipality's
guideline), copied into OpenFisca's own parameter format: only the formula is written again. The household's
figures are read from the bundle as finaid reads them: ages on the first day of the month, the income of each
kind as the authoritative agency confirms it for the month (else as declared), the claimed costs.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from benchmarks.openfisca_model.model import COST_KINDS
from decision import personnummer as pnr
from decision.bundle import AUTHORITATIVE_SOURCE, AnswerStatus, CaseBundle, IncomeFact, IncomeKind, Role
from decision.validation import age_on, first_of_month
from rules.catalog import Catalog

PREFIXES = ("riksnorm.", "jobbstimulans.", "guideline.rent_cap.", "prisbasbelopp", "child_income.")
PLAUSIBILITY = "guideline.plausibility."


def parameter_tree(catalog: Catalog, bundle: CaseBundle) -> dict[str, Any]:
    """The month's pack and the municipality's guideline as an OpenFisca parameter tree (money in öre)."""
    pack = catalog.pack_for(bundle.application.month)
    guideline = catalog.guideline_for(bundle.application.municipality)
    limits = "cost.plausibility" in pack.rulesets["findings"]  # packs that count a claim at its limit
    prefixes = (*PREFIXES, PLAUSIBILITY) if limits else PREFIXES
    tree: dict[str, Any] = {}
    for path, param in {**pack.parameters, **guideline.parameters}.items():
        if not path.startswith(prefixes):
            continue
        values = {v.since.isoformat(): {"value": v.value} for v in param.values if isinstance(v.value, int)}
        if not values:
            continue
        node = tree
        *parents, leaf = path.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = {"values": values}
    return tree


def _counted_incomes(bundle: CaseBundle) -> tuple[dict[str, int], dict[str, int], dict[str, tuple[int, int]]]:
    """Per person: every income counted but a child's salary (öre), the salary within it, and a child's salary
    with its year-to-date figure (the month's salary when the bundle gives none)."""
    app = bundle.application
    confirmed: dict[tuple[str, IncomeKind], int] = {}
    for e in bundle.registry or []:
        if e.status is not AnswerStatus.OK:
            continue
        for fact in e.facts:
            if isinstance(fact, IncomeFact) and fact.month == app.month and AUTHORITATIVE_SOURCE[fact.kind] is e.source:
                confirmed[(e.person, fact.kind)] = confirmed.get((e.person, fact.kind), 0) + fact.amount
    declared: dict[tuple[str, IncomeKind], int] = {}
    for inc in app.incomes:
        declared[(inc.person, inc.kind)] = declared.get((inc.person, inc.kind), 0) + inc.amount
    children = {m.personnummer for m in app.household if m.role is Role.CHILD}
    ytd = {inc.person: inc.year_to_date for inc in app.incomes
           if inc.kind is IncomeKind.SALARY and inc.year_to_date is not None}
    total: dict[str, int] = {}
    salary: dict[str, int] = {}
    child: dict[str, tuple[int, int]] = {}
    for key in {*declared, *confirmed}:
        person, kind = key
        amount = confirmed.get(key, declared.get(key, 0))
        if person in children and kind is IncomeKind.SALARY:
            child[person] = (amount, ytd.get(person, amount))
            continue
        total[person] = total.get(person, 0) + amount
        if kind is IncomeKind.SALARY:
            salary[person] = salary.get(person, 0) + amount
    return total, salary, child


def situation(bundle: CaseBundle, qualifying_months: int = 6, period_months: int = 24) -> dict[str, Any]:
    """One household for one month, in OpenFisca's situation format."""
    app = bundle.application
    month = app.month
    day: date = first_of_month(month)
    total, salary, child = _counted_incomes(bundle)
    aid = app.previous_aid
    used = aid.jobbstimulans_months_used if aid is not None else 0
    in_row = aid.consecutive_months if aid is not None else 0
    running = 0 < used < period_months or (used == 0 and in_row >= qualifying_months)
    persons: dict[str, Any] = {}
    adults: list[str] = []
    kids: list[str] = []
    for m in app.household:
        key = f"p{m.personnummer}"
        (kids if m.role is Role.CHILD else adults).append(key)
        persons[key] = {
            "age": {month: age_on(pnr.birth_date(m.personnummer), day)},
            "preschool_lunch": {month: bool(getattr(m, "preschool_lunch", False))},
            "income_counted_gross": {month: total.get(m.personnummer, 0)},
            "salary": {month: salary.get(m.personnummer, 0)},
            "jobbstimulans_running": {month: running and m.role is not Role.CHILD},
            "child_salary": {month: child.get(m.personnummer, (0, 0))[0]},
            "child_salary_year_to_date": {month: child.get(m.personnummer, (0, 0))[1]},
        }
    rent = sum(c.amount for c in app.costs if c.kind.value == "rent")
    household: dict[str, Any] = {"adults": adults, "children": kids, "rent_claimed": {month: rent}}
    for kind in COST_KINDS:  # "other" costs need the handler's assessment: not counted (as in finaid)
        household[f"claimed_{kind}"] = {month: sum(c.amount for c in app.costs if c.kind.value == kind)}
    return {"persons": persons, "households": {"h": household}}
