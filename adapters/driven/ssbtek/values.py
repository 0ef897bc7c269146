"""Reading the small values agencies send: dates, amounts and person numbers, strictly.

Every number, date and month is matched with an explicit ASCII pattern before it is converted
(``int()`` alone would accept Unicode digits, ``+``, spaces and ``_``). Anything that does not read
is a :class:`PayloadError` (the agency becomes ``unavailable``). An amount with a fraction of an
öre is rounded half up to öre and the raw value is named in a notice (docs/registry.md, "Amount").
"""

from __future__ import annotations

import calendar
import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from adapters.driven.ssbtek.model import PayloadError

MAX_ORE = 99_999_999_999  # the contract's largest amount (999 999 999.99 kr)
_AMOUNT = re.compile(r"-?[0-9]{1,12}(?:[.,][0-9]{1,12})?", re.ASCII)
_INTEGER = re.compile(r"-?[0-9]{1,12}", re.ASCII)
# a date, optionally followed by a time and/or a zone (xs:date may carry "+02:00" or "Z")
_ISO = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})(?:T[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,9})?)?)?"
    r"(?:Z|[+-][0-9]{2}:[0-9]{2})?",
    re.ASCII,
)
_COMPACT = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})", re.ASCII)
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})", re.ASCII)
_PNR12 = re.compile(r"[0-9]{12}", re.ASCII)
_PNR10 = re.compile(r"[0-9]{10}", re.ASCII)


def parse_date(value: object, what: str) -> date:
    """``YYYY-MM-DD`` (optionally with a time and a zone, which are ignored) or ``YYYYMMDD``."""
    if not isinstance(value, str):
        raise PayloadError(f"{what} is not a date")
    v = value.strip()
    m = _ISO.fullmatch(v) or _COMPACT.fullmatch(v)
    if not m:
        raise PayloadError(f"{what} is not a date")
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        raise PayloadError(f"{what} is not a real date") from None


def parse_period_bound(value: object, what: str, *, end: bool) -> date:
    """A LEFI period bound: a date, or a month ``YYYY-MM`` (its first or last day)."""
    if isinstance(value, str):
        m = _MONTH.fullmatch(value.strip())
        if m:
            year, month = int(m.group(1)), int(m.group(2))
            if not 1 <= month <= 12 or year < 1:
                raise PayloadError(f"{what} is not a real month")
            return date(year, month, calendar.monthrange(year, month)[1] if end else 1)
    return parse_date(value, what)


def optional_date(value: object, what: str) -> date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return parse_date(value, what)


def parse_int(value: object, what: str) -> int:
    """A whole number written in ASCII digits (an optional leading minus), nothing else."""
    if not isinstance(value, str) or not _INTEGER.fullmatch(value.strip()):
        raise PayloadError(f"{what} is not a whole number")
    return int(value.strip())


def _round_ore(kronor: Decimal, raw: str, what: str, notes: list[str] | None) -> int:
    ore = kronor * 100
    rounded = ore.quantize(Decimal(1), rounding=ROUND_HALF_UP)
    if rounded != ore and notes is not None:
        notes.append(f"{what} {raw[:30]} kr has a fraction of an öre: rounded half up to {int(rounded)} öre")
    return _checked(int(rounded), what)


def kronor_text_to_ore(value: object, what: str, notes: list[str] | None = None) -> int:
    """A decimal kronor string (``1250.50``, ``1250,5``, ``-300``) in öre, rounded half up."""
    if not isinstance(value, str) or not _AMOUNT.fullmatch(value.strip()):
        raise PayloadError(f"{what} is not an amount")
    raw = value.strip()
    return _round_ore(Decimal(raw.replace(",", ".")), raw, what, notes)


def number_to_ore(value: object, what: str, notes: list[str] | None = None) -> int:
    """A JSON number of kronor (integer or with decimals) in öre, rounded half up; booleans and
    strings are refused."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PayloadError(f"{what} is not a number")
    try:
        d = Decimal(str(value))
    except InvalidOperation:
        raise PayloadError(f"{what} is not a number") from None
    if not d.is_finite():
        raise PayloadError(f"{what} is not a finite number")
    if abs(d) > MAX_ORE:
        raise PayloadError(f"{what} is implausibly large")
    return _round_ore(d, str(value), what, notes)


def _checked(ore: int, what: str) -> int:
    if abs(ore) > MAX_ORE:
        raise PayloadError(f"{what} is implausibly large")
    return ore


def person_12(value: object, what: str, century: object = None) -> str:
    """A person number as 12 digits; a 10-digit number needs its century (CSN's ``sekel``)."""
    if not isinstance(value, str):
        raise PayloadError(f"{what} is not a person number")
    v = value.strip()
    if len(v) in (11, 13) and v[-5] in "-+":
        v = v[:-5] + v[-4:]
    if _PNR12.fullmatch(v):
        return v
    if _PNR10.fullmatch(v):
        if isinstance(century, str) and century.strip() in ("18", "19", "20"):
            return century.strip() + v
        raise PayloadError(f"{what} has 10 digits and no century")
    raise PayloadError(f"{what} is not a person number")


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def month_bounds(month: str) -> tuple[date, date]:
    m = _MONTH.fullmatch(month)
    if not m:
        raise ValueError(f"not a month: {month[:10]!r}")
    year, mon = int(m.group(1)), int(m.group(2))
    return date(year, mon, 1), date(year, mon, calendar.monthrange(year, mon)[1])
