"""decision.strict: ASCII digits only where the contract says digits; sums of any size within 64 bits."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from decision import personnummer as pnr
from decision import strict
from decision.money import format_ore, parse_kronor, parse_sum

WORKED_PNR = "198507092388"

# Digits that int() accepts and that are not ASCII: full-width, Arabic-Indic, Devanagari, Bengali.
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
ARABIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
DEVANAGARI = str.maketrans("0123456789", "०१२३४५६७८९")
FOREIGN = [FULLWIDTH, ARABIC, DEVANAGARI]


@pytest.mark.parametrize(
    "text", ["２０２６-１０", "٢٠٢٦-١٠", "2023-+3", "2023- 3", "2023-_3", "+023-03", " 2023-03", "2023-03\n",
             "2023-3", "2023-13", "2023-00", "0000-01", "23-03", "2023/03", "2023-03-01", ""],
)
def test_a_month_is_four_and_two_ascii_digits(text: str) -> None:
    with pytest.raises(ValueError, match="YYYY-MM"):
        strict.parse_month(text)
    with pytest.raises(ValueError, match="YYYY-MM"):
        strict.month_start(text)


@pytest.mark.parametrize("value", [202303, None, b"2023-03", ["2023-03"]])
def test_a_month_is_a_string(value: object) -> None:
    with pytest.raises(ValueError, match="YYYY-MM"):
        strict.parse_month(value)


def test_a_valid_month() -> None:
    assert strict.parse_month("2023-03") == "2023-03"
    assert strict.month_start("2026-12") == date(2026, 12, 1)


@pytest.mark.parametrize(
    "text", ["２０２３-０３-０１", "2023-03-1", "2023-02-30", "2023-+3-01", "2023-03-01T00:00", "20230301", ""],
)
def test_a_date_is_ascii_and_real(text: str) -> None:
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        strict.parse_date(text)


def test_a_valid_date() -> None:
    assert strict.parse_date("2024-02-29") == date(2024, 2, 29)


@pytest.mark.parametrize("table", FOREIGN)
def test_a_personnummer_in_other_digits_is_refused(table: dict[int, str]) -> None:
    foreign = WORKED_PNR.translate(table)
    assert int(foreign) == int(WORKED_PNR)  # what made it slip through before
    with pytest.raises(ValueError, match="12 digits") as e:
        pnr.normalise(foreign)
    assert foreign not in str(e.value) and WORKED_PNR not in str(e.value)


@pytest.mark.parametrize("text", ["19850709238８", "1985070923 88", "+98507092388", "19850709_2388", "198507092388 "])
def test_a_personnummer_with_any_non_ascii_digit_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="12 digits"):
        strict.parse_personnummer(text)


def test_a_valid_personnummer_keeps_its_checks() -> None:
    assert strict.parse_personnummer("19850709-2388") == WORKED_PNR
    with pytest.raises(ValueError, match="check digit"):
        strict.parse_personnummer("198507092389")
    with pytest.raises(ValueError, match="real date"):
        strict.parse_personnummer("198502302381")


@pytest.mark.parametrize("table", FOREIGN)
def test_kronor_in_other_digits_are_refused(table: dict[int, str]) -> None:
    with pytest.raises(ValueError, match="kronor"):
        parse_kronor("8200.50".translate(table))


@pytest.mark.parametrize("text", ["1000000000", "999999999.999", "1_000", " 5", "5 ", "5\n", "٥"])
def test_kronor_outside_the_contract_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="kronor"):
        parse_kronor(text)


def test_the_largest_contract_amount() -> None:
    assert parse_kronor("999999999.99") == strict.MAX_KRONOR_ORE


@pytest.mark.parametrize(
    ("text", "ore"),
    [("0.00", 0), ("-12000.00", -1200000), ("1999999999.98", 199999999998), ("92233720368547758.07", strict.MAX_ORE),
     ("-92233720368547758.07", -strict.MAX_ORE)],
)
def test_sums_parse_beyond_the_contract_limit(text: str, ore: int) -> None:
    assert parse_sum(text) == ore
    assert format_ore(ore) == text


@pytest.mark.parametrize(
    "text", ["92233720368547758.08", "1000", "1000.5", "-0.5", "+1.00", "01.00", "1 000.00", "１.00", "1.0０", ""],
)
def test_malformed_or_too_large_sums_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_sum(text)


def test_an_amount_beyond_64_bits_is_not_formatted() -> None:
    with pytest.raises(ValueError, match="64 bits"):
        format_ore(strict.MAX_ORE + 1)


@settings(max_examples=300)
@given(st.integers(min_value=-strict.MAX_ORE, max_value=strict.MAX_ORE))
def test_every_64_bit_sum_round_trips(ore: int) -> None:
    assert parse_sum(format_ore(ore)) == ore


@settings(max_examples=200)
@given(st.lists(st.integers(min_value=0, max_value=strict.MAX_KRONOR_ORE), min_size=1, max_size=400))
def test_a_sum_of_contract_amounts_round_trips(amounts: list[int]) -> None:
    total = sum(parse_kronor(format_ore(a)) for a in amounts)
    assert parse_sum(format_ore(total)) == total == sum(amounts)


@settings(max_examples=300)
@given(st.text(max_size=14))
def test_no_text_parses_unless_it_is_ascii(text: str) -> None:
    for parser in (strict.parse_month, strict.parse_date, strict.parse_personnummer, parse_kronor, parse_sum):
        try:
            parser(text)
        except ValueError:
            continue
        assert text.isascii() and text.strip() == text, (parser.__name__, text)


@pytest.mark.parametrize(
    ("text", "ore"),
    [("8200", 820000), ("8 200", 820000), ("8 200,50", 820050), ("8\u00a0200,5", 820050), ("8200.50", 820050),
     ("8 200 kr", 820000), ("8200kr", 820000), ("  8 200,50 kr ", 820050), ("0", 0), ("0,05", 5),
     ("999 999 999,99", strict.MAX_KRONOR_ORE), ("1\u202f234\u202f567", 123456700), ("3\u2009940,00", 394000)],
)
def test_a_swedish_form_amount_is_converted(text: str, ore: int) -> None:
    assert strict.parse_form_kronor(text) == ore


@pytest.mark.parametrize(
    "text", ["", "kr", "-100", "+100", "8 20", "82 00", "8200,505", "1 000 000 000", "8,200.50", "８２００",
             "٨٢٠٠", "08200", "8200 SEK", "8e3", "8 200,-", "1,5 miljoner", "8 200 kr kr"],
)
def test_anything_else_in_a_form_is_refused_in_swedish(text: str) -> None:
    with pytest.raises(ValueError) as e:
        strict.parse_form_kronor(text)
    assert str(e.value) == strict.FORM_MESSAGE and "Ange beloppet i kronor" in str(e.value)


def test_format_sum_fast_path_writes_what_the_general_rule_writes() -> None:
    """format_sum's shortcut for a plain non-negative int gives the string of sign, kronor, two-digit öre."""
    import random

    from decision.strict import MAX_ORE, format_sum

    def general(ore: int) -> str:
        q, r = divmod(abs(ore), 100)
        return f"{'-' if ore < 0 else ''}{q}.{r:02d}"

    rng = random.Random(17)
    samples = [0, 1, 9, 10, 99, 100, 101, 12_345_600, MAX_ORE, -1, -100, -MAX_ORE]
    samples += [rng.randint(-MAX_ORE, MAX_ORE) for _ in range(2000)] + [rng.randint(0, 10**9) for _ in range(2000)]
    for ore in samples:
        assert format_sum(ore) == general(ore), ore
    for bad in (MAX_ORE + 1, -MAX_ORE - 1):
        with pytest.raises(ValueError):
            format_sum(bad)
    with pytest.raises(TypeError):
        format_sum(True)


def _personnummer_as_before(text: object) -> str:
    """parse_personnummer as it was written before its fast path: through personnummer_birth_date and
    luhn_check_digit, every digit checked again."""
    if not isinstance(text, str) or not strict._PNR_RE.fullmatch(text):
        raise ValueError("pattern")
    digits = text.replace("-", "")
    try:
        strict.personnummer_birth_date(digits)
    except ValueError:
        raise ValueError("date") from None
    if strict.luhn_check_digit(digits[2:11]) != int(digits[11]):
        raise ValueError("check digit")
    return digits


def _outcome(parse: object, text: str) -> str:
    try:
        return "ok " + parse(text)  # type: ignore[operator]
    except ValueError as e:
        return f"refused {e}"


_MESSAGES = {"pattern": "must be 12 digits", "date": "the date part", "check digit": "check digit is wrong"}


@settings(max_examples=3000)
@given(st.one_of(
    st.from_regex(r"\A(19|20)[0-9]{2}[01][0-9][0-9]{2}-?[0-9]{4}\Z"),  # mostly well-formed: dates and check digits vary
    st.from_regex(r"\A[0-9]{8}-?[0-9]{4}\Z"),
    st.text(alphabet="0123456789-", min_size=11, max_size=14),
))
def test_the_fast_personnummer_check_accepts_and_refuses_as_before(text: str) -> None:
    new, old = _outcome(strict.parse_personnummer, text), _outcome(_personnummer_as_before, text)
    if old.startswith("ok "):
        assert new == old
    else:
        assert new.startswith("refused " + _MESSAGES[old.removeprefix("refused ")][:8]), (text, new, old)


def test_the_fast_personnummer_check_on_every_day_and_check_digit() -> None:
    # every day of a leap year, as personnummer and samordningsnummer, with every last digit: one is right
    accepted = 0
    for month in range(1, 13):
        for day in range(1, 33):
            for plus in (0, 60):
                for last in range(10):
                    text = f"2000{month:02d}{day + plus:02d}123{last}"
                    assert _outcome(strict.parse_personnummer, text).split(" ")[0] == \
                        _outcome(_personnummer_as_before, text).split(" ")[0], text
                    accepted += _outcome(strict.parse_personnummer, text).startswith("ok")
    assert accepted == 366 * 2  # exactly one check digit per real day
