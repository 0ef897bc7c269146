"""Cost arithmetic: a guideline cap applies to the sum of all rows of its kind."""

from __future__ import annotations


def capped(claimed: int, cap: int | None) -> int:
    """The accepted amount: the claim, or the cap when the claim is above it (limits inclusive)."""
    return claimed if cap is None or claimed <= cap else cap


def proposed(norm: int, costs: int, income: int) -> int:
    """max(0, norm + costs accepted − income counted)."""
    return max(0, norm + costs - income)


def share_half_up(amount: int, part: int, whole: int) -> int:
    """``amount`` × part ÷ whole in öre, rounded half up to the öre (the household's share of a dwelling)."""
    if not 1 <= part <= whole:
        raise ValueError("the part must be 1..whole")
    q, r = divmod(amount * part, whole)
    return q + 1 if 2 * r >= whole else q
