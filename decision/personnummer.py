"""Swedish personnummer and samordningsnummer: shape, date and check digit.

Messages never contain the number itself.
"""

from __future__ import annotations

import re
from datetime import date

_SHAPE = re.compile(r"^(\d{8})-?(\d{4})$")


def luhn_check_digit(nine_digits: str) -> int:
    """The check digit (Luhn) for the nine digits YYMMDDNNN."""
    total = 0
    for i, ch in enumerate(nine_digits):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return (10 - total % 10) % 10


def normalise(text: str) -> str:
    """Validate and return the 12-digit form without ``-``; ValueError names what is wrong."""
    m = _SHAPE.fullmatch(text)
    if not m:
        raise ValueError("must be 12 digits YYYYMMDDNNNN, optionally with '-' before the last four")
    digits = m.group(1) + m.group(2)
    try:
        birth_date(digits)
    except ValueError:
        raise ValueError("the date part is not a real date") from None
    if luhn_check_digit(digits[2:11]) != int(digits[11]):
        raise ValueError("check digit is wrong")
    return digits


def birth_date(digits: str) -> date:
    """Birth date of a normalised number; a samordningsnummer's day is 60 higher."""
    year, month, day = int(digits[0:4]), int(digits[4:6]), int(digits[6:8])
    if day > 60:
        day -= 60
    return date(year, month, day)


def masked(digits: str) -> str:
    """A form safe for an operator's eyes: birth year and month only (``198507xx-xxxx``)."""
    return f"{digits[:6]}xx-xxxx"


def make(birth: date, serial: int, coordination: bool = False) -> str:
    """Build a valid 12-digit number (synthetic data and tests): serial is 0..999."""
    day = birth.day + (60 if coordination else 0)
    nine = f"{birth.year % 100:02d}{birth.month:02d}{day:02d}{serial:03d}"
    return f"{birth.year:04d}{birth.month:02d}{day:02d}{serial:03d}{luhn_check_digit(nine)}"
