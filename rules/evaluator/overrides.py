"""Overrides at sign-off, recomputed by the rules: the same code path that made the proposal.

A handler may decide some lines of a proposal differently. Each overridden line becomes a trace step
``override.<line rule>``; the decided total is then the PINNED pack's own result formula
(``formulas.proposed``, the one the proposal's ``result.proposed`` line used) over the lines summed
by the one grouping (:func:`decision.basis.group_totals`), as a step ``override.result.decided``.
No other module adds up lines or computes a result. See docs/architecture.md.
"""

from __future__ import annotations

from collections.abc import Sequence

from decision.basis import DecisionBasis, group_totals, line_group
from decision.bundle import CaseBundle
from decision.errors import RulesError
from decision.overrides import LineOverride, Recomputed, applied_for, line_ore
from decision.trace import StepKind, TraceStep
from rules.catalog import RulePack
from rules.evaluator.labels import decided_reason_sv, override_reason_sv


def recompute(
    pack: RulePack, bundle: CaseBundle, basis: DecisionBasis, overrides: Sequence[LineOverride]
) -> Recomputed:
    """``basis``'s lines with ``overrides`` applied, recomputed with ``pack`` (the one the basis pins)."""
    if pack.hash != basis.rules.hash:
        raise RulesError(f"the basis was decided with {basis.rules.pack} ({basis.rules.hash}), not {pack.hash}")
    by_line = {o.line: o for o in overrides}
    if any(o < 0 or o >= len(basis.lines) or line_group(basis.lines[o].rule) == "result" for o in by_line):
        raise RulesError("an override names a line the basis does not have, or its result")
    decided: list[int] = []
    steps: list[TraceStep] = []
    applied_costs = 0
    for i, line in enumerate(basis.lines):
        proposed = line_ore(line.amount)
        amount = proposed
        o = by_line.get(i)
        if o is not None:
            steps.append(_line_step(
                f"override.{line.rule}", basis.rules.pack, (f"basis:/lines/{i}", f"reason_code:{o.reason_code}"),
                override_reason_sv(proposed, o.amount_ore, o.reason_label), line.legal_reference, o.amount_ore,
            ))
            amount = o.amount_ore
        decided.append(amount)
        if line_group(line.rule) == "cost":
            claimed = applied_for(bundle, line)
            applied_costs += claimed if claimed is not None else proposed
    norm, costs, income = group_totals((line.rule, decided[i]) for i, line in enumerate(basis.lines))
    total = int(pack.formulas.proposed(norm, costs, income))
    applied_total = int(pack.formulas.proposed(norm, applied_costs, line_ore(basis.amounts.income_counted)))
    if steps:
        steps.append(_line_step(
            "override.result.decided", basis.rules.pack, tuple(f"basis:/lines/{o.line}" for o in overrides),
            decided_reason_sv(norm, costs, income, total), None, total,
        ))
    for i, line in enumerate(basis.lines):  # the result line shows the decided total
        if line_group(line.rule) == "result":
            decided[i] = total
    return Recomputed(tuple(decided), norm, costs, income, total, applied_total, tuple(s.to_json() for s in steps))


def _line_step(
    rule: str, pack: str, inputs: tuple[str, ...], reason: str, ref: str | None, amount: int
) -> TraceStep:
    return TraceStep(rule=rule, pack=pack, kind=StepKind.LINE, inputs=inputs, reason=reason,
                     legal_reference=ref, amount=amount)
