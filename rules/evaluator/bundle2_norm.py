"""The v3 packs' norm (case bundle /2): children part of the month, the dwelling shared with others.

A child who lives in the household ``days_in_household`` of the month counts its personal norm in
proportion (the pack's ``formulas.part_month``: amount × days ÷ days of the month, half up to whole
kronor); whether such a child counts in the household size for the shared household costs is the
guideline's ``guideline.part_month_child.counts_in_size`` (1 = counts). Persons who live in the
dwelling but are not the household (``others_in_dwelling``, and a young adult at home who is a
separate household) make the shared household costs table(n) × m ÷ n (``formulas.dwelling_share``,
half up to the öre). See docs/domain.md section 7b.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field

from decision.bundle import Role
from decision.money import format_kr_sv as _kr
from rules.evaluator.context import Context
from rules.evaluator.labels import person_sv, persons_sv
from rules.formulas.norm import WITHOUT_LUNCH_MAX_AGE, band_label_sv

COUNTS_PARAM = "guideline.part_month_child.counts_in_size"


@dataclass
class Household:
    """Who the norm is for: persons in the norm, the size for shared costs (m), persons in the dwelling (n)."""

    in_norm: list[int]
    size: int  # m: the household size for shared costs and the rent cap
    dwelling: int  # n: persons in the dwelling (>= size)
    part_month: dict[int, int] = field(default_factory=dict)  # member index -> days in the household
    counts_in_size: bool = True
    dwelling_refs: list[str] = field(default_factory=list)  # what n rests on
    size_refs: list[str] = field(default_factory=list)  # what m rests on beyond the members


def month_days(ctx: Context) -> int:
    return calendar.monthrange(ctx.day.year, ctx.day.month)[1]


def household(ctx: Context, in_norm: list[int], excluded_idx: list[int]) -> Household:
    """The household's size and the dwelling's (v3 rules)."""
    app = ctx.bundle.application
    days_of_month = month_days(ctx)
    part: dict[int, int] = {}
    for i in in_norm:
        m = app.household[i]
        days = getattr(m, "days_in_household", None)
        if m.role is Role.CHILD and days is not None and days < days_of_month:
            part[i] = int(days)
    counts = True
    size_refs: list[str] = []
    if part:
        v = ctx.param(COUNTS_PARAM, required=False)
        if v is not None:
            counts = v.ore != 0
            size_refs.append(v.input_id)
    size = len(in_norm) - (0 if counts else len(part))
    others = list(getattr(app, "others_in_dwelling", None) or [])
    dwelling_refs = [ctx.member_ref(i) for i in excluded_idx]
    dwelling_refs += [
        ctx.declared(f"/application/others_in_dwelling/{k}", "other_in_dwelling", value=_value(o.kind))
        for k, o in enumerate(others)
    ]
    return Household(
        in_norm=in_norm,
        size=size,
        dwelling=size + len(excluded_idx) + len(others),
        part_month=part,
        counts_in_size=counts,
        dwelling_refs=dwelling_refs,
        size_refs=size_refs,
    )


def _value(x: object) -> str:
    return str(getattr(x, "value", x))


def norm_lines_v3(ctx: Context, hh: Household) -> tuple[int, set[int]]:
    """The riksnorm lines (v3); (total, children whose lunch-less figure is missing)."""
    f = ctx.pack.formulas
    app = ctx.bundle.application
    in_norm = hh.in_norm
    has_partner = any(app.household[i].role is Role.PARTNER for i in in_norm)
    total = 0
    lunch_unknown: set[int] = set()
    days_of_month = month_days(ctx)
    for i in in_norm:
        m = app.household[i]
        label = ctx.labels[i]
        if m.role is Role.APPLICANT:
            if has_partner:
                v = ctx.need("riksnorm.personal.couple")
                partner = next(j for j in in_norm if app.household[j].role is Role.PARTNER)
                ctx.line("norm.personal.couple", v.ore, [ctx.member_ref(i), ctx.member_ref(partner), ctx.use(v)])
            else:
                v = ctx.need("riksnorm.personal.single_adult")
                ctx.line("norm.personal.single", v.ore, [ctx.member_ref(i), ctx.use(v)], person_sv=person_sv(label))
            total += v.ore
            continue
        if m.role is Role.PARTNER:
            continue
        age = ctx.ages[i]
        band = str(f.child_band(age))
        refs = [ctx.member_ref(i)]
        rule = "norm.personal.young_adult" if band == "young_adult_19_20" else "norm.personal.child"
        value = ctx.need(f"riksnorm.personal.{band}")
        if m.preschool_lunch and age <= WITHOUT_LUNCH_MAX_AGE:
            refs.append(ctx.declared(
                f"/application/household/{i}/preschool_lunch", "preschool_lunch", person=label, value=True
            ))
            lower = ctx.param(f"riksnorm.personal_without_lunch.{band}", required=False)
            if lower is not None:
                value = lower
                rule = "norm.personal.child_without_lunch"
            else:
                lunch_unknown.add(i)
        if m.attends_school and age >= 18:
            refs.append(ctx.declared(
                f"/application/household/{i}/attends_school", "attends_school", person=label, value=True
            ))
        refs.append(ctx.use(value))
        tvars = {"person_sv": person_sv(label), "age": str(age), "band_sv": band_label_sv(band)}
        amount = value.ore
        if i in hh.part_month:
            days = hh.part_month[i]
            refs.append(ctx.declared(
                f"/application/household/{i}/days_in_household", "days_in_household", person=label, value=days
            ))
            amount = int(f.part_month(value.ore, days, days_of_month))
            rule += "_part_month"
            tvars.update(days=str(days), month_days=str(days_of_month), full_sv=_kr(value.ore))
        ctx.line(rule, amount, refs, **tvars)
        total += amount
    return total + shared_line(ctx, hh), lunch_unknown


def shared_line(ctx: Context, hh: Household) -> int:
    """Gemensamma hushållskostnader: table(m), or table(n) × m ÷ n when others live in the dwelling."""
    f = ctx.pack.formulas
    n = hh.dwelling if hh.dwelling > hh.size else hh.size
    table: dict[int, int] = {}
    refs: list[str] = list(hh.size_refs)
    for k in range(1, 8):
        if k == n or (n > 7 and k in (6, 7)):
            v = ctx.need(f"riksnorm.shared.size_{k}")
            table[k] = v.ore
            refs.append(ctx.use(v))
    full = int(f.shared_costs(n, table))
    if n == hh.size:
        ctx.line("norm.shared", full, refs, size=persons_sv(hh.size))
        return full
    shared = int(f.dwelling_share(full, hh.size, n))
    ctx.line(
        "norm.shared_dwelling", shared, refs + hh.dwelling_refs,
        n_sv=persons_sv(n), table_sv=_kr(full), m=str(hh.size), n=str(n),
    )
    return shared
