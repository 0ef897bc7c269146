"""Reading the small values agencies send: dates, amounts and person numbers, strictly.

Anything that does not read is a :class:`PayloadError` (the agency becomes ``unavailable``).
"""

from __future__ import annotations

import calendar
import re
from datetime import date
from decimal import Decimal, InvalidOperation

from adapters.driven.ssbtek.model import PayloadError

MAX_ORE = 99_999_999_999  # the contract's largest amount (999 999 999.99 kr)
_AMOUNT = re.compile(r"^-?\d{1,12}([.,]\d{1,2})?$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_date(value: object, what: str) -> date:
    """``YYYY-MM-DD`` (a time or offset after it is ignored) or ``YYYYMMDD``."""
    if not isinstance(value, str):
        raise PayloadError(f"{what} is not a date")
    v = value.strip()
    m = _ISO.match(v) or _COMPACT.match(v)
    if not m:
        raise PayloadError(f"{what} is not a date")
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        raise PayloadError(f"{what} is not a real date") from None


def parse_period_bound(value: object, what: str, *, end: bool) -> date:
    """A LEFI period bound: a date, or a month ``YYYY-MM`` (its first or last day)."""
    if isinstance(value, str):
        m = _MONTH.match(value.strip())
        if m:
            year, month = int(m.group(1)), int(m.group(2))
            if not 1 <= month <= 12:
                raise PayloadError(f"{what} is not a real month")
            return date(year, month, calendar.monthrange(year, month)[1] if end else 1)
    return parse_date(value, what)


def optional_date(value: object, what: str) -> date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return parse_date(value, what)


def kronor_text_to_ore(value: object, what: str) -> int:
    """A decimal kronor string (``1250.50``, ``1250,5``, ``-300``) in öre."""
    if not isinstance(value, str) or not _AMOUNT.match(value.strip()):
        raise PayloadError(f"{what} is not an amount")
    return _checked(int((Decimal(value.strip().replace(",", ".")) * 100).to_integral_value()), what)


def number_to_ore(value: object, what: str) -> int:
    """A JSON number of kronor (integer or with decimals) in öre; booleans and strings are refused."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PayloadError(f"{what} is not a number")
    try:
        d = Decimal(str(value))
    except InvalidOperation:
        raise PayloadError(f"{what} is not a number") from None
    if not d.is_finite():
        raise PayloadError(f"{what} is not a finite number")
    return _checked(int((d * 100).to_integral_value()), what)


def _checked(ore: int, what: str) -> int:
    if abs(ore) > MAX_ORE:
        raise PayloadError(f"{what} is implausibly large")
    return ore


def person_12(value: object, what: str, century: object = None) -> str:
    """A person number as 12 digits; a 10-digit number needs its century (CSN's ``sekel``)."""
    if not isinstance(value, str):
        raise PayloadError(f"{what} is not a person number")
    digits = value.strip().replace("-", "").replace("+", "")
    if re.fullmatch(r"\d{12}", digits):
        return digits
    if re.fullmatch(r"\d{10}", digits):
        if isinstance(century, str) and century.strip() in ("18", "19", "20"):
            return century.strip() + digits
        raise PayloadError(f"{what} has 10 digits and no century")
    raise PayloadError(f"{what} is not a person number")


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def month_bounds(month: str) -> tuple[date, date]:
    year, mon = int(month[:4]), int(month[5:7])
    return date(year, mon, 1), date(year, mon, calendar.monthrange(year, mon)[1])
