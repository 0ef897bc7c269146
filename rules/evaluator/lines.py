"""The lines of the calculation, in typed Python with the pack's formula module: norm, costs, disregards.

Each function writes its lines into the context (one trace step a line, citing the recorded reads it
used) and returns the totals; the arithmetic itself is the pack's ``formulas`` (rules/formulas/).
Incomes are in rules/evaluator/incomes.py; a pack's adjustment lines (rules/adjustments.py) come
last. Which total a line counts in is :func:`decision.basis.line_group`, the one grouping.
See docs/domain.md for the norms and docs/architecture.md for the trace.
"""

from __future__ import annotations

from decision.basis import INCOME_PREFIX, group_totals, line_group
from decision.bundle import CostKind, IncomeKind, Role
from decision.errors import RulesError
from decision.money import format_kr_sv
from decision.trace import TraceStep
from rules.adjustments import LINE_PREFIXES, Adjustment, AdjustmentContext, IncomeCounted
from rules.evaluator.context import Context
from rules.evaluator.facts import EngineFact
from rules.evaluator.labels import COST_SV, cap_note_sv, person_sv, persons_sv
from rules.evaluator.plausibility import cost_fact, cost_limit, limit_note_sv
from rules.formulas.norm import WITHOUT_LUNCH_MAX_AGE, band_label_sv
from rules.parameters import ParamValue


def norm_lines(ctx: Context, in_norm: list[int]) -> tuple[int, set[int]]:
    """The riksnorm lines of the persons in the norm; (total, children whose lunch-less figure is missing)."""
    f = ctx.pack.formulas
    app = ctx.bundle.application
    has_partner = any(app.household[i].role is Role.PARTNER for i in in_norm)
    total = 0
    lunch_unknown: set[int] = set()
    for i in in_norm:
        m = app.household[i]
        label = ctx.labels[i]
        if m.role is Role.APPLICANT:
            if has_partner:
                v = ctx.param("riksnorm.personal.couple")
                assert v is not None
                partner = next(j for j in in_norm if app.household[j].role is Role.PARTNER)
                refs = [ctx.member_ref(i), ctx.member_ref(partner), ctx.use(v)]
                ctx.line("norm.personal.couple", v.ore, refs)
            else:
                v = ctx.param("riksnorm.personal.single_adult")
                assert v is not None
                refs = [ctx.member_ref(i), ctx.use(v)]
                ctx.line("norm.personal.single", v.ore, refs, person_sv=person_sv(label))
            total += v.ore
            continue
        if m.role is Role.PARTNER:
            continue
        age = ctx.ages[i]
        band = str(f.child_band(age))
        refs = [ctx.member_ref(i)]
        rule = "norm.personal.young_adult" if band == "young_adult_19_20" else "norm.personal.child"
        value = ctx.param(f"riksnorm.personal.{band}")
        assert value is not None
        if m.preschool_lunch and age <= WITHOUT_LUNCH_MAX_AGE:
            refs.append(
                ctx.declared(
                    f"/application/household/{i}/preschool_lunch", "preschool_lunch",
                    person=label, value=True,
                )
            )
            lower = ctx.param(f"riksnorm.personal_without_lunch.{band}", required=False)
            if lower is not None:
                value = lower
                rule = "norm.personal.child_without_lunch"
            else:
                lunch_unknown.add(i)
        if m.attends_school and age >= 18:
            refs.append(
                ctx.declared(
                    f"/application/household/{i}/attends_school", "attends_school",
                    person=label, value=True,
                )
            )
        refs.append(ctx.use(value))
        ctx.line(
            rule, value.ore, refs,
            person_sv=person_sv(label), age=str(age), band_sv=band_label_sv(band),
        )
        total += value.ore
    size = len(in_norm)
    table: dict[int, int] = {}
    refs = []
    for n in range(1, 8):
        if n == size or (size > 7 and n in (6, 7)):
            v = ctx.param(f"riksnorm.shared.size_{n}")
            assert v is not None
            table[n] = v.ore
            refs.append(ctx.use(v))
    shared = int(f.shared_costs(size, table))
    ctx.line("norm.shared", shared, refs, size=persons_sv(size))
    return total + shared, lunch_unknown

def rent_cap(ctx: Context, size: int) -> ParamValue | None:
    """The guideline's reasonable rent for a household of ``size`` (recorded), if it has one."""
    path = f"guideline.rent_cap.size_{size}" if size <= 4 else "guideline.rent_cap.size_5_plus"
    return ctx.param(path, required=False)


def cost_lines(ctx: Context, size: int) -> tuple[int, list[EngineFact]]:
    """One line per cost kind (all its rows summed, the cap applied to the sum); (total, engine facts)."""
    f = ctx.pack.formulas
    app = ctx.bundle.application
    groups: dict[CostKind, list[int]] = {}
    order: list[tuple[str, int]] = []
    for i, c in enumerate(app.costs):
        if c.kind is CostKind.OTHER:
            order.append(("other", i))
        else:
            if c.kind not in groups:
                order.append(("group", i))
            groups.setdefault(c.kind, []).append(i)
    total = 0
    facts: list[EngineFact] = []
    for what, i in order:
        cost = app.costs[i]
        if what == "other":
            ref = ctx.declared(
                f"/application/costs/{i}", "other", amount=cost.amount, value=cost.description
            )
            desc = cost.description or ""
            ctx.line("cost.other", 0, [ref], description=desc, claimed_sv=format_kr_sv(cost.amount))
            facts.append(
                EngineFact(
                    {"t": "cost_other", "claimed": cost.amount},
                    (ref,),
                    {"description": desc, "claimed_sv": format_kr_sv(cost.amount)},
                )
            )
            continue
        rows = groups[cost.kind]
        refs = [
            ctx.declared(f"/application/costs/{r}", cost.kind.value, amount=app.costs[r].amount)
            for r in rows
        ]
        claimed = sum(app.costs[r].amount for r in rows)
        cap_value = rent_cap(ctx, size) if cost.kind is CostKind.RENT else None
        cap = cap_value.ore if cap_value is not None else None
        if cap_value is not None:
            refs.append(cap_value.input_id)
        accepted = int(f.cost_accepted(claimed, cap))
        note = cap_note_sv(cap is not None and accepted < claimed, size)
        limit = cost_limit(ctx, cost.kind.value)  # None unless the pack applies plausibility limits
        if limit is not None:
            refs.append(limit.input_id)
            facts.append(cost_fact(cost.kind.value, claimed, limit, tuple(refs)))
            if accepted > limit.ore:
                accepted, note = int(f.cost_accepted(accepted, limit.ore)), limit_note_sv(limit.ore)
        ctx.line(
            f"cost.{cost.kind.value}", accepted, refs,
            claimed_sv=format_kr_sv(claimed), accepted_sv=format_kr_sv(accepted), cap_note=note,
        )
        total += accepted
        facts.append(
            EngineFact(
                {"t": "cost", "kind": cost.kind.value, "claimed": claimed, "cap": -1 if cap is None else cap},
                tuple(refs),
                {
                    "kind_sv": COST_SV[cost.kind.value],
                    "claimed_sv": format_kr_sv(claimed),
                    "cap_sv": format_kr_sv(cap or 0),
                    "diff_sv": format_kr_sv(claimed - accepted),
                    "size": persons_sv(size),
                },
            )
        )
    return total, facts


def disregard_lines(
    ctx: Context,
    in_norm: list[int],
    salary_by_person: dict[str, tuple[int, list[str]]],
    jobbstimulans: TraceStep | None,
) -> int:
    """Jobbstimulans and the child-income disregard, as lines; their total (subtracted from income)."""
    f = ctx.pack.formulas
    app = ctx.bundle.application
    total = 0
    if jobbstimulans is not None:
        pct = ctx.param("jobbstimulans.disregard_percent")
        assert pct is not None
        elig_refs = list(jobbstimulans.inputs)
        for i in in_norm:
            m = app.household[i]
            label = ctx.labels[i]
            if m.role is Role.CHILD or label not in salary_by_person:
                continue
            salary, refs = salary_by_person[label]
            amount = int(f.jobbstimulans_disregard(salary, pct.ore))
            if amount <= 0:
                continue
            ctx.line(
                "disregard.jobbstimulans", amount, refs + elig_refs + [pct.input_id],
                person_sv=person_sv(label),
                period_month=str(app.previous_aid.jobbstimulans_months_used + 1),
            )
            total += amount
    for i in in_norm:
        m = app.household[i]
        label = ctx.labels[i]
        if m.role is not Role.CHILD or label not in salary_by_person:
            continue
        salary, refs = salary_by_person[label]
        ytd_rows = [
            r for r, inc in enumerate(app.incomes) if inc.person == m.personnummer and inc.kind is IncomeKind.SALARY
        ]
        ytd = sum(app.incomes[r].year_to_date or 0 for r in ytd_rows)
        ytd_refs = [
            ctx.declared(
                f"/application/incomes/{r}/year_to_date", "year_to_date", person=label,
                amount=app.incomes[r].year_to_date,
            )
            for r in ytd_rows
        ]
        pbb = ctx.param("prisbasbelopp")
        multiple = ctx.param("child_income.disregard_prisbasbelopp")
        assert pbb is not None and multiple is not None
        counted = int(f.child_salary_counted(salary, ytd, pbb.ore, multiple.ore))
        amount = salary - counted
        if amount <= 0:
            continue
        ctx.line(
            "disregard.child_income", amount,
            refs + ytd_refs + [pbb.input_id, multiple.input_id],
            person_sv=person_sv(label), ytd_sv=format_kr_sv(ytd), pbb_sv=format_kr_sv(pbb.ore * multiple.ore),
        )
        total += amount
    return total


def adjustment_lines(
    ctx: Context, size: int, norm: int, costs: int, income: int
) -> tuple[int, int, int, list[EngineFact]]:
    """Lines a pack's ``formulas.adjustments`` adds (rules/adjustments.py); (norm, costs, income, facts)."""
    hook = getattr(ctx.pack.formulas, "adjustments", None)
    if hook is None:
        return norm, costs, income, []
    incomes: dict[str, tuple[int, list[str]]] = {}
    for line in ctx.lines:
        if line_group(line.rule) == "income" and line.amount is not None:
            amount, refs = incomes.get(line.rule[len(INCOME_PREFIX):], (0, []))
            incomes[line.rule[len(INCOME_PREFIX):]] = (amount + line.amount, refs + list(line.inputs))

    def param(path: str) -> ParamValue | None:
        value = ctx.param(path, required=False)
        if value is not None and isinstance(value.value, int) and value.unit.startswith("SEK"):
            ctx.use(value)  # an amount: a figure that is not verified gets its notice
        return value

    actx = AdjustmentContext(
        day=ctx.day,
        size=size,
        norm=norm,
        costs=costs,
        income=income,
        incomes={k: IncomeCounted(a, tuple(dict.fromkeys(r))) for k, (a, r) in incomes.items()},
        param=param,
        result=ctx.pack.formulas.proposed,
    )
    facts: list[EngineFact] = []
    added: list[tuple[str, int]] = []
    for adj in hook(actx):
        if not isinstance(adj, Adjustment) or not adj.rule.startswith(LINE_PREFIXES):
            raise RulesError(f"rule pack {ctx.pack.id}: an adjustment must be a line rule under {LINE_PREFIXES}")
        ctx.line(adj.rule, adj.amount, adj.inputs, **adj.vars)
        added.append((adj.rule, adj.amount))
        facts.append(
            EngineFact(
                {"t": "adjustment", "rule": adj.rule, "amount": adj.amount},
                tuple(dict.fromkeys(adj.inputs)),
                {**adj.vars, "amount": format_kr_sv(adj.amount), "amount_abs": format_kr_sv(abs(adj.amount))},
            )
        )
    more_norm, more_costs, more_income = group_totals(added)
    return norm + more_norm, costs + more_costs, income + more_income, facts

