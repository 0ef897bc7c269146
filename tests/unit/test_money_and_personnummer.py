from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from decision import personnummer as pnr
from decision.money import format_kr_sv, format_ore, parse_kronor


@pytest.mark.parametrize(
    ("text", "ore"),
    [("6000", 600000), ("6000.5", 600050), ("6000.50", 600050), ("0", 0), ("0.01", 1), ("999999999.99", 99999999999)],
)
def test_kronor_strings_parse_to_exact_ore(text: str, ore: int) -> None:
    assert parse_kronor(text) == ore


@pytest.mark.parametrize("text", ["-1", "06000", "6000,50", "1e3", "6000.505", "", " 1", "1 000", "+5", "NaN"])
def test_malformed_kronor_strings_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="kronor"):
        parse_kronor(text)


@settings(max_examples=300)
@given(st.integers(min_value=0, max_value=99_999_999_999))
def test_ore_round_trip_never_loses_an_ore(ore: int) -> None:
    assert parse_kronor(format_ore(ore)) == ore


@settings(max_examples=200)
@given(st.lists(st.integers(min_value=0, max_value=10**9), max_size=30))
def test_sums_of_parsed_amounts_are_exact(amounts: list[int]) -> None:
    total = sum(parse_kronor(format_ore(a)) for a in amounts)
    assert total == sum(amounts)
    assert format_ore(total) == f"{sum(amounts) // 100}.{sum(amounts) % 100:02d}"


def test_swedish_display_groups_thousands() -> None:
    assert format_kr_sv(1417000) == "14\u00a0170\u00a0kr"
    assert format_kr_sv(836050) == "8\u00a0360,50\u00a0kr"


def test_contract_personnummer_are_valid_and_normalised() -> None:
    assert pnr.normalise("19850709-2388") == "198507092388"
    assert pnr.birth_date("198507092388") == date(1985, 7, 9)


def test_wrong_check_digit_is_named_without_echoing_the_number() -> None:
    with pytest.raises(ValueError) as e:
        pnr.normalise("198507092389")
    assert "check digit" in str(e.value)
    assert "2389" not in str(e.value)


def test_samordningsnummer_day_is_sixty_higher() -> None:
    number = pnr.make(date(1990, 5, 3), 123, coordination=True)
    assert number[6:8] == "63"
    assert pnr.normalise(number) == number
    assert pnr.birth_date(number) == date(1990, 5, 3)


def test_impossible_dates_are_refused() -> None:
    with pytest.raises(ValueError, match="date"):
        pnr.normalise("198502302381")


@settings(max_examples=200)
@given(st.dates(min_value=date(1920, 1, 1), max_value=date(2026, 12, 31)), st.integers(0, 999))
def test_made_numbers_always_validate(born: date, serial: int) -> None:
    assert pnr.normalise(pnr.make(born, serial)) == pnr.make(born, serial)


@settings(max_examples=500)
@given(st.integers(min_value=0, max_value=99_999_999_999), st.sampled_from([" ", "\u00a0", "\u2009", "\u202f"]))
def test_a_form_amount_reads_back_exactly_whatever_space_groups_it(ore: int, space: str) -> None:
    from decision.money import format_kr_form, parse_kr_form

    shown = format_kr_form(ore)
    assert parse_kr_form(shown) == ore
    assert parse_kr_form(shown.replace("\u00a0", space)) == ore
    assert parse_kr_form(shown + "\u00a0kr") == ore


@pytest.mark.parametrize(("ore", "shown"), [(265000, "2\u00a0650,00"), (0, "0,00"), (5, "0,05"),
                                            (99_999_999_999, "999\u00a0999\u00a0999,99"), (123456, "1\u00a0234,56")])
def test_a_form_amount_is_shown_as_swedish_kronor(ore: int, shown: str) -> None:
    from decision.money import format_kr_form

    assert format_kr_form(ore) == shown


@pytest.mark.parametrize("ore", [-1, 100_000_000_000])
def test_a_form_amount_outside_the_contract_is_refused(ore: int) -> None:
    from decision.money import format_kr_form

    with pytest.raises(ValueError, match="999 999 999,99"):
        format_kr_form(ore)
