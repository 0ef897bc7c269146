"""Pack-defined adjustment lines: how a reform that is not a new figure becomes a new pack, and only that.

A pack's ``formulas.py`` may define ``adjustments(ctx: AdjustmentContext) -> list[Adjustment]``. The
evaluator calls it once per case after the norm, costs, incomes and disregards are computed and
before the result; each returned adjustment becomes a line of the trace (its rule must be a
``line`` rule of the pack's manifest whose id starts with ``norm.``, ``cost.``, ``income.`` or
``disregard.``, so the contract's ``proposed = max(0, norm + costs − income)`` still holds) and an
engine fact ``{"t": "adjustment", "rule": …, "amount": …}`` the pack's findings can match. Packs
without the function are unaffected. Amounts are integer öre and may be negative.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date

from decision.basis import LINE_GROUPS
from rules.parameters import ParamValue

LINE_PREFIXES = tuple(prefix for prefix, _ in LINE_GROUPS)  # the one grouping (decision.basis.line_group)


@dataclass(frozen=True, slots=True)
class IncomeCounted:
    """The counted amount of one income kind (all persons), with the facts it rests on."""

    amount: int
    inputs: tuple[str, ...]


@dataclass(frozen=True)
class AdjustmentContext:
    day: date  # the first day of the month applied for
    size: int  # persons in the norm (household size)
    norm: int
    costs: int
    income: int  # counted, after disregards
    incomes: Mapping[str, IncomeCounted]  # by income kind
    param: Callable[[str], ParamValue | None]  # a pack parameter in force (recorded as used), or None
    result: Callable[[int, int, int], int]  # the pack's own result formula (``formulas.proposed``)

    @property
    def proposed(self) -> int:
        """The result before any adjustment, by the pack's own formula: max(0, norm + costs − income)."""
        return int(self.result(self.norm, self.costs, self.income))


@dataclass(frozen=True)
class Adjustment:
    rule: str
    amount: int
    inputs: tuple[str, ...]
    vars: dict[str, str] = field(default_factory=dict)  # placeholders of the rule's explanation
