"""Overrides at sign-off: a handler decides some lines of a proposal differently (pure data).

The recomputation is the rules': :meth:`decision.ports.Evaluator.apply_overrides`, implemented in
rules/evaluator/overrides.py with the pinned pack's own result formula and the one grouping of lines
(:func:`decision.basis.line_group`). Nothing here adds up a total. See docs/architecture.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from decision.basis import Line, line_group
from decision.bundle import CaseBundle
from decision.money import parse_sum


@dataclass(frozen=True, slots=True)
class LineOverride:
    """One line of the basis decided differently: its index, the decided amount and the reason."""

    line: int  # index into the basis's lines
    amount_ore: int
    reason_code: str
    reason_label: str  # the reason code's Swedish label, quoted in the step's reason


@dataclass(frozen=True, slots=True)
class Recomputed:
    """The decided amounts (öre) and the trace steps that computed them (``TraceStep.to_json`` dicts)."""

    decided: tuple[int, ...]  # per line of the basis; the result line holds the decided total
    norm: int
    costs: int
    income: int
    total: int
    applied_total: int  # what the household applied for: the norm, the costs it declared, the income counted
    steps: tuple[dict[str, Any], ...]


def line_ore(amount: str) -> int:
    """A basis amount (``format_ore`` form, possibly negative: an adjustment line) in öre."""
    return parse_sum(amount)


def applied_for(bundle: CaseBundle, line: Line) -> int | None:
    """What the household declared for a cost or income line (öre), from the bundle rows it cites."""
    group = line_group(line.rule)
    app = bundle.application
    total: int | None = None
    for ref in line.inputs:
        parts = ref.strip("/").split("/")
        if len(parts) != 3 or parts[0] != "application" or not parts[2].isdigit():
            continue
        i = int(parts[2])
        if group == "cost" and parts[1] == "costs" and i < len(app.costs):
            total = (total or 0) + app.costs[i].amount
        elif group == "income" and parts[1] == "incomes" and i < len(app.incomes):
            total = (total or 0) + app.incomes[i].amount
    return total
