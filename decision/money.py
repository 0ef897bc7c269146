"""Money is integer öre. Kronor strings come in and go out at the edges only."""

from __future__ import annotations

import re

KRONOR_PATTERN = r"^(0|[1-9][0-9]{0,8})(\.[0-9]{1,2})?$"
_KRONOR_RE = re.compile(KRONOR_PATTERN)


def parse_kronor(text: str) -> int:
    """Parse a contract amount (``"6000"``, ``"6000.5"``, ``"6000.50"``) into öre.

    Raises ValueError with a message naming the expected shape (never the input itself, which
    might be something else pasted into the field).
    """
    if not _KRONOR_RE.fullmatch(text):
        raise ValueError(
            'must be kronor as a string like "6000" or "6000.50" (no sign, no leading zero, '
            "no comma, at most two decimals)"
        )
    whole, _, frac = text.partition(".")
    return int(whole) * 100 + int(frac.ljust(2, "0") or "0")


def format_ore(ore: int) -> str:
    """Format öre as a two-decimal kronor string; negative amounts keep their sign."""
    sign = "-" if ore < 0 else ""
    q, r = divmod(abs(ore), 100)
    return f"{sign}{q}.{r:02d}"


def format_kr_sv(ore: int) -> str:
    """Swedish display form: ``14 170 kr`` or ``8 360,50 kr`` (thin grouping with spaces)."""
    sign = "−" if ore < 0 else ""
    q, r = divmod(abs(ore), 100)
    whole = f"{q:,}".replace(",", "\u00a0")
    return f"{sign}{whole}{',' + format(r, '02d') if r else ''}\u00a0kr"
