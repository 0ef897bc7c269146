"""The v3 packs' disregards (case bundle /2): jobbstimulans per person, the child-income discretion.

Jobbstimulans is personal ("för den som", SoL 2025:400 12 kap. 8 §; old SoL 4 kap. 1 b §): each adult's
``aid_history`` entry says the months on aid in a row before this month and the first and last month of
the person's jobbstimulans period. A running period (first month given, not ended, fewer than 24
months before this one) applies whatever the aid in between; with none running, six months in a row
start one this month — after an ended period, only months in a row AFTER it count (the belief of
docs/domain.md section 7, shown as a notice). A /1 bundle's household counters become each adult's
(decision.bundle_v2.as_v2); its facts are then cited at ``/application/previous_aid``.

A child's earned income above the prisbasbelopp limit "får" be counted (12 kap. 9 §): the guideline's
``guideline.child_income.above_prisbasbelopp_counted`` (1 = counted, the default) decides, with a
notice. See docs/domain.md section 7b.
"""

from __future__ import annotations

from decision.bundle import AidHistory, IncomeKind, Role
from decision.money import format_kr_sv
from rules.evaluator.context import Context
from rules.evaluator.facts import EngineFact
from rules.evaluator.labels import person_sv

CHILD_ABOVE_PARAM = "guideline.child_income.above_prisbasbelopp_counted"


def month_index(month: str) -> int:
    return int(month[:4]) * 12 + int(month[5:7]) - 1


def _index_to_month(i: int) -> str:
    return f"{i // 12:04d}-{i % 12 + 1:02d}"


def aid_facts(ctx: Context, in_norm: list[int], mapped: bool) -> tuple[list[EngineFact], dict[str, int]]:
    """One ``aid`` fact per adult in the norm (the eligibility ruleset matches), one ``jobb_new`` fact per
    adult whose new period starts after an ended one; and the month of the period per adult (1 = first)."""
    app = ctx.bundle.application
    period = ctx.need("jobbstimulans.period_months")
    qualifying = ctx.need("jobbstimulans.qualifying_months")
    out = [EngineFact(
        {"t": "params", "jobb_period": period.ore, "jobb_qualifying": qualifying.ore},
        (period.input_id, qualifying.input_id), {},
    )]
    history = {h.person: (k, h) for k, h in enumerate(getattr(app, "aid_history", None) or [])}
    current = month_index(app.month)
    period_month: dict[str, int] = {}
    for i in in_norm:
        m = app.household[i]
        if m.role is Role.CHILD:
            continue
        label = ctx.labels[i]
        refs = [ctx.member_ref(i)]
        in_row, first, last = 0, None, None
        if m.personnummer in history:
            k, h = history[m.personnummer]
            in_row, first, last = h.months_on_aid_in_row, h.jobbstimulans_first_month, h.jobbstimulans_last_month
            refs.extend(_aid_refs(ctx, k, label, h, mapped))
        used, new_in_row, ended_at = -1, in_row, None
        if first is not None:
            k_used = current - month_index(first)
            end = month_index(last) if last is not None else month_index(first) + period.ore - 1
            if current <= end and k_used < period.ore:
                used = k_used
            else:
                ended_at = min(end, month_index(first) + period.ore - 1)
                new_in_row = max(0, min(in_row, current - ended_at - 1))
        if used >= 0:
            period_month[label] = used + 1
        elif new_in_row >= qualifying.ore:
            period_month[label] = 1
        out.append(EngineFact(
            {"t": "aid", "person": label, "used": used, "new_in_row": new_in_row},
            tuple(refs), {"person_sv": person_sv(label)}, person=label,
        ))
        if ended_at is not None:
            out.append(EngineFact(
                {"t": "jobb_new", "person": label, "new_period": new_in_row >= qualifying.ore},
                (*refs, qualifying.input_id),
                {"person_sv": person_sv(label), "new_in_row": str(new_in_row), "last_month": _index_to_month(ended_at)},
                person=label,
            ))
    return out, period_month


def _aid_refs(ctx: Context, k: int, label: str, h: AidHistory, mapped: bool) -> list[str]:
    if mapped:  # a /1 bundle: the household's counters, as declared (as_v2 keeps them)
        aid = ctx.bundle.application.previous_aid
        return [
            ctx.declared("/application/previous_aid/consecutive_months", "previous_aid",
                         value=aid.consecutive_months),
            ctx.declared("/application/previous_aid/jobbstimulans_months_used", "jobbstimulans_months_used",
                         value=aid.jobbstimulans_months_used),
        ]
    period = f"{h.jobbstimulans_first_month or '–'}..{h.jobbstimulans_last_month or ''}"
    return [ctx.declared(
        f"/application/aid_history/{k}", "aid_history", person=label,
        value=f"{h.months_on_aid_in_row} månader i följd; jobbstimulans {period}",
    )]


def disregard_lines_v3(
    ctx: Context,
    in_norm: list[int],
    salary_by_person: dict[str, tuple[int, list[str]]],
    eligible: dict[str, list[str]],
    period_month: dict[str, int],
) -> tuple[int, list[EngineFact]]:
    """Jobbstimulans per eligible adult and the child-income disregard; (total, child_pbb facts)."""
    f = ctx.pack.formulas
    app = ctx.bundle.application
    total = 0
    facts: list[EngineFact] = []
    if eligible:
        pct = ctx.need("jobbstimulans.disregard_percent")
        for i in in_norm:
            label = ctx.labels[i]
            if app.household[i].role is Role.CHILD or label not in salary_by_person or label not in eligible:
                continue
            salary, refs = salary_by_person[label]
            amount = int(f.jobbstimulans_disregard(salary, pct.ore))
            if amount <= 0:
                continue
            ctx.line("disregard.jobbstimulans", amount, refs + eligible[label] + [pct.input_id],
                     person_sv=person_sv(label), period_month=str(period_month.get(label, 1)))
            total += amount
    for i in in_norm:
        m = app.household[i]
        label = ctx.labels[i]
        if m.role is not Role.CHILD or label not in salary_by_person:
            continue
        salary, refs = salary_by_person[label]
        rows = [r for r, inc in enumerate(app.incomes)
                if inc.person == m.personnummer and inc.kind is IncomeKind.SALARY]
        ytd = sum(app.incomes[r].year_to_date or 0 for r in rows)
        ytd_refs = [
            ctx.declared(f"/application/incomes/{r}/year_to_date", "year_to_date", person=label,
                         amount=app.incomes[r].year_to_date)
            for r in rows
        ]
        pbb = ctx.need("prisbasbelopp")
        multiple = ctx.need("child_income.disregard_prisbasbelopp")
        counted = int(f.child_salary_counted(salary, ytd, pbb.ore, multiple.ore))
        cite = refs + ytd_refs + [pbb.input_id, multiple.input_id]
        if counted > 0:
            choice = ctx.param(CHILD_ABOVE_PARAM, required=False)
            keep = choice is None or choice.ore != 0
            facts.append(EngineFact(
                {"t": "child_pbb", "person": label, "above": counted},
                tuple(cite + ([choice.input_id] if choice else [])),
                {
                    "person_sv": person_sv(label), "ytd_sv": format_kr_sv(ytd),
                    "pbb_sv": format_kr_sv(pbb.ore * multiple.ore), "above_sv": format_kr_sv(counted),
                    "counted_sv": "räknas som inkomst enligt riktlinjen." if keep
                    else "räknas inte som inkomst enligt riktlinjen.",
                },
                person=label,
            ))
            if not keep:
                assert choice is not None
                cite.append(choice.input_id)
                counted = 0
        amount = salary - counted
        if amount <= 0:
            continue
        ctx.line("disregard.child_income", amount, cite, person_sv=person_sv(label), ytd_sv=format_kr_sv(ytd),
                 pbb_sv=format_kr_sv(pbb.ore * multiple.ore))
        total += amount
    return total, facts
