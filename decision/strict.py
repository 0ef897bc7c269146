"""The one strict parser for digits in machine input: months, dates, personnummer, kronor amounts.

Every machine entry point (CLI, HTTP API, batch, registry mapping) reads these values through the
functions here, so that one rule holds everywhere: where the contract says digits it means the
ASCII digits ``0``–``9`` and nothing else. Python's ``int()`` also takes Arabic-Indic and
full-width digits, ``+``, ``_`` and surrounding spaces, and ``\\d`` in a regular expression
matches every Unicode digit, so neither is used on untrusted text (docs/case-bundle.md, "Case
bundle" and "Errors").

Amounts come in two shapes:

* a contract amount (``KRONOR_PATTERN``): at most 999 999 999,99 kr, the limit of the input contract;
* a sum (``SUM_PATTERN``): what the decision basis prints (docs/case-bundle.md, "Decision basis"),
  e.g. ``"-12000.00"`` or ``"123456789012.00"``: signed, always two decimals, any number of digits
  up to what a 64-bit integer of öre holds.
  Sums of contract amounts are larger than any single amount, so anything read back from a stored
  basis goes through :func:`parse_sum`, never :func:`parse_kronor`.

People typing into a web form write amounts the Swedish way (``"8 200,50"``, ``"8 200 kr"``):
:func:`parse_form_kronor` converts that at the form's edge, with a Swedish message when it cannot.

Messages never contain the input (it might be a personnummer pasted into the wrong field).
"""

from __future__ import annotations

import re
from datetime import date

ASCII_DIGITS = frozenset("0123456789")

KRONOR_PATTERN = r"^(0|[1-9][0-9]{0,8})(\.[0-9]{1,2})?$"
"""A contract amount: kronor without sign or leading zero, at most two decimals."""
SUM_PATTERN = r"^-?(0|[1-9][0-9]*)\.[0-9]{2}$"
"""A sum in the decision basis: signed kronor with exactly two decimals, no upper digit count."""
MONTH_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
PERSONNUMMER_PATTERN = r"^[0-9]{8}-?[0-9]{4}$"

MAX_ORE = 2**63 - 1
"""The largest amount of öre storage holds (a signed 64-bit integer column)."""
MAX_KRONOR_ORE = 99_999_999_999
"""The largest contract amount, 999 999 999,99 kr, in öre."""

# re.ASCII is belt and braces: none of these patterns uses \d, \w or \s.
_KRONOR_RE = re.compile(KRONOR_PATTERN, re.ASCII)
_SUM_RE = re.compile(SUM_PATTERN, re.ASCII)
_MONTH_RE = re.compile(MONTH_PATTERN, re.ASCII)
_DATE_RE = re.compile(DATE_PATTERN, re.ASCII)
_PNR_RE = re.compile(PERSONNUMMER_PATTERN, re.ASCII)

KRONOR_MESSAGE = (
    'must be kronor as a string like "6000" or "6000.50" (no sign, no leading zero, no comma, at most two decimals)'
)
MONTH_MESSAGE = "must be a month YYYY-MM"
DATE_MESSAGE = "must be a date YYYY-MM-DD"
SUM_MESSAGE = 'must be kronor with two decimals like "-6000.00"'


def _digits(text: str) -> int:
    """int() of text already matched against an ASCII-only pattern (checked again, never trusted blindly)."""
    if not (text.isascii() and text.isdigit()):
        raise ValueError("not ASCII digits")
    return int(text)


def is_ascii_digits(text: object, length: int | None = None) -> bool:
    """True when ``text`` is a non-empty string of ASCII digits (of exactly ``length``, if given)."""
    return (
        isinstance(text, str)
        and text.isascii()
        and text.isdigit()  # isdigit() is False for the empty string
        and (length is None or len(text) == length)
    )


# -- amounts ---------------------------------------------------------------------------------------


def parse_kronor(text: object) -> int:
    """A contract amount (``"6000"``, ``"6000.5"``, ``"6000.50"``) in öre; ValueError otherwise."""
    if not isinstance(text, str) or not _KRONOR_RE.fullmatch(text):
        raise ValueError(KRONOR_MESSAGE)
    whole, _, frac = text.partition(".")
    return _digits(whole) * 100 + (_digits(frac.ljust(2, "0")) if frac else 0)


def format_sum(ore: int) -> str:
    """Öre as a sum string (``SUM_PATTERN``): two decimals, a sign when negative, any size within 64 bits."""
    if type(ore) is int and 0 <= ore <= MAX_ORE:  # the common case, the same string as below
        return f"{ore // 100}.{ore % 100:02d}"
    if isinstance(ore, bool) or not isinstance(ore, int):
        raise TypeError("an amount is an integer number of öre")
    if abs(ore) > MAX_ORE:
        raise ValueError("the amount does not fit in 64 bits of öre")
    sign = "-" if ore < 0 else ""
    q, r = divmod(abs(ore), 100)
    return f"{sign}{q}.{r:02d}"


def parse_sum(text: object) -> int:
    """A sum as the decision basis prints it (``format_sum``) back into öre; 64-bit bounded."""
    if not isinstance(text, str) or len(text) > 24 or not _SUM_RE.fullmatch(text):
        raise ValueError(SUM_MESSAGE)
    negative = text.startswith("-")
    whole, _, frac = text.lstrip("-").partition(".")
    ore = _digits(whole) * 100 + _digits(frac)
    if ore > MAX_ORE:
        raise ValueError("the amount does not fit in 64 bits of öre")
    return -ore if negative else ore


# Swedish form entry: "8200", "8 200", "8 200,50", "8200.50", "8 200 kr". Grouping by spaces
# (ordinary, no-break, thin or narrow no-break) in threes; comma or point before one or two decimals.
_FORM_SPACES = " \u00a0\u2009\u202f"
_FORM_RE = re.compile(
    r"(0|[1-9][0-9]{0,8}|[1-9][0-9]{0,2}(?:[ \u00a0\u2009\u202f][0-9]{3}){1,2})(?:[,.]([0-9]{1,2}))?"
    r"(?:[ \u00a0\u2009\u202f]?kr)?",
    re.ASCII,
)
FORM_MESSAGE = 'Ange beloppet i kronor, till exempel "8200", "8 200" eller "8 200,50".'


def parse_form_kronor(text: object) -> int:
    """What a person types into a web form's amount field, in öre; ValueError with a Swedish message.

    Leading and trailing spaces are ignored; nothing else is guessed (no sign, no other digits than
    0–9, no more than 999 999 999,99 kr).
    """
    if not isinstance(text, str) or len(text) > 40:
        raise ValueError(FORM_MESSAGE)
    m = _FORM_RE.fullmatch(text.strip(_FORM_SPACES + "\t"))
    if not m:
        raise ValueError(FORM_MESSAGE)
    whole = m.group(1)
    for space in _FORM_SPACES:
        whole = whole.replace(space, "")
    frac = m.group(2) or ""
    return _digits(whole) * 100 + (_digits(frac.ljust(2, "0")) if frac else 0)


# -- months and dates ------------------------------------------------------------------------------


def parse_month(text: object) -> str:
    """A month ``YYYY-MM`` (ASCII digits, month 01–12, year 0001–9999); returns it unchanged."""
    month_start(text)
    assert isinstance(text, str)
    return text


def month_start(text: object) -> date:
    """The first day of a month ``YYYY-MM``; ValueError (``MONTH_MESSAGE``) for anything else."""
    if not isinstance(text, str) or not _MONTH_RE.fullmatch(text):
        raise ValueError(MONTH_MESSAGE)
    try:
        return date(_digits(text[:4]), _digits(text[5:7]), 1)
    except ValueError:
        raise ValueError(MONTH_MESSAGE) from None


def parse_date(text: object) -> date:
    """A calendar date ``YYYY-MM-DD`` in ASCII digits; ValueError (``DATE_MESSAGE``) for anything else."""
    if not isinstance(text, str) or not _DATE_RE.fullmatch(text):
        raise ValueError(DATE_MESSAGE)
    try:
        return date(_digits(text[:4]), _digits(text[5:7]), _digits(text[8:10]))
    except ValueError:
        raise ValueError(DATE_MESSAGE) from None


# -- personnummer ----------------------------------------------------------------------------------


# a doubled Luhn digit's contribution, by the digit's ASCII byte value (b"0" is 48)
_LUHN_DOUBLED = {48 + d: 2 * d - 9 if d > 4 else 2 * d for d in range(10)}


def luhn_check_digit(nine_digits: str) -> int:
    """The check digit (Luhn) for the nine ASCII digits YYMMDDNNN."""
    if not is_ascii_digits(nine_digits, 9):
        raise ValueError("must be nine digits")
    total = 0
    for i, ch in enumerate(nine_digits):
        d = (ord(ch) - 48) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return (10 - total % 10) % 10


def personnummer_birth_date(digits: str) -> date:
    """Birth date of a 12-digit number; a samordningsnummer's day is 60 higher. ValueError if none."""
    if not is_ascii_digits(digits, 12):
        raise ValueError("must be 12 digits")
    year, month, day = _digits(digits[0:4]), _digits(digits[4:6]), _digits(digits[6:8])
    if day > 60:
        day -= 60
    return date(year, month, day)


def parse_personnummer(text: object) -> str:
    """A personnummer or samordningsnummer in its 12-digit form without ``-``.

    Accepts ``YYYYMMDDNNNN`` or ``YYYYMMDD-NNNN`` in ASCII digits with a real date and a correct
    check digit; the ValueError names what is wrong, never the number.
    """
    if not isinstance(text, str):
        raise ValueError("must be a string")
    if not _PNR_RE.fullmatch(text):
        raise ValueError("must be 12 digits YYYYMMDDNNNN, optionally with '-' before the last four")
    # the pattern (ASCII-only, re.ASCII) has matched: 12 ASCII digits, so int() and the byte values below are safe;
    # the same checks as personnummer_birth_date and luhn_check_digit, without checking the digits again (this runs
    # for every personnummer of every bundle read: tests/unit/test_strict_parsers.py holds it equal to them)
    digits = text.replace("-", "")
    day = int(digits[6:8])
    try:
        date(int(digits[0:4]), int(digits[4:6]), day - 60 if day > 60 else day)
    except ValueError:
        raise ValueError("the date part is not a real date") from None
    raw = digits.encode("ascii")
    total = sum(_LUHN_DOUBLED[b] for b in raw[2:11:2]) + sum(raw[3:11:2]) - 48 * 4
    if (10 - total % 10) % 10 != raw[11] - 48:
        raise ValueError("check digit is wrong")
    return digits
