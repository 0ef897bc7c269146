"""Money is integer öre. Kronor strings come in and go out at the edges only.

Parsing lives in :mod:`decision.strict` (the one ASCII-only parser); this module keeps the names
the rest of the code uses. A contract amount is at most 999 999 999,99 kr (``parse_kronor``); sums
printed in a decision basis can be larger and are read back with ``parse_sum`` (signed, 64-bit).
"""

from __future__ import annotations

from functools import lru_cache

from decision.strict import (
    KRONOR_PATTERN,
    MAX_KRONOR_ORE,
    SUM_PATTERN,
    format_sum,
    parse_form_kronor,
    parse_kronor,
    parse_sum,
)

__all__ = [
    "KRONOR_PATTERN",
    "SUM_PATTERN",
    "format_kr_form",
    "format_kr_sv",
    "format_ore",
    "parse_kr_form",
    "parse_kronor",
    "parse_sum",
]


def format_ore(ore: int) -> str:
    """Format öre as a two-decimal kronor string; negative amounts keep their sign (``SUM_PATTERN``)."""
    return format_sum(ore)


@lru_cache(maxsize=4096)  # a pure function of an amount, called dozens of times per decision
def format_kr_sv(ore: int) -> str:
    """Swedish display form: ``14 170 kr`` or ``8 360,50 kr`` (thin grouping with spaces)."""
    sign = "−" if ore < 0 else ""
    q, r = divmod(abs(ore), 100)
    whole = f"{q:,}".replace(",", "\u00a0")
    return f"{sign}{whole}{',' + format(r, '02d') if r else ''}\u00a0kr"


def format_kr_digits(ore: int) -> str:
    """An öre amount's digits as a Swedish reader writes them: ``-3 940,00`` (groups of three split by a
    no-break space, a decimal comma, always two decimals, no unit)."""
    q, r = divmod(abs(ore), 100)
    return f"{'-' if ore < 0 else ''}{q:,}".replace(",", "\u00a0") + f",{r:02d}"


def format_kr_form(ore: int) -> str:
    """An amount as a form field shows it to a Swedish reader: ``2 650,00`` (groups of three split by a
    no-break space, a decimal comma, always two decimals, no unit). :func:`parse_kr_form` reads it back
    exactly. Only a contract amount (0 to 999 999 999,99 kr) is a form amount."""
    if isinstance(ore, bool) or not isinstance(ore, int):
        raise TypeError("an amount is an integer number of öre")
    if not 0 <= ore <= MAX_KRONOR_ORE:
        raise ValueError("a form amount is 0 to 999 999 999,99 kr")
    return format_kr_digits(ore)


def parse_kr_form(text: object) -> int:
    """What a person typed in an amount field (``2 650,00``, ``2650``, ``2 650 kr``, ``2650.5``, with an
    ordinary, no-break, thin or narrow no-break space between the groups) in öre; ValueError otherwise."""
    return parse_form_kronor(text)
