"""The v3 evaluator: how a pack that accepts case bundle /2 decides (``accepts_bundles`` in its manifest).

The bundle is read as /2 (:func:`decision.bundle_v2.as_v2`: a /1 bundle's household counters become each
adult's ``aid_history``); the sealed bundle stays as received. The phases are v2's (eligibility → lines →
findings → outcome → why not), with the v3 lines and facts of rules/evaluator/bundle2_*.py. Packs that do
not accept /2 never come here, so they decide exactly as before. See docs/domain.md section 7b.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from decision.bundle import CaseBundle
from decision.bundle_v2 import as_v2
from decision.errors import RulesError
from decision.money import format_kr_sv
from decision.trace import Evaluation, RulesRef, Severity, StepKind, TraceStep
from rules.catalog import Guideline, RulePack
from rules.engine import Match
from rules.evaluator.bundle2_aid import aid_facts, disregard_lines_v3
from rules.evaluator.bundle2_costs import cost_lines_v3
from rules.evaluator.bundle2_facts import (
    activity_facts,
    adjustment_facts,
    asset_facts,
    earlier_line,
    household_facts,
    supplement_facts,
)
from rules.evaluator.bundle2_norm import household, norm_lines_v3
from rules.evaluator.context import Context
from rules.evaluator.facts import EngineFact, eligibility_facts, finding_facts
from rules.evaluator.incomes import income_lines
from rules.evaluator.labels import COST_SV
from rules.evaluator.lines import adjustment_lines
from rules.evaluator.plausibility import total_facts, total_refs
from rules.why_not import MARGIN_PARAMETER, ReducedCost, why_not_steps

BASIS2 = "finaid.decision-basis/2"
Run = Callable[[Context, str, list[EngineFact]], list[Match]]
Step = Callable[[Context, Match, list[EngineFact]], TraceStep]


def decide_v3(
    run: Run, step: Step, bundle: CaseBundle, pack: RulePack, guideline: Guideline, earlier: Any | None
) -> Evaluation:
    """Decide ``bundle`` (either version) with a v3 ``pack``; ``run``/``step`` are the evaluator's plumbing."""
    mapped = bundle.schema_ != "finaid.case-bundle/2"
    ctx = Context.start(as_v2(bundle), pack, guideline)

    # 1. eligibility: the young adult who is a separate household; jobbstimulans per adult (adults are
    # never excluded, so the aid facts cover every adult)
    adults = [i for i, m in enumerate(ctx.bundle.application.household) if m.role.value != "child"]
    aid, period_month = aid_facts(ctx, adults, mapped)
    base = eligibility_facts(ctx, counters=False) + aid
    eligible: dict[str, list[str]] = {}
    for m in run(ctx, "eligibility", base):
        s = step(ctx, m, base)
        ctx.steps.append(s)
        if m.rule == "eligibility.jobbstimulans":
            person = next(str(f["person"]) for f in m.facts if f.get("t") == "aid")
            eligible[person] = list(s.inputs)
    excluded = {s.person for s in ctx.steps if s.rule == "household.young_adult_separate" and s.person}
    excluded_idx = [i for i, label in enumerate(ctx.labels) if label in excluded]
    in_norm = [i for i, label in enumerate(ctx.labels) if label not in excluded]

    # 2. arithmetic
    hh = household(ctx, in_norm, excluded_idx)
    norm_total, lunch_unknown = norm_lines_v3(ctx, hh)
    cost_total, cost_facts = cost_lines_v3(ctx, hh)
    income_total, income_facts, salary_by_person = income_lines(ctx, excluded)
    disregard_total, child_facts = disregard_lines_v3(ctx, in_norm, salary_by_person, eligible, period_month)
    counted = income_total - disregard_total
    norm_total, cost_total, counted, adj_facts = adjustment_lines(ctx, hh.size, norm_total, cost_total, counted)
    total = int(pack.formulas.proposed(norm_total, cost_total, counted))  # the month, recomputed
    earlier_total = earlier_line(ctx, earlier)
    counted += earlier_total
    proposed = int(pack.formulas.proposed(norm_total, cost_total, counted))
    ctx.line("result.proposed", proposed, total_refs(ctx), norm_sv=format_kr_sv(norm_total),
             costs_sv=format_kr_sv(cost_total), income_sv=format_kr_sv(counted))

    # 3. findings
    facts = finding_facts(ctx, in_norm, lunch_unknown, cost_facts, income_facts)
    asset_facts(ctx, facts)
    facts.extend(adj_facts)
    facts.extend(total_facts(ctx, proposed))
    facts.extend(f for f in aid if f.data["t"] == "jobb_new")
    facts.extend(child_facts)
    facts.extend(household_facts(ctx, hh, excluded_idx))
    adjustments = adjustment_facts(ctx, norm_total, cost_total, counted, proposed)
    facts.extend(adjustments)
    facts.extend(supplement_facts(ctx, total, earlier_total))
    facts.extend(activity_facts(ctx, in_norm))
    fired = run(ctx, "findings", facts)
    ctx.steps.extend(_with_adjustment(step(ctx, m, facts), m) for m in fired)

    # 4. outcome
    manual = sum(1 for s in ctx.steps if s.kind is StepKind.FINDING and s.severity is Severity.MANUAL)
    reduced = sum(1 for s in ctx.steps if s.code == "cost.reduced")
    result = EngineFact({"t": "result", "proposed": proposed, "manual": manual, "reduced": reduced}, (),
                        {"manual": str(manual)})
    decided = run(ctx, "outcome", [result])
    if len(decided) != 1:
        raise RulesError(f"expected exactly one outcome rule to fire, got {[m.rule for m in decided]}")
    outcome_step = step(ctx, decided[0], [result])

    # 5. why not
    why = why_not_steps(
        pack=pack, day=ctx.day, outcome=outcome_step.value or "", norm=norm_total, costs=cost_total,
        income=counted, proposed=proposed, findings=ctx.steps,
        reduced=[
            ReducedCost(COST_SV[str(f.data["kind"])], int(f.data["claimed"]), int(f.data["cap"]), f.refs)
            for f in cost_facts
            if f.data["t"] == "cost" and int(f.data["cap"]) >= 0 and int(f.data["claimed"]) > int(f.data["cap"])
        ],
        margin=ctx.param(MARGIN_PARAMETER, required=False),
    )
    trace = (*ctx.lines, *ctx.steps, outcome_step, *why)
    return Evaluation(
        pack=RulesRef(pack.id, pack.hash),
        guideline=RulesRef(guideline.id, guideline.hash),
        trace=trace,
        facts=ctx.cited_facts(trace),
        basis_schema=BASIS2,
    )


def _with_adjustment(s: TraceStep, m: Match) -> TraceStep:
    """A norm adjustment's finding carries the proposal with the adjustment (``amount``) and, in ``value``,
    the adjustment's index, direction and amount (decision/basis2.py shows them beside the proposal)."""
    if s.rule != "norm.adjustment":
        return s
    f = next(f for f in m.facts if f.get("t") == "norm_adjustment")
    return dataclasses.replace(s, amount=int(f["with"]), value=f"{f['index']}:{f['direction']}:{f['delta']}")
