"""The v3 packs' costs (case bundle /2): routine costs beyond the norm, the rent's adjustment period and share.

- Routine costs (livsföring i övrigt: läkarvård, receptbelagd medicin, akut tandvård, glasögon,
  förskole- and fritidsavgift): a row without a ``document`` is not counted (MANUAL); documented rows
  count up to the guideline's cap (``guideline.cost_cap.<kind>`` per month over all rows, or
  ``guideline.cost_cap_per_item.<kind>`` per row): within it a notice, above it the cap and MANUAL;
  a kind the guideline has no level for is not counted (MANUAL). The plausibility limit applies as in
  v2. The health-related kinds make the case use health data (MANUAL: never automatic).
- Rent: with others in the dwelling the household's share is rent × m ÷ n (half up to the öre), capped
  at the guideline's level for m; for every month that begins before the day the household was told its
  rent is too high plus ``guideline.rent_adjustment.months`` months, the cap does not apply (a notice).
See docs/domain.md section 7b.
"""

from __future__ import annotations

import calendar
from datetime import date
from functools import partial

from decision.bundle import CostKind
from decision.money import format_kr_sv
from rules.evaluator.bundle2_norm import Household
from rules.evaluator.context import Context
from rules.evaluator.facts import EngineFact
from rules.evaluator.labels import COST_SV, cap_note_sv, persons_sv
from rules.evaluator.lines import rent_cap
from rules.evaluator.plausibility import cost_fact, cost_limit, limit_note_sv

LIVING = (
    "medical_care", "prescription_medicine", "emergency_dental_care", "glasses", "preschool_fee", "after_school_fee"
)
HEALTH = ("medical_care", "prescription_medicine", "emergency_dental_care", "glasses")
HEALTH_SV = {
    "medical_care": "läkarvård",
    "prescription_medicine": "receptbelagd medicin",
    "emergency_dental_care": "akut tandvård",
    "glasses": "glasögon",
}
ADJUSTMENT_PARAM = "guideline.rent_adjustment.months"
MONTHS_SV = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober",
             "november", "december")


def add_months(day: date, months: int) -> date:
    """``day`` plus whole months (the day of the month kept, or the month's last day)."""
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def month_sv(first: date) -> str:
    return f"{MONTHS_SV[first.month - 1]} {first.year}"


def cost_lines_v3(ctx: Context, hh: Household) -> tuple[int, list[EngineFact]]:
    """One line per cost kind; (total, engine facts)."""
    app = ctx.bundle.application
    groups: dict[str, list[int]] = {}
    order: list[tuple[str, int]] = []
    for i, c in enumerate(app.costs):
        kind = str(getattr(c.kind, "value", c.kind))
        if kind == CostKind.OTHER.value:
            order.append(("other", i))
            continue
        if kind not in groups:
            order.append(("group", i))
        groups.setdefault(kind, []).append(i)
    total = 0
    facts: list[EngineFact] = []
    health: list[str] = []
    health_refs: list[str] = []
    for what, i in order:
        cost = app.costs[i]
        kind = str(getattr(cost.kind, "value", cost.kind))
        if what == "other":
            ref = ctx.declared(f"/application/costs/{i}", "other", amount=cost.amount, value=cost.description)
            desc = cost.description or ""
            ctx.line("cost.other", 0, [ref], description=desc, claimed_sv=format_kr_sv(cost.amount))
            facts.append(EngineFact(
                {"t": "cost_other", "claimed": cost.amount}, (ref,),
                {"description": desc, "claimed_sv": format_kr_sv(cost.amount)},
            ))
            continue
        rows = groups[kind]
        if kind in LIVING:
            accepted, more = _living(ctx, kind, rows)
            facts.extend(more)
            if kind in HEALTH:
                health.append(HEALTH_SV[kind])
                health_refs.extend(f"/application/costs/{r}" for r in rows)
        elif kind == CostKind.RENT.value:
            accepted, more = _rent(ctx, rows, hh)
            facts.extend(more)
        else:
            accepted, more = _plain(ctx, kind, rows, hh.size)
            facts.extend(more)
        total += accepted
    if health:
        facts.append(EngineFact(
            {"t": "health", "count": len(health)}, tuple(dict.fromkeys(health_refs)),
            {"kinds_sv": ", ".join(dict.fromkeys(health))},
        ))
    return total, facts


def _refs(ctx: Context, kind: str, rows: list[int]) -> list[str]:
    app = ctx.bundle.application
    out = []
    for r in rows:
        c = app.costs[r]
        doc = getattr(c, "document", None)
        out.append(ctx.declared(f"/application/costs/{r}", kind, amount=c.amount, value=doc))
    return out


def _limited(ctx: Context, kind: str, claimed: int, accepted: int, refs: list[str],
             facts: list[EngineFact]) -> tuple[int, str | None]:
    """The plausibility limit (as in v2): a claim above it counts at the limit (and a MANUAL finding)."""
    limit = cost_limit(ctx, kind)
    if limit is None:
        return accepted, None
    refs.append(limit.input_id)
    facts.append(cost_fact(kind, claimed, limit, tuple(refs)))
    if accepted > limit.ore:
        return limit.ore, limit_note_sv(limit.ore)
    return accepted, None


def _plain(ctx: Context, kind: str, rows: list[int], size: int) -> tuple[int, list[EngineFact]]:
    """A cost kind of case bundle /1 other than rent: accepted as declared, up to the plausibility limit."""
    app = ctx.bundle.application
    refs = _refs(ctx, kind, rows)
    claimed = sum(app.costs[r].amount for r in rows)
    facts: list[EngineFact] = []
    accepted, note = _limited(ctx, kind, claimed, claimed, refs, facts)
    ctx.line(f"cost.{kind}", accepted, refs, claimed_sv=format_kr_sv(claimed), accepted_sv=format_kr_sv(accepted),
             cap_note=note or "")
    facts.append(_cost_fact(kind, claimed, -1, accepted, refs, size))
    return accepted, facts


def _cost_fact(kind: str, claimed: int, cap: int, accepted: int, refs: list[str], size: int) -> EngineFact:
    return EngineFact(
        {"t": "cost", "kind": kind, "claimed": claimed, "cap": cap},
        tuple(refs),
        partial(_cost_vars, kind, claimed, cap, accepted, size),  # built only when a rule matched the fact
    )


def _cost_vars(kind: str, claimed: int, cap: int, accepted: int, size: int) -> dict[str, str]:
    return {
        "kind_sv": COST_SV[kind],
        "claimed_sv": format_kr_sv(claimed),
        "cap_sv": format_kr_sv(max(cap, 0)),
        "diff_sv": format_kr_sv(claimed - accepted),
        "size": persons_sv(size),
    }


def _rent(ctx: Context, rows: list[int], hh: Household) -> tuple[int, list[EngineFact]]:
    f = ctx.pack.formulas
    app = ctx.bundle.application
    refs = _refs(ctx, "rent", rows)
    declared = sum(app.costs[r].amount for r in rows)
    notes: list[str] = []
    claimed = declared
    if hh.dwelling > hh.size:
        claimed = int(f.dwelling_share(declared, hh.size, hh.dwelling))
        refs.extend(hh.dwelling_refs)
        notes.append(f" (hushållets andel, {hh.size} av {hh.dwelling} personer i bostaden: {format_kr_sv(claimed)})")
    facts: list[EngineFact] = []
    cap_value = rent_cap(ctx, hh.size)
    cap = cap_value.ore if cap_value is not None else None
    if cap_value is not None:
        refs.append(cap_value.input_id)
    notified = getattr(app, "rent_above_guideline_notified_on", None)
    in_period = False
    if notified is not None and cap is not None:
        months = ctx.param(ADJUSTMENT_PARAM, required=False)
        p = months.ore if months is not None else 0
        until = add_months(notified, p)
        in_period = ctx.day < until
        period_refs = [ctx.declared("/application/rent_above_guideline_notified_on", "rent_notified",
                                    value=notified.isoformat())]
        if months is not None:
            period_refs.append(months.input_id)
        last = add_months(date(until.year, until.month, 1), 0 if until.day > 1 else -1)
        facts.append(EngineFact(
            {"t": "rent_period", "in_period": in_period, "claimed": claimed, "cap": cap},
            tuple([*refs, *period_refs]),
            {
                "notified": notified.isoformat(), "cap_sv": format_kr_sv(cap), "months": str(p),
                "until": until.isoformat(), "last_month": month_sv(last),
            },
        ))
        if in_period:
            refs.extend(period_refs)
    accepted = int(f.cost_accepted(claimed, None if in_period else cap))
    if accepted < claimed:
        notes.append(cap_note_sv(True, hh.size))
    elif in_period and cap is not None and claimed > cap:
        notes.append(" (hela hyran under omställningstiden)")
    accepted, limit_note = _limited(ctx, "rent", claimed, accepted, refs, facts)
    ctx.line("cost.rent", accepted, refs, claimed_sv=format_kr_sv(declared), accepted_sv=format_kr_sv(accepted),
             cap_note=limit_note or "".join(notes))
    facts.append(_cost_fact("rent", claimed, -1 if (cap is None or in_period) else cap, accepted, refs, hh.size))
    return accepted, facts


def _living(ctx: Context, kind: str, rows: list[int]) -> tuple[int, list[EngineFact]]:
    """A routine cost beyond the norm: documented rows up to the guideline's cap; undocumented ones not counted."""
    app = ctx.bundle.application
    refs = _refs(ctx, kind, rows)
    claimed_all = sum(app.costs[r].amount for r in rows)
    facts: list[EngineFact] = []
    kind_sv = COST_SV[kind]
    documented = [r for r in rows if getattr(app.costs[r], "document", None)]
    for r in rows:
        if r not in documented:
            facts.append(EngineFact(
                {"t": "living", "kind": kind, "documented": False, "claimed": app.costs[r].amount, "cap": -1},
                (f"/application/costs/{r}",),
                {"kind_sv": kind_sv, "claimed_sv": format_kr_sv(app.costs[r].amount)},
            ))
    per_month = ctx.param(f"guideline.cost_cap.{kind}", required=False)
    per_item = None if per_month is not None else ctx.param(f"guideline.cost_cap_per_item.{kind}", required=False)
    cap_param = per_month or per_item
    if cap_param is not None:
        refs.append(cap_param.input_id)
    per_sv = "per månad" if per_month is not None else "per post"
    # the groups the cap applies to: all documented rows together (per month) or each row (per item)
    parts = [documented] if per_item is None else [[r] for r in documented]
    accepted = 0
    for part in parts:
        if not part:
            continue
        claimed = sum(app.costs[r].amount for r in part)
        cap = cap_param.ore if cap_param is not None else -1
        got = 0 if cap < 0 else min(claimed, cap)
        accepted += got
        docs = ", ".join(str(getattr(app.costs[r], "document", "")) for r in part)
        part_refs = [f"/application/costs/{r}" for r in part] + ([cap_param.input_id] if cap_param else [])
        facts.append(EngineFact(
            {"t": "living", "kind": kind, "documented": True, "claimed": claimed, "cap": cap},
            tuple(part_refs),
            {
                "kind_sv": kind_sv, "claimed_sv": format_kr_sv(claimed), "cap_sv": format_kr_sv(max(cap, 0)),
                "per_sv": per_sv, "accepted_sv": format_kr_sv(got), "diff_sv": format_kr_sv(max(0, claimed - got)),
                "documents": docs,
            },
        ))
    documented_sum = sum(app.costs[r].amount for r in documented)
    accepted, limit_note = _limited(ctx, kind, documented_sum, accepted, refs, facts)
    note = limit_note or ""
    if not limit_note and accepted < claimed_all:
        note = " (utan underlag eller över riktlinjens nivå räknas inte; handläggaren prövar resten)"
    ctx.line(f"cost.{kind}", accepted, refs, claimed_sv=format_kr_sv(claimed_all), accepted_sv=format_kr_sv(accepted),
             cap_note=note)
    return accepted, facts
