"""Bad input is refused with the field's path and never a traceback; nothing echoes a personnummer."""

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
from decision.pipeline import Pipeline
from decision.validation import parse_bundle

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "bundles" / "01-worked-example-couple-two-children.json"


def worked() -> dict[str, Any]:
    return json.loads(EXAMPLE.read_text(encoding="utf-8"))


def errors_of(data: dict[str, Any] | str) -> list[str]:
    raw = data if isinstance(data, str) else json.dumps(data)
    with pytest.raises(InputError) as e:
        parse_bundle(raw)
    out = [str(x) for x in e.value.errors]
    for line in out:
        assert not re.search(r"\d{8}-?\d{4}", line), f"an error echoes a personnummer: {line}"
    return out


def mutate(path: str, value: Any) -> dict[str, Any]:
    data = worked()
    target: Any = data
    parts = path.split("/")
    for p in parts[:-1]:
        target = target[int(p)] if isinstance(target, list) else target[p]
    last = parts[-1]
    if isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value
    return data


def test_the_worked_example_is_valid() -> None:
    bundle = parse_bundle(EXAMPLE.read_bytes())
    assert bundle.application.incomes[0].amount == 1200000


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        ("application/incomes/0/amount", 12000.0, "application.incomes[0].amount: must be a string of kronor"),
        ("application/incomes/0/amount", "-12000", "application.incomes[0].amount: must be kronor"),
        ("application/incomes/0/amount", "06000", "application.incomes[0].amount: must be kronor"),
        ("application/incomes/0/amount", "6000,50", "application.incomes[0].amount: must be kronor"),
        ("application/incomes/0/amount", "1e3", "application.incomes[0].amount: must be kronor"),
        ("application/household/1/personnummer", "198703114425", "application.household[1].personnummer: check digit"),
        ("application/household/1/personnummer", 198703114424, "application.household[1].personnummer: must be a str"),
        ("application/month", "2023-13", "application.month: must be a month YYYY-MM"),
        ("application/municipality", "12870", "application.municipality"),
        ("application/kind", "renewal", "application.kind"),
        ("application/submitted_at", "2023-02-22T08:12:00", "application.submitted_at"),
        ("application/household_changed", "no", "application.household_changed: must be true or false"),
        ("application/costs/0/kind", "car", "application.costs[0].kind"),
        ("registry/0/status", "maybe", "registry[0].status"),
        ("registry/0/facts/0/kind", "lottery", "registry[0].facts[0]"),
        ("schema", "finaid.case-bundle/3", "schema"),
    ],
)
def test_a_bad_field_is_named_by_its_path(path: str, value: Any, expected: str) -> None:
    errors = errors_of(mutate(path, value))
    assert any(e.startswith(expected) for e in errors), errors


def test_unknown_fields_are_refused() -> None:
    data = worked()
    data["application"]["incomes"][0]["amout"] = "1"
    assert "application.incomes[0].amout: unknown field" in errors_of(data)


def test_two_applicants_are_refused() -> None:
    data = mutate("application/household/1/role", "applicant")
    assert any("exactly one applicant" in e for e in errors_of(data))


def test_an_empty_household_is_refused() -> None:
    errors = errors_of(mutate("application/household", []))
    assert any(e.startswith("application.household") for e in errors)


def test_malformed_json_names_line_and_column() -> None:
    errors = errors_of('{"schema": "finaid.case-bundle/1",\n  "application": {,}}')
    assert errors == ["malformed JSON at line 2, column 19: Expecting property name enclosed in double quotes"]


def test_a_reference_to_someone_outside_the_household_is_refused() -> None:
    data = mutate("application/incomes/0/person", pnr.make(date(1990, 1, 1), 123))
    assert "application.incomes[0].person: does not name a member of the household" in errors_of(data)


def test_a_member_listed_twice_is_refused() -> None:
    data = worked()
    data["application"]["household"].append(copy.deepcopy(data["application"]["household"][2]))
    assert "application.household[4].personnummer: this member is listed twice" in errors_of(data)


def test_two_answers_from_one_source_for_one_person_are_refused() -> None:
    data = worked()
    data["registry"].append(copy.deepcopy(data["registry"][0]))
    assert any(e.startswith("registry[14]: a second answer") for e in errors_of(data))


def test_a_child_aged_21_is_refused() -> None:
    data = mutate("application/household/2/personnummer", pnr.make(date(2002, 1, 1), 238))
    errors = errors_of(data)
    assert any(e.startswith("application.household[2].role: a child must be under 21") for e in errors), errors


def test_a_member_born_after_submission_is_refused() -> None:
    data = mutate("application/household/2/personnummer", pnr.make(date(2023, 3, 1), 238))
    assert any("born after the application was submitted" in e for e in errors_of(data))


def test_a_childs_salary_needs_year_to_date() -> None:
    data = worked()
    data["application"]["incomes"].append({"person": "201310206725", "kind": "salary", "amount": "500"})
    assert "application.incomes[2].year_to_date: is required for a child's salary" in errors_of(data)


def test_year_to_date_below_the_months_amount_is_refused() -> None:
    data = worked()
    data["application"]["incomes"].append(
        {"person": "201310206725", "kind": "salary", "amount": "500", "year_to_date": "400"}
    )
    assert "application.incomes[2].year_to_date: must be at least the month's amount" in errors_of(data)


def test_other_costs_need_a_description() -> None:
    data = worked()
    data["application"]["costs"].append({"kind": "other", "amount": "300"})
    assert "application.costs[3].description: is required for a cost of kind other" in errors_of(data)


def test_school_and_lunch_flags_are_for_children_only() -> None:
    data = mutate("application/household/0/attends_school", True)
    assert "application.household[0].attends_school: is allowed on children only" in errors_of(data)


def test_an_unavailable_answer_must_say_why() -> None:
    data = worked()
    data["registry"][3]["status"] = "unavailable"
    assert "registry[3].error: is required when status is unavailable" in errors_of(data)


def test_every_error_is_reported_not_just_the_first() -> None:
    data = worked()
    data["application"]["incomes"][0]["amount"] = 1
    data["application"]["costs"][0]["amount"] = "-5"
    errors = errors_of(data)
    assert len([e for e in errors if e.startswith(("application.incomes[0]", "application.costs[0]"))]) == 2


def test_a_month_no_pack_covers_is_an_input_error(pipeline: Pipeline) -> None:
    bundle = parse_bundle(json.dumps(mutate("application/month", "2031-01")))
    with pytest.raises(InputError) as e:
        pipeline.decide(bundle)
    assert str(e.value.errors[0]).startswith("application.month: no rule pack covers 2031-01")
