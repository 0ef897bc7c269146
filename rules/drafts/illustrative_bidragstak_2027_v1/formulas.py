"""The arithmetic of the ILLUSTRATIVE benefit-cap draft (not law): the 2025 pack's, plus the cap.

The cap is the pack's own adjustment (rules/adjustments.py): when the proposed försörjningsstöd
plus the household's benefits of the kinds in ``bidragstak.benefit_kinds`` would exceed the cap for
the household's size, a negative ``cost.bidragstak`` line takes away the excess (never more than the
proposal itself). No code outside this folder knows about it.
"""

from rules.adjustments import Adjustment, AdjustmentContext
from rules.formulas import costs, income, norm

child_band = norm.child_band_2008
shared_costs = norm.shared_costs_2008
jobbstimulans_disregard = income.jobbstimulans_disregard_2013
child_salary_counted = income.child_salary_counted_2013
cost_accepted = costs.capped
proposed = costs.proposed


def _kr(ore: int) -> str:
    whole, cents = divmod(abs(ore), 100)
    text = f"{whole:,}".replace(",", "\u00a0") + (f",{cents:02d}" if cents else "")
    return ("−" if ore < 0 else "") + text + "\u00a0kr"


def adjustments(ctx: AdjustmentContext) -> list[Adjustment]:
    """The illustrative bidragstak, 2027: försörjningsstöd + benefits ≤ the cap for the household size."""
    cap = ctx.param(f"bidragstak.cap.size_{ctx.size}" if ctx.size <= 4 else "bidragstak.cap.size_5_plus")
    kinds = ctx.param("bidragstak.benefit_kinds")
    if cap is None or kinds is None or not isinstance(kinds.value, tuple):
        return []
    counted = [ctx.incomes[k] for k in kinds.value if k in ctx.incomes]
    benefits = sum(c.amount for c in counted)
    total = ctx.proposed + benefits
    reduction = min(ctx.proposed, total - cap.ore)
    if reduction <= 0:
        return []
    inputs = (cap.input_id, kinds.input_id, *(i for c in counted for i in c.inputs))
    size = "1 person" if ctx.size == 1 else f"{ctx.size} personer"
    return [
        Adjustment(
            "cost.bidragstak",
            -reduction,
            inputs,
            {"cap_sv": _kr(cap.ore), "benefits_sv": _kr(benefits), "total_sv": _kr(total),
             "reduction_sv": _kr(reduction), "size": size},
        )
    ]
