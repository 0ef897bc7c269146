"""Money is integer öre. Kronor strings come in and go out at the edges only.

Parsing lives in :mod:`decision.strict` (the one ASCII-only parser); this module keeps the names
the rest of the code uses. A contract amount is at most 999 999 999,99 kr (``parse_kronor``); sums
printed in a decision basis can be larger and are read back with ``parse_sum`` (signed, 64-bit).
"""

from __future__ import annotations

from decision.strict import KRONOR_PATTERN, SUM_PATTERN, format_sum, parse_kronor, parse_sum

__all__ = ["KRONOR_PATTERN", "SUM_PATTERN", "format_kr_sv", "format_ore", "parse_kronor", "parse_sum"]


def format_ore(ore: int) -> str:
    """Format öre as a two-decimal kronor string; negative amounts keep their sign (``SUM_PATTERN``)."""
    return format_sum(ore)


def format_kr_sv(ore: int) -> str:
    """Swedish display form: ``14 170 kr`` or ``8 360,50 kr`` (thin grouping with spaces)."""
    sign = "−" if ore < 0 else ""
    q, r = divmod(abs(ore), 100)
    whole = f"{q:,}".replace(",", "\u00a0")
    return f"{sign}{whole}{',' + format(r, '02d') if r else ''}\u00a0kr"
