"""Swedish personnummer and samordningsnummer: shape, date and check digit.

The parsing is :func:`decision.strict.parse_personnummer` (ASCII digits only); this module keeps
the names the rest of the code uses. Messages never contain the number itself.
"""

from __future__ import annotations

from datetime import date

from decision.strict import luhn_check_digit, parse_personnummer, personnummer_birth_date

__all__ = ["birth_date", "luhn_check_digit", "make", "masked", "normalise"]


def normalise(text: str) -> str:
    """Validate and return the 12-digit form without ``-``; ValueError names what is wrong."""
    return parse_personnummer(text)


def birth_date(digits: str) -> date:
    """Birth date of a normalised number; a samordningsnummer's day is 60 higher."""
    return personnummer_birth_date(digits)


def masked(digits: str) -> str:
    """A form safe for an operator's eyes: birth year and month only (``198507xx-xxxx``)."""
    return f"{digits[:6]}xx-xxxx"


def make(birth: date, serial: int, coordination: bool = False) -> str:
    """Build a valid 12-digit number (synthetic data and tests): serial is 0..999."""
    day = birth.day + (60 if coordination else 0)
    nine = f"{birth.year % 100:02d}{birth.month:02d}{day:02d}{serial:03d}"
    return f"{birth.year:04d}{birth.month:02d}{day:02d}{serial:03d}{luhn_check_digit(nine)}"
