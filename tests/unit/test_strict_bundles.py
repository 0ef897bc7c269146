"""Regression tests for issue 18, findings 3, 4 and 9: Unicode digits, deep nesting, echoed keys, one report.

Every refusal is an InputError naming the field by its path (exit 2 / 422), never a traceback, and
no message holds a personnummer in any digits.
"""

from __future__ import annotations

import copy
import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from decision import personnummer as pnr
from decision.errors import InputError
from decision.jsonload import MAX_DEPTH, load_json, nesting_depth
from decision.validation import MAX_BUNDLE_BYTES, check_bundle, parse_bundle

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "bundles" / "01-worked-example-couple-two-children.json"
ARABIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
# Any run of 6+ digits of any script (int() reads them all), with or without a dash.
ANY_PNR = re.compile(r"\d{6,8}-?\d{4}")


def worked() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    return data


def errors_of(raw: dict[str, Any] | str | bytes) -> list[str]:
    text = raw if isinstance(raw, str | bytes) else json.dumps(raw, ensure_ascii=False)
    with pytest.raises(InputError) as e:
        parse_bundle(text)
    out = [str(x) for x in e.value.errors]
    assert out, "an InputError names at least one problem"
    for line in out:
        assert not ANY_PNR.search(line), f"an error echoes a personnummer: {line}"
    return out


# -- finding 3: digits that are not ASCII -------------------------------------------------------


@pytest.mark.parametrize("month", ["２０２３-０３", "٢٠٢٣-٠٣", "2023-+3", "2023- 3", "2023-_3", "2023-3 "])
def test_a_month_in_other_digits_is_refused(month: str) -> None:
    data = worked()
    data["application"]["month"] = month
    assert "application.month: must be a month YYYY-MM" in errors_of(data)


def test_a_registry_fact_month_in_other_digits_is_refused() -> None:
    data = worked()
    data["registry"][0]["facts"][0]["month"] = "٢٠٢٣-٠٣"
    assert "registry[0].facts[0].month: must be a month YYYY-MM" in errors_of(data)


@pytest.mark.parametrize("table", [ARABIC, FULLWIDTH])
def test_a_personnummer_in_other_digits_is_refused_not_hashed(table: dict[int, str]) -> None:
    data = worked()
    member = data["application"]["household"][1]["personnummer"]
    data["application"]["household"][1]["personnummer"] = member.translate(table)
    errors = errors_of(data)
    assert any(e.startswith("application.household[1].personnummer: must be 12 digits") for e in errors), errors


def test_a_member_twice_once_in_other_digits_is_refused() -> None:
    """The duplicate check compared the strings; the hash then crashed on the foreign digits."""
    data = worked()
    twin = copy.deepcopy(data["application"]["household"][2])
    twin["personnummer"] = twin["personnummer"].translate(ARABIC)
    data["application"]["household"].append(twin)
    errors = errors_of(data)
    assert any(e.startswith("application.household[4].personnummer: must be 12 digits") for e in errors), errors


@pytest.mark.parametrize("amount", ["８２００", "٨٢٠٠.٥٠", "8200.5٠"])
def test_an_amount_in_other_digits_is_refused(amount: str) -> None:
    data = worked()
    data["application"]["costs"][0]["amount"] = amount
    assert any(e.startswith("application.costs[0].amount: must be kronor") for e in errors_of(data))


@pytest.mark.parametrize("stamp", ["２０２３-02-22T08:12:00+01:00", "2023-02-22T08:12:00+0١:00"])
def test_a_timestamp_in_other_digits_is_refused(stamp: str) -> None:
    data = worked()
    data["application"]["submitted_at"] = stamp
    assert any(e.startswith("application.submitted_at") for e in errors_of(data))


# -- finding 4: deep nesting, and other limits before parsing -----------------------------------


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 1_000, 100_000])
def test_deep_nesting_is_an_input_error_not_a_recursion_error(depth: int) -> None:
    for opener, closer in (("[", "]"), ('{"a":', "}")):
        raw = opener * depth + "1" + closer * depth
        assert errors_of(raw) == [f"the JSON is nested more than {MAX_DEPTH} levels deep"]


def test_deep_nesting_inside_a_field_is_refused() -> None:
    text = EXAMPLE.read_text(encoding="utf-8").replace('"kind": "rent"', '"kind": ' + "[" * 5000 + "]" * 5000, 1)
    assert errors_of(text) == [f"the JSON is nested more than {MAX_DEPTH} levels deep"]


def test_unclosed_deep_nesting_is_refused() -> None:
    assert errors_of("[" * 50_000) == [f"the JSON is nested more than {MAX_DEPTH} levels deep"]


def test_brackets_inside_strings_do_not_count() -> None:
    assert nesting_depth('{"a": "[[[[[[[[[[\\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", "b": [[1]]}') == 3
    data = worked()
    data["application"]["costs"].append({"kind": "other", "amount": "1", "description": "[" * 400 + "{" * 99})
    assert parse_bundle(json.dumps(data)).application.costs[-1].description == "[" * 400 + "{" * 99


def test_an_oversized_bundle_is_refused_before_parsing() -> None:
    raw = b'{"schema": "' + b"x" * MAX_BUNDLE_BYTES + b'"}'
    assert errors_of(raw) == [f"the bundle is larger than {MAX_BUNDLE_BYTES} bytes"]
    assert errors_of(raw.decode()) == [f"the bundle is larger than {MAX_BUNDLE_BYTES} bytes"]


@pytest.mark.parametrize("number", ["1" * 5000, "-" + "9" * 100, "1" + "0" * 60 + ".5"])
def test_a_huge_number_is_refused_clearly(number: str) -> None:
    text = EXAMPLE.read_text(encoding="utf-8").replace('"amount": "8200.00"', f'"amount": {number}', 1)
    assert errors_of(text) == ["malformed JSON: a number has more than 40 digits"]


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json(constant: str) -> None:
    text = EXAMPLE.read_text(encoding="utf-8").replace('"amount": "8200.00"', f'"amount": {constant}', 1)
    assert errors_of(text) == ["malformed JSON: NaN and Infinity are not JSON"]


def test_the_malformed_json_message_is_unchanged() -> None:
    assert errors_of('{"a": [1, 2,, 3]}') == ["malformed JSON at line 1, column 13: Expecting value"]


# -- finding 9: no personnummer in any message, every error in one report --------------------------


def test_a_duplicate_personnummer_key_is_named_by_its_path_only() -> None:
    member = worked()["application"]["household"][0]["personnummer"]
    text = EXAMPLE.read_text(encoding="utf-8").replace(
        '"household": [', f'"notes": {{"{member}": 1, "{member}": 2}}, "household": [', 1
    )
    assert errors_of(text) == ["application.notes: an object has the same key twice (the key is not shown)"]


def test_a_duplicate_field_is_named_with_its_path() -> None:
    text = EXAMPLE.read_text(encoding="utf-8").replace('"kind": "rent",', '"kind": "rent", "kind": "rent",', 1)
    assert errors_of(text) == ["application.costs[0].kind: appears more than once in its object"]


def test_duplicates_at_the_root_and_deep_are_all_reported() -> None:
    text = '{"schema": 1, "schema": 2, "x": [{}, {"19850709-2388": 1, "19850709-2388": 1}]}'
    errors = errors_of(text)
    assert errors == ["schema: appears more than once in its object",
                      "x[1]: an object has the same key twice (the key is not shown)"]


@pytest.mark.parametrize("key", ["198507092388", "19850709-2388", "850709-2388", "x198507092388", "pnr_8507092388"])
def test_an_unknown_field_named_by_a_personnummer_is_not_echoed(key: str) -> None:
    data = worked()
    data["application"]["household"][0][key] = True
    errors = errors_of(data)
    assert "application.household[0]: has an unknown field (its name is not shown)" in errors, errors
    assert not any(key in e or key[-4:] in e for e in errors)


def test_an_unknown_field_with_a_field_name_is_still_named() -> None:
    data = worked()
    data["application"]["incomes"][0]["amout"] = "1"
    assert "application.incomes[0].amout: unknown field" in errors_of(data)


def test_cross_field_errors_are_reported_with_schema_errors() -> None:
    data = worked()
    data["application"]["costs"][0]["amount"] = 8200.5  # a schema error
    data["application"]["household"][2]["personnummer"] = pnr.make(date(2002, 1, 1), 238)  # a child aged 21
    data["application"]["household"].append(copy.deepcopy(data["application"]["household"][3]))  # listed twice
    data["registry"].append(copy.deepcopy(data["registry"][0]))  # a second answer
    errors = errors_of(data)
    assert any(e.startswith("application.costs[0].amount: must be a string of kronor") for e in errors), errors
    assert any(e.startswith("application.household[2].role: a child must be under 21") for e in errors), errors
    assert "application.household[4].personnummer: this member is listed twice" in errors
    assert any(e.startswith("registry[14]: a second answer") for e in errors), errors


def test_a_cross_field_check_skips_only_what_it_cannot_read() -> None:
    data = worked()
    data["application"]["month"] = "2023-13"  # the age check cannot run without a month
    data["application"]["household"][2]["personnummer"] = pnr.make(date(2002, 1, 1), 238)
    data["application"]["household"][0]["attends_school"] = True
    errors = errors_of(data)
    assert "application.month: must be a month YYYY-MM" in errors
    assert "application.household[0].attends_school: is allowed on children only" in errors
    assert not any("under 21" in e for e in errors)


def test_references_are_not_checked_against_a_household_with_a_bad_number() -> None:
    data = worked()
    data["application"]["household"][1]["personnummer"] = "1987031144٢٤"
    errors = errors_of(data)
    assert not any("does not name a member" in e for e in errors), errors


@pytest.mark.parametrize(
    "raw", ["[]", "1", '"x"', "null", "{}", '{"application": []}', '{"application": {"household": {}}}',
            '{"application": {"household": [1, null, []]}, "registry": {"a": 1}}',
            '{"registry": [1, {"facts": 5, "status": "no_data", "source": "csn"}, {"facts": [1, {}]}]}'],
)
def test_any_shape_is_an_input_error(raw: str) -> None:
    errors_of(raw)


def test_check_bundle_agrees_with_parse_bundle_on_the_example() -> None:
    assert check_bundle(parse_bundle(EXAMPLE.read_bytes())) == []


def test_load_json_returns_the_text_and_the_value() -> None:
    text, value = load_json(b'{"a": [1, {"b": 2.5}]}')
    assert text == '{"a": [1, {"b": 2.5}]}' and value == {"a": [1, {"b": 2.5}]}
