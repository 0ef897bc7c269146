"""The v3 packs' extra engine facts (case bundle /2) and the supplementary application's line.

Children part of the month, others in the dwelling, the assets of adults only (a child's as a notice),
norm adjustments (always MANUAL: the proposal is computed without; the finding carries the amount with
it), and the earlier signed decision of a supplementary application (its total is subtracted as a line
``income.earlier_decision``, so the proposal is max(0, new total − earlier total)). See docs/domain.md
section 7b.
"""

from __future__ import annotations

from typing import Any

from decision.bundle import Role
from decision.errors import FieldError, InputError
from decision.money import format_kr_sv
from decision.trace import FactRecord
from rules.evaluator.bundle2_norm import Household, month_days
from rules.evaluator.context import Context
from rules.evaluator.facts import EngineFact
from rules.evaluator.labels import person_sv

EARLIER_REF = "earlier:/decision"
PLAN_SV = {"missing": "saknas", "declined": "har tackat nej"}
OTHERS_SV = {"young_adult_separate_household": "en ung vuxen som är ett eget hushåll", "other_adult": "en annan vuxen"}
DIRECTION_SV = {"raise": "Höjd", "lower": "Sänkt"}
REASON_SV = {
    "special_diet": "särskild kost",
    "hospital_stay": "vistelse på sjukhus",
    "institution_stay": "vistelse på institution",
    "other": "annat skäl",
}


def _v(x: object) -> str:
    return str(getattr(x, "value", x))


def household_facts(ctx: Context, hh: Household, excluded_idx: list[int]) -> list[EngineFact]:
    out: list[EngineFact] = []
    for i, days in hh.part_month.items():
        out.append(EngineFact(
            {"t": "part_child", "person": ctx.labels[i], "days": days, "month_days": month_days(ctx)},
            (ctx.member_ref(i), f"/application/household/{i}/days_in_household", *hh.size_refs),
            {
                "person_sv": person_sv(ctx.labels[i]), "days": str(days), "month_days": str(month_days(ctx)),
                "counts_sv": "räknas barnet med" if hh.counts_in_size else "räknas barnet inte med",
            },
            person=ctx.labels[i],
        ))
    if hh.dwelling > hh.size:
        others = [_v(o.kind) for o in (getattr(ctx.bundle.application, "others_in_dwelling", None) or [])]
        names = ["en ung vuxen i hushållets bostad som är ett eget hushåll"] * len(excluded_idx)
        names += [OTHERS_SV.get(k, k) for k in others]
        out.append(EngineFact(
            {"t": "dwelling", "n": hh.dwelling, "m": hh.size},
            tuple(hh.dwelling_refs),
            {"n": str(hh.dwelling), "m": str(hh.size), "others_sv": ", ".join(names)},
        ))
    return out


def asset_facts(ctx: Context, facts: list[EngineFact]) -> None:
    """Replace the household's ``assets`` fact by the adults' sum; each child's assets as a notice fact."""
    app = ctx.bundle.application
    role = {m.personnummer: m.role for m in app.household}
    adults_total = 0
    adult_refs: list[str] = []
    children: dict[str, tuple[int, list[str]]] = {}
    for k, a in enumerate(app.assets):
        ref = ctx.declared(f"/application/assets/{k}", a.kind.value, person=ctx.label_of[a.person], amount=a.value)
        if role.get(a.person) is Role.CHILD:
            total, refs = children.get(a.person, (0, []))
            children[a.person] = (total + a.value, [*refs, ref])
        else:
            adults_total += a.value
            adult_refs.append(ref)
    for j, f in enumerate(facts):
        if f.data.get("t") == "assets":
            buffer_ref = f.refs[-1]
            facts[j] = EngineFact({"t": "assets", "total": adults_total}, (*adult_refs, buffer_ref),
                                  {"total_sv": format_kr_sv(adults_total)})
    for pn, (total, refs) in children.items():
        label = ctx.label_of[pn]
        facts.append(EngineFact({"t": "child_assets", "person": label, "total": total}, tuple(refs),
                                {"person_sv": person_sv(label), "total_sv": format_kr_sv(total)}, person=label))


def personal_norms(ctx: Context) -> dict[int, int]:
    """Each member's personal norm from the norm lines (a couple's amount split in two, half up)."""
    out: dict[int, int] = {}
    for line in ctx.lines:
        if not line.rule.startswith("norm.personal.") or line.amount is None:
            continue
        members = [int(r.rsplit("/", 1)[1]) for r in line.inputs if r.startswith("/application/household/")
                   and r.count("/") == 3]
        for n, i in enumerate(members):
            share = line.amount // len(members) + (1 if n < line.amount % len(members) else 0)
            out[i] = share
    return out


def adjustment_facts(ctx: Context, norm: int, costs: int, counted: int, proposed: int) -> list[EngineFact]:
    """One ``norm_adjustment`` fact per adjustment: the proposal with it (shown beside, never applied)."""
    app = ctx.bundle.application
    f = ctx.pack.formulas
    out: list[EngineFact] = []
    personal = personal_norms(ctx) if app.norm_adjustments else {}
    for k, adj in enumerate(getattr(app, "norm_adjustments", None) or []):
        i = ctx.index_of[adj.person]
        label = ctx.labels[i]
        direction = _v(adj.direction)
        ref = ctx.declared(f"/application/norm_adjustments/{k}", "norm_adjustment", person=label,
                           amount=adj.amount, value=f"{direction}: {_v(adj.reason)}")
        refs = [ctx.member_ref(i), ref]
        if direction == "raise":
            delta = int(adj.amount or 0)
        else:
            base = personal.get(i, 0)
            delta = -int(f.part_month(base, int(adj.days or 0), month_days(ctx))) if base else 0
        with_adj = int(f.proposed(norm + delta, costs, counted))
        out.append(EngineFact(
            {"t": "norm_adjustment", "person": label, "direction": direction, "delta": delta, "index": k,
             "with": with_adj},
            tuple(refs),
            {
                "direction_sv": DIRECTION_SV.get(direction, direction), "person_sv": person_sv(label),
                "reason_sv": REASON_SV.get(_v(adj.reason), _v(adj.reason)), "description": adj.description,
                "without_sv": format_kr_sv(proposed),
                "delta_sv": ("+" if delta >= 0 else "−") + format_kr_sv(abs(delta)),
                "with_sv": format_kr_sv(with_adj),
            },
            person=label,
        ))
    return out


def earlier_line(ctx: Context, earlier: Any | None) -> int:
    """A supplementary application's line subtracting the earlier signed total; 0 for other applications."""
    app = ctx.bundle.application
    if app.kind != "supplementary":
        return 0
    if earlier is None:
        raise InputError([FieldError(
            "application.kind",
            f"en tilläggsansökan för {app.month} kräver ett undertecknat beslut för månaden, och det finns inget",
        )])
    signed = earlier.signed_at.isoformat()
    ctx.facts[EARLIER_REF] = FactRecord(
        id=EARLIER_REF, kind="earlier_decision", source="finaid: undertecknat beslut för månaden",
        amount=int(earlier.total_ore), value=str(earlier.decision_id), month=str(earlier.month),
        fetched_at=signed, request_id=str(earlier.decision_id),
    )
    ctx.line("income.earlier_decision", int(earlier.total_ore), [EARLIER_REF],
             decision_id=str(earlier.decision_id), signed_sv=signed)
    return int(earlier.total_ore)


def supplement_facts(ctx: Context, total: int, earlier_total: int) -> list[EngineFact]:
    if ctx.bundle.application.kind != "supplementary":
        return []
    return [EngineFact(
        {"t": "supplement", "total": total, "earlier": earlier_total},
        (EARLIER_REF, "/application/kind"),
        {
            "month": ctx.bundle.application.month, "total_sv": format_kr_sv(total),
            "earlier_sv": format_kr_sv(earlier_total), "diff_sv": format_kr_sv(abs(total - earlier_total)),
        },
    )]


def activity_facts(ctx: Context, in_norm: list[int]) -> list[EngineFact]:
    """One ``activity`` fact per adult: the individual plan (prop. 2025/26:207) and the months on aid in a
    row. Only the draft ``activity_requirement_2026_v1`` matches them (never selected: docs/rule-lifecycle.md)."""
    app = ctx.bundle.application
    plans = {
        lm.person: (k, _v(getattr(lm, "individual_plan", None) or "none")) for k, lm in enumerate(app.labour_market)
    }
    in_row = {h.person: h.months_on_aid_in_row for h in (getattr(app, "aid_history", None) or [])}
    out = []
    for i in in_norm:
        m = app.household[i]
        if m.role is Role.CHILD:
            continue
        label = ctx.labels[i]
        k, plan = plans.get(m.personnummer, (None, "none"))
        refs = [ctx.member_ref(i)]
        if k is not None:
            refs.append(ctx.declared(f"/application/labour_market/{k}", "labour_market", person=label,
                                     value=_v(app.labour_market[k].status)))
        out.append(EngineFact(
            {"t": "activity", "person": label, "plan": plan, "in_row": int(in_row.get(m.personnummer, 0)),
             "month": int(app.month[:4]) * 12 + int(app.month[5:7])},
            tuple(refs),
            {"person_sv": person_sv(label), "plan_sv": PLAN_SV.get(plan, plan),
             "in_row": str(in_row.get(m.personnummer, 0))},
            person=label,
        ))
    return out
