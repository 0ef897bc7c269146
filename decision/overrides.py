"""A handler's changed amounts on a proposal, and the amounts recomputed from them (pure types).

The recomputation is the rule pack's own (``decision.ports.Evaluator.apply_overrides``, implemented in
rules/): the same formulas and line grouping that made the proposal, recorded as trace steps.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class LineOverride:
    line: int  # index into the basis's lines
    amount_ore: int
    reason_code: str
    reason_label: str


@dataclass(frozen=True)
class Recomputed:
    decided: tuple[int, ...]  # per line, öre (the result line shows the decided total)
    norm: int
    costs: int
    income: int
    total: int
    applied_total: int
    steps: tuple[dict[str, Any], ...]
