"""A small OpenFisca tax-benefit system of försörjningsstöd for one month: riksnorm + reasonable costs − income.

The reference rules-as-code engine's way of writing the same formula finaid applies (docs/domain.md section 2):
entities (a person, a household with the roles adult and child), input variables, formula variables, and the
pack's and guideline's parameters as an OpenFisca parameter tree for the month. Money is integer öre (``int``
variables), as in finaid. It computes amounts only: no findings, no trace, no MANUAL routing — what the
benchmark compares finaid's evaluation with (benchmarks/openfisca_bench.py).

What it covers (the demo households in examples/bundles/ need no more): the personal costs of a single adult
or a couple and of each child by age band (the lower amount for a child of at most 6 with lunch at preschool),
the shared household costs by size (above 7 persons each extra person adds the step from 6 to 7), the rent up
to the guideline's cap for the household's size, the other costs claimed, and the income counted per person
less the jobbstimulans disregard (the percentage of the salary of a person with a running period).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from openfisca_core.entities import build_entity
from openfisca_core.errors import ParameterNotFoundError
from openfisca_core.parameters import ParameterNode
from openfisca_core.periods import MONTH
from openfisca_core.taxbenefitsystems import TaxBenefitSystem
from openfisca_core.variables import Variable

Person = build_entity(key="person", plural="persons", label="A member of the household", is_person=True)
Household = build_entity(
    key="household", plural="households", label="The household applying",
    roles=[{"key": "adult", "plural": "adults", "label": "Applicant or partner"},
           {"key": "child", "plural": "children", "label": "Child living at home"}],
)

BANDS = ((0, 0, "child_0"), (1, 2, "child_1_2"), (3, 3, "child_3"), (4, 6, "child_4_6"), (7, 10, "child_7_10"),
         (11, 14, "child_11_14"), (15, 18, "child_15_18"), (19, 20, "young_adult_19_20"))
LUNCH_BANDS = ("child_0", "child_1_2", "child_3", "child_4_6")


def _input(name: str, entity: Any, value_type: type, default: Any = 0) -> type[Variable]:
    return type(name, (Variable,), {"value_type": value_type, "entity": entity, "definition_period": MONTH,
                                    "default_value": default, "label": name})


# ---------------------------------------------------------------------------------------------- inputs
age = _input("age", Person, int)  # whole years completed on the first day of the month
preschool_lunch = _input("preschool_lunch", Person, bool, False)
income_counted_gross = _input("income_counted_gross", Person, int)  # öre: every income counted for the month
salary = _input("salary", Person, int)  # öre: the salary within income_counted_gross
jobbstimulans_running = _input("jobbstimulans_running", Person, bool, False)
child_salary = _input("child_salary", Person, int)  # öre: a child's salary for the month (not in the gross)
child_salary_year_to_date = _input("child_salary_year_to_date", Person, int)
rent_claimed = _input("rent_claimed", Household, int)
COST_KINDS = ("household_electricity", "home_insurance", "work_travel", "union_fee", "unemployment_fund_fee")
# a claim can be far beyond int32 öre (an implausible claim is counted at its limit): float, OpenFisca's float32,
# exact to the öre below 167 772 kr; what is counted is at most the limit, back in integer öre
COST_INPUTS = tuple(_input(f"claimed_{kind}", Household, float) for kind in COST_KINDS)


# ---------------------------------------------------------------------------------------------- formulas
class child_personal_norm(Variable):  # noqa: N801 - OpenFisca names variables in snake case
    value_type = int
    entity = Person
    definition_period = MONTH
    label = "Personal costs of a child by age band (öre)"

    def formula(person, period, parameters):  # type: ignore[no-untyped-def]  # noqa: N805
        p = parameters(period).riksnorm
        years = person("age", period)
        lunch = person("preschool_lunch", period)
        out = np.zeros_like(years)
        for low, high, band in BANDS:
            amount = p.personal[band]
            if band in LUNCH_BANDS:
                try:  # not in force in every month: then the full amount (finaid routes that case to MANUAL)
                    amount = np.where(lunch, p.personal_without_lunch[band], amount)
                except ParameterNotFoundError:
                    pass
            out = np.where((years >= low) & (years <= high), amount, out)
        return out


class norm(Variable):  # noqa: N801
    value_type = int
    entity = Household
    definition_period = MONTH
    label = "Riksnorm: personal costs of every member and the shared household costs (öre)"

    def formula(household, period, parameters):  # type: ignore[no-untyped-def]  # noqa: N805
        p = parameters(period).riksnorm
        adults = household.nb_persons(Household.ADULT)
        size = household.nb_persons()
        children = household.sum(household.members("child_personal_norm", period), role=Household.CHILD)
        adult_part = np.where(adults >= 2, p.personal.couple, p.personal.single_adult)
        shared7, shared6 = p.shared.size_7, p.shared.size_6
        table = np.select([size == n for n in range(1, 8)], [p.shared[f"size_{n}"] for n in range(1, 8)],
                          default=shared7 + (size - 7) * (shared7 - shared6))
        return adult_part + children + table


class costs_accepted(Variable):  # noqa: N801
    value_type = int
    entity = Household
    definition_period = MONTH
    label = "Reasonable costs outside the norm: the rent up to the guideline's cap, and the other costs (öre)"

    def formula(household, period, parameters):  # type: ignore[no-untyped-def]  # noqa: N805
        caps = parameters(period).guideline.rent_cap
        size = household.nb_persons()
        cap = np.select([size == n for n in range(1, 5)], [caps[f"size_{n}"] for n in range(1, 5)],
                        default=caps.size_5_plus)
        total = np.minimum(household("rent_claimed", period), cap)
        limits = parameters(period).guideline
        for kind in COST_KINDS:
            claimed = household(f"claimed_{kind}", period)
            try:  # a claim above the guideline's plausibility limit counts at the limit (packs that apply it)
                claimed = np.minimum(claimed, limits.plausibility[kind])
            except ParameterNotFoundError:
                pass
            total = total + np.rint(claimed).astype(np.int64)
        return total


class income_counted(Variable):  # noqa: N801
    value_type = int
    entity = Person
    definition_period = MONTH
    label = "Income counted for a person: every income less the jobbstimulans disregard, and a child's salary " \
            "above the yearly disregard (öre)"

    def formula(person, period, parameters):  # type: ignore[no-untyped-def]  # noqa: N805
        p = parameters(period)
        percent = p.jobbstimulans.disregard_percent
        disregard = np.where(person("jobbstimulans_running", period), person("salary", period) * percent // 100, 0)
        free = p.child_income.disregard_prisbasbelopp * p.prisbasbelopp
        child = np.minimum(person("child_salary", period),
                           np.maximum(0, person("child_salary_year_to_date", period) - free))
        return person("income_counted_gross", period) - disregard + child


class household_income(Variable):  # noqa: N801
    value_type = int
    entity = Household
    definition_period = MONTH
    label = "Household income counted (öre)"

    def formula(household, period, parameters):  # type: ignore[no-untyped-def]  # noqa: N805
        return household.sum(household.members("income_counted", period))


class forsorjningsstod(Variable):  # noqa: N801
    value_type = int
    entity = Household
    definition_period = MONTH
    label = "Försörjningsstöd: max(0, norm + costs − income) (öre)"

    def formula(household, period, parameters):  # type: ignore[no-untyped-def]  # noqa: N805
        total = household("norm", period) + household("costs_accepted", period) - household("household_income", period)
        return np.maximum(total, 0)


VARIABLES = (age, preschool_lunch, income_counted_gross, salary, jobbstimulans_running, child_salary,
             child_salary_year_to_date, rent_claimed, *COST_INPUTS, child_personal_norm, norm, costs_accepted,
             income_counted, household_income, forsorjningsstod)


def system(parameters: dict[str, Any]) -> TaxBenefitSystem:
    """The tax-benefit system on a parameter tree (``{"riksnorm": {...}, "guideline": {...}, ...}``, each leaf
    ``{"values": {"YYYY-MM-DD": öre}}``; see :func:`benchmarks.openfisca_model.situation.parameter_tree`)."""
    tbs = TaxBenefitSystem([Person, Household])
    for v in VARIABLES:
        tbs.add_variable(v)
    tbs.parameters = ParameterNode("", data=parameters)
    return tbs
