"""The guideline's totals a decision used, read from its basis (docs/domain.md section 3b).

A pack with plausibility limits (``…_v2``, rules/evaluator/plausibility.py) cites on the result line the
guideline's total limit for a proposal and its four-eyes total, so the decision basis records exactly
the figures in force for that decision (``param:<path>@<date>`` facts). Automation refuses a proposal
above the total (decision/services/automation.py) and sign-off asks for a second signature above the
four-eyes total (decision/services/signoff_types.py): both read them here, with no access to the rules.
A basis that records no such figure (a ``_v1`` pack, or a guideline without it) sets no limit.
"""

from __future__ import annotations

from decision.basis import DecisionBasis
from decision.money import parse_sum

TOTAL_PARAM = "guideline.plausibility.proposal_total"
FOUR_EYES_PARAM = "guideline.four_eyes.total"


def recorded_amount(basis: DecisionBasis, path: str) -> int | None:
    """The amount (öre) of parameter ``path`` the basis records as used, or None."""
    prefix = f"param:{path}@"
    for fact in basis.facts:
        if fact.id.startswith(prefix) and fact.kind == "parameter" and fact.amount is not None:
            return parse_sum(fact.amount)
    return None


def above(basis: DecisionBasis, path: str, amount: int) -> bool:
    """Whether ``amount`` (öre) is above the recorded figure ``path`` (a limit is inclusive)."""
    limit = recorded_amount(basis, path)
    return limit is not None and amount > limit
