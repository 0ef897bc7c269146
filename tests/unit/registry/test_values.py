"""Registry numbers, dates and months are read with explicit ASCII patterns (``int()`` alone accepts
Unicode digits, ``+``, spaces and ``_``), and a fraction of an öre is rounded half up with a notice
naming the raw value (hardening, item 9)."""

from __future__ import annotations

from datetime import date

import pytest

from adapters.driven.ssbtek.model import PayloadError
from adapters.driven.ssbtek.values import (
    kronor_text_to_ore,
    month_bounds,
    number_to_ore,
    parse_date,
    parse_int,
    parse_period_bound,
    person_12,
)

NOT_ASCII = ["٣", "３", "+3", "1 000", "1_000", "¹", "3\u00a03"]


@pytest.mark.parametrize("raw", NOT_ASCII)
def test_whole_numbers_are_ascii_digits_only(raw: str) -> None:
    with pytest.raises(PayloadError):
        parse_int(raw, "n")


@pytest.mark.parametrize("raw", ["１２3.00", "1_000.00", "+12.00", "12.0٠", "1 000,00"])
def test_amounts_are_ascii_digits_only(raw: str) -> None:
    with pytest.raises(PayloadError):
        kronor_text_to_ore(raw, "belopp")


@pytest.mark.parametrize(
    "raw", ["２０２３-03-01", "2023-0３-01", "２０２３０３０１", "2023-03-01T1２:00:00", "+2023-03-01"]
)
def test_dates_are_ascii_digits_only(raw: str) -> None:
    with pytest.raises(PayloadError):
        parse_date(raw, "datum")


def test_dates_with_a_time_zone_or_time_are_read_as_their_date() -> None:
    assert parse_date("1998-05-12+02:00", "d") == date(1998, 5, 12)
    assert parse_date("2023-03-10Z", "d") == date(2023, 3, 10)
    assert parse_date("2023-03-10T08:15:00.123+01:00", "d") == date(2023, 3, 10)
    assert parse_date("20230310", "d") == date(2023, 3, 10)
    with pytest.raises(PayloadError):
        parse_date("2023-03-10junk", "d")


def test_a_lefi_period_may_be_a_month() -> None:
    assert parse_period_bound("2023-02", "p", end=True) == date(2023, 2, 28)
    assert parse_period_bound("2023-02", "p", end=False) == date(2023, 2, 1)
    with pytest.raises(PayloadError):
        parse_period_bound("2023-0２", "p", end=False)
    with pytest.raises(ValueError):
        month_bounds("２023-03")


def test_person_numbers_are_ascii_digits_only() -> None:
    assert person_12("19850709-2388", "p") == "198507092388"
    with pytest.raises(PayloadError):
        person_12("１98507092388", "p")


def test_a_fraction_of_an_ore_is_rounded_half_up_with_a_notice_naming_the_raw_value() -> None:
    notes: list[str] = []
    assert kronor_text_to_ore("1250.505", "SO NettoEfterSkatt", notes) == 125051
    assert kronor_text_to_ore("1250.504", "SO NettoEfterSkatt", notes) == 125050
    assert number_to_ore(0.125, "LEFI summa", notes) == 13  # half even would give 12
    assert number_to_ore(2.675, "LEFI summa", notes) == 268
    assert len(notes) == 4
    assert "1250.505" in notes[0] and "rounded half up" in notes[0]
    assert "0.125" in notes[2]
    clean: list[str] = []
    assert number_to_ore(1500.5, "LEFI summa", clean) == 150050 and clean == []
    assert kronor_text_to_ore("7250,50", "x", clean) == 725050 and clean == []
