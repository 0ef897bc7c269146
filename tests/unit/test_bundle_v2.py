"""finaid.case-bundle/2: every new field's bad values are refused with the field's path; /1 stays as it was.

The contract is docs/case-bundle.md ("finaid.case-bundle/2"): one model accepts both versions, a /1
bundle using a /2-only field or value is refused ("finns bara i finaid.case-bundle/2"), a /2 bundle may
not use ``previous_aid``, and a /1 bundle dumps byte-identically to what it did before /2 existed.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest

from decision.bundle import BUNDLE_SCHEMA_V2, CaseBundle
from decision.bundle_v2 import as_v2, json_schema, month_minus
from decision.errors import InputError
from decision.validation import parse_bundle

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "bundles" / "01-worked-example-couple-two-children.json"
APPLICANT, PARTNER, CHILD1, CHILD2 = "198507092388", "198703114424", "201811045614", "201310206725"
DUMPS = ROOT / "tests" / "unit" / "golden" / "bundle_v1_dumps.json"
OUTSIDER = "200304051238"  # valid check digit, not in the household


def v1() -> dict[str, Any]:
    return json.loads(EXAMPLE.read_text(encoding="utf-8"))


def v2() -> dict[str, Any]:
    """The worked example (month 2023-03, 31 days) as /2, using every new field once."""
    data = v1()
    data["schema"] = BUNDLE_SCHEMA_V2
    app = data["application"]
    del app["previous_aid"]
    app["household"][0]["name"] = "  Anna Exempel  "
    app["household"][2]["days_in_household"] = 15
    app["household"][2]["name"] = "Kim Exempel"
    app["costs"] += [
        {"kind": "medical_care", "amount": "200.00", "document": "bilaga-17", "person": CHILD2},
        {"kind": "glasses", "amount": "900.00", "document": "KOMMUN:2023/114", "person": APPLICANT},
        {"kind": "preschool_fee", "amount": "350.00"},
    ]
    app["aid_history"] = [
        {"person": APPLICANT, "months_on_aid_in_row": 26, "jobbstimulans_first_month": "2021-01",
         "jobbstimulans_last_month": "2022-12"},
        {"person": PARTNER, "months_on_aid_in_row": 2},
    ]
    app["norm_adjustments"] = [
        {"person": CHILD1, "direction": "raise", "reason": "special_diet", "description": "glutenfri kost",
         "amount": "400.00", "document": "intyg-3"},
        {"person": PARTNER, "direction": "lower", "reason": "hospital_stay", "description": "sjukhus", "days": 31},
    ]
    app["rent_above_guideline_notified_on"] = "2022-12-15"
    app["others_in_dwelling"] = [
        {"kind": "young_adult_separate_household", "personnummer": OUTSIDER, "name": "Sam"},
        {"kind": "other_adult"},
    ]
    app["labour_market"][0]["individual_plan"] = "agreed"
    return data


def errors_of(data: dict[str, Any]) -> list[str]:
    with pytest.raises(InputError) as e:
        parse_bundle(json.dumps(data))
    out = [str(x) for x in e.value.errors]
    for line in out:
        assert not re.search(r"[0-9]{8}-?[0-9]{4}", line), f"an error echoes a personnummer: {line}"
        assert "Anna" not in line and "Kim" not in line, f"an error echoes a name: {line}"
    return out


def edit(data: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """``data`` with the value at a slash path set (``...`` deletes it)."""
    out = copy.deepcopy(data)
    target: Any = out
    parts = path.split("/")
    for p in parts[:-1]:
        target = target[int(p)] if isinstance(target, list) else target[p]
    last = parts[-1]
    if value is ...:
        del target[last]
    elif isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value
    return out


def test_a_v2_bundle_with_every_new_field_is_accepted_and_kept_as_v2() -> None:
    bundle = parse_bundle(json.dumps(v2()))
    app = bundle.application
    assert bundle.schema_ == BUNDLE_SCHEMA_V2 and bundle.version == 2
    assert app.household[0].name == "Anna Exempel"  # stripped
    assert app.household[2].days_in_household == 15
    assert app.costs[-3].person == CHILD2 and app.costs[-3].document == "bilaga-17"
    assert app.aid_history is not None and app.aid_history[0].jobbstimulans_last_month == "2022-12"
    assert app.norm_adjustments is not None and app.norm_adjustments[0].amount == 40000
    assert str(app.rent_above_guideline_notified_on) == "2022-12-15"
    dumped = bundle.to_json_dict()
    assert dumped["schema"] == BUNDLE_SCHEMA_V2
    assert "previous_aid" not in dumped["application"]  # replaced by aid_history, never dumped in /2
    assert dumped["application"]["rent_above_guideline_notified_on"] == "2022-12-15"
    assert parse_bundle(json.dumps(dumped)).to_json_dict() == dumped  # sealed as received, re-readable


def test_a_minimal_v2_bundle_has_no_new_fields_and_no_previous_aid() -> None:
    data = edit(edit(v1(), "schema", BUNDLE_SCHEMA_V2), "application/previous_aid", ...)
    dumped = parse_bundle(json.dumps(data)).to_json_dict()
    assert dumped["schema"] == BUNDLE_SCHEMA_V2
    assert set(dumped["application"]) == set(data["application"]) - {"previous_aid"}


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        ("application/kind", "supplement", "application.kind"),
        ("application/household/0/name", "", "application.household[0].name: must not be empty"),
        ("application/household/0/name", "   ", "application.household[0].name: must not be empty"),
        ("application/household/0/name", "A" * 201, "application.household[0].name: must be at most 200"),
        ("application/household/0/name", "Anna\nExempel", "application.household[0].name: must not contain control"),
        ("application/household/0/name", "Anna\u202eExempel", "application.household[0].name: must not contain"),
        ("application/household/0/name", 7, "application.household[0].name: must be a string"),
        ("application/household/2/days_in_household", 0, "application.household[2].days_in_household"),
        ("application/household/2/days_in_household", 32, "application.household[2].days_in_household"),
        ("application/household/2/days_in_household", "15", "application.household[2].days_in_household"),
        ("application/household/0/days_in_household", 10,
         "application.household[0].days_in_household: is allowed on children only"),
        ("application/costs/0/kind", "dentist", "application.costs[0].kind"),
        ("application/costs/3/document", "", "application.costs[3].document"),
        ("application/costs/3/document", "-bilaga", "application.costs[3].document: has the wrong format"),
        ("application/costs/3/document", "bil aga", "application.costs[3].document: has the wrong format"),
        ("application/costs/3/document", "x" * 129, "application.costs[3].document"),
        ("application/costs/3/person", "198507092389", "application.costs[3].person: check digit"),
        ("application/costs/3/person", OUTSIDER, "application.costs[3].person: does not name a member"),
        ("application/aid_history", {}, "application.aid_history: must be a list"),
        ("application/aid_history", [{"person": APPLICANT, "months_on_aid_in_row": 1}] * 31,
         "application.aid_history"),
        ("application/aid_history/0/person", CHILD1,
         "application.aid_history[0].person: must be an adult of the household"),
        ("application/aid_history/0/person", OUTSIDER, "application.aid_history[0].person: does not name a member"),
        ("application/aid_history/1/person", APPLICANT, "application.aid_history[1].person: has more than one entry"),
        ("application/aid_history/0/months_on_aid_in_row", -1, "application.aid_history[0].months_on_aid_in_row"),
        ("application/aid_history/0/months_on_aid_in_row", 1201, "application.aid_history[0].months_on_aid_in_row"),
        ("application/aid_history/0/months_on_aid_in_row", ...,
         "application.aid_history[0].months_on_aid_in_row: is required"),
        ("application/aid_history/0/jobbstimulans_first_month", "2021-13",
         "application.aid_history[0].jobbstimulans_first_month: must be a month"),
        ("application/aid_history/0/jobbstimulans_first_month", ...,
         "application.aid_history[0].jobbstimulans_first_month: is required when jobbstimulans_last_month"),
        ("application/aid_history/0/jobbstimulans_last_month", "2020-12",
         "application.aid_history[0].jobbstimulans_last_month: must not be before"),
        ("application/aid_history/0/jobbstimulans_last_month", "2023-04",
         "application.aid_history[0].jobbstimulans_last_month: must not be after the month applied for"),
        ("application/aid_history/1/jobbstimulans_first_month", "2023-04",
         "application.aid_history[1].jobbstimulans_first_month: must not be after the month applied for"),
        ("application/norm_adjustments/0/person", OUTSIDER,
         "application.norm_adjustments[0].person: does not name a member"),
        ("application/norm_adjustments/0/direction", "up", "application.norm_adjustments[0].direction"),
        ("application/norm_adjustments/0/reason", "diet", "application.norm_adjustments[0].reason"),
        ("application/norm_adjustments/0/description", "", "application.norm_adjustments[0].description"),
        ("application/norm_adjustments/0/description", ..., "application.norm_adjustments[0].description"),
        ("application/norm_adjustments/0/amount", ...,
         "application.norm_adjustments[0].amount: is required when direction is raise"),
        ("application/norm_adjustments/0/amount", "0",
         "application.norm_adjustments[0].amount: must be more than 0"),
        ("application/norm_adjustments/0/amount", 400, "application.norm_adjustments[0].amount: must be a string"),
        ("application/norm_adjustments/0/days", 3,
         "application.norm_adjustments[0].days: is allowed only when direction is lower"),
        ("application/norm_adjustments/0/reason", "hospital_stay",
         "application.norm_adjustments[0].reason: hospital_stay goes with direction lower only"),
        ("application/norm_adjustments/0/document", "ä", "application.norm_adjustments[0].document"),
        ("application/norm_adjustments/1/days", ...,
         "application.norm_adjustments[1].days: is required when direction is lower"),
        ("application/norm_adjustments/1/days", 0, "application.norm_adjustments[1].days"),
        ("application/norm_adjustments/1/days", 32, "application.norm_adjustments[1].days"),
        ("application/norm_adjustments/1/amount", "100",
         "application.norm_adjustments[1].amount: is allowed only when direction is raise"),
        ("application/norm_adjustments/1/reason", "special_diet",
         "application.norm_adjustments[1].reason: special_diet goes with direction raise only"),
        ("application/rent_above_guideline_notified_on", "2022-02-30",
         "application.rent_above_guideline_notified_on: must be a date"),
        ("application/rent_above_guideline_notified_on", "2022-12-15T00:00:00",
         "application.rent_above_guideline_notified_on: must be a date"),
        ("application/rent_above_guideline_notified_on", 20221215,
         "application.rent_above_guideline_notified_on: must be a date"),
        ("application/others_in_dwelling/0/kind", "lodger", "application.others_in_dwelling[0].kind"),
        ("application/others_in_dwelling/0/personnummer", PARTNER,
         "application.others_in_dwelling[0].personnummer: is a member of the household"),
        ("application/others_in_dwelling/0/personnummer", "12", "application.others_in_dwelling[0].personnummer"),
        ("application/others_in_dwelling/0/name", "", "application.others_in_dwelling[0].name"),
        ("application/others_in_dwelling", [{"kind": "other_adult"}] * 21, "application.others_in_dwelling"),
        ("application/labour_market/0/individual_plan", "yes", "application.labour_market[0].individual_plan"),
        ("application/previous_aid", {"consecutive_months": 2, "jobbstimulans_months_used": 0},
         "application.previous_aid: is replaced by application.aid_history"),
    ],
)
def test_each_new_fields_bad_value_is_named_by_its_path(path: str, value: Any, expected: str) -> None:
    errors = errors_of(edit(v2(), path, value))
    assert any(e.startswith(expected) for e in errors), errors


def test_a_child_cannot_live_in_the_household_more_days_than_february_has() -> None:
    data = edit(edit(v2(), "application/month", "2023-02"), "application/household/2/days_in_household", 29)
    data["application"]["submitted_at"] = "2023-01-20T08:00:00+01:00"
    data["application"]["aid_history"][0]["jobbstimulans_last_month"] = "2022-12"
    data["application"]["norm_adjustments"][1]["days"] = 28
    errors = errors_of(data)
    assert errors == ["application.household[2].days_in_household: must be at most 28, the days of the month "
                      "applied for"], errors


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        ("application/kind", "supplementary", "application.kind: supplementary finns bara i finaid.case-bundle/2"),
        ("application/household/0/name", "Anna", "application.household[0].name: finns bara"),
        ("application/household/2/days_in_household", 15, "application.household[2].days_in_household: finns bara"),
        ("application/costs/0/kind", "glasses", "application.costs[0].kind: glasses finns bara"),
        ("application/costs/0/kind", "after_school_fee", "application.costs[0].kind: after_school_fee finns bara"),
        ("application/costs/0/document", "bilaga-1", "application.costs[0].document: finns bara"),
        ("application/costs/0/person", APPLICANT, "application.costs[0].person: finns bara"),
        ("application/aid_history", [], "application.aid_history: finns bara"),
        ("application/norm_adjustments", [], "application.norm_adjustments: finns bara"),
        ("application/rent_above_guideline_notified_on", "2022-12-15",
         "application.rent_above_guideline_notified_on: finns bara"),
        ("application/others_in_dwelling", [], "application.others_in_dwelling: finns bara"),
        ("application/labour_market/0/individual_plan", "missing",
         "application.labour_market[0].individual_plan: finns bara"),
    ],
)
def test_a_v1_bundle_using_a_v2_field_or_value_is_refused(path: str, value: Any, expected: str) -> None:
    errors = errors_of(edit(v1(), path, value))
    assert expected in errors or any(e.startswith(expected) for e in errors), errors


def v1_cases() -> list[tuple[str, str]]:
    """(name, JSON) of the /1 bundles whose dumps were recorded with the /1-only model."""
    from adapters.devtools.synthetic import households
    from tests.caseload import seal
    from tests.strategies import random_bundles

    out = [(f"example:{f.name}", f.read_text(encoding="utf-8"))
           for f in sorted((ROOT / "examples" / "bundles").glob("*.json"))]
    out += [(f"synthetic:{i}", json.dumps(seal(h), ensure_ascii=False)) for i, h in enumerate(households(60, 7))]
    out += [(f"random:{i}", text) for i, text in enumerate(random_bundles(60, 4711))]
    return out


def dump_sha(bundle: CaseBundle) -> str:
    text = json.dumps(bundle.to_json_dict(), ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def test_v1_bundles_dump_exactly_as_before_v2() -> None:
    """Examples, synthetic and random /1 bundles dump to the same bytes as the /1-only model dumped them
    (recorded once in golden/bundle_v1_dumps.json): every stored seal hash stays valid."""
    expected = json.loads(DUMPS.read_text(encoding="utf-8"))
    cases = v1_cases()
    assert len(cases) == len(expected) > 100
    for name, text in cases:
        bundle = parse_bundle(text)
        assert bundle.version == 1
        assert expected[name] == dump_sha(bundle), name


def test_as_v2_maps_the_household_counters_to_each_adult() -> None:
    data = v1()
    data["application"]["previous_aid"] = {"consecutive_months": 30, "jobbstimulans_months_used": 4}
    mapped = as_v2(parse_bundle(json.dumps(data)))
    assert mapped.schema_ == BUNDLE_SCHEMA_V2
    history = mapped.application.aid_history
    assert history is not None
    assert [(h.person, h.months_on_aid_in_row, h.jobbstimulans_first_month, h.jobbstimulans_last_month)
            for h in history] == [(APPLICANT, 30, "2022-11", None), (PARTNER, 30, "2022-11", None)]
    # nothing else changes
    assert mapped.application.household == parse_bundle(json.dumps(data)).application.household
    assert mapped.application.norm_adjustments is None and mapped.application.others_in_dwelling is None
    # the mapped bundle is a valid /2 bundle
    assert parse_bundle(json.dumps(mapped.to_json_dict())).to_json_dict() == mapped.to_json_dict()


def test_as_v2_builds_the_same_aid_history_validation_would() -> None:
    """as_v2 builds each adult's aid_history unvalidated (decision/trusted.py): the very models validation gives."""
    from decision.bundle import AidHistory

    for used in (0, 4):
        data = v1()
        data["application"]["previous_aid"] = {"consecutive_months": 30, "jobbstimulans_months_used": used}
        history = as_v2(parse_bundle(json.dumps(data))).application.aid_history
        assert history
        for h in history:
            validated = AidHistory.model_validate(h.model_dump())
            assert h == validated
            assert h.model_fields_set == validated.model_fields_set
            assert h.model_dump(exclude_unset=True) == validated.model_dump(exclude_unset=True)


def test_as_v2_without_jobbstimulans_leaves_the_period_empty_and_keeps_v2_unchanged() -> None:
    mapped = as_v2(parse_bundle(EXAMPLE.read_bytes()))
    assert mapped.application.aid_history is not None
    assert {(h.months_on_aid_in_row, h.jobbstimulans_first_month) for h in mapped.application.aid_history} == {
        (2, None)
    }
    received = parse_bundle(json.dumps(v2()))
    assert as_v2(received) is received


def test_month_minus_crosses_years() -> None:
    assert month_minus("2023-03", 3) == "2022-12"
    assert month_minus("2023-03", 0) == "2023-03"
    assert month_minus("2023-03", 27) == "2020-12"


def test_the_schema_of_each_version() -> None:
    s2, s1 = json_schema(2), json_schema(1)
    assert s2["properties"]["schema"]["const"] == "finaid.case-bundle/2"
    assert s1["properties"]["schema"]["const"] == "finaid.case-bundle/1"
    app2, app1 = s2["$defs"]["Application"]["properties"], s1["$defs"]["Application"]["properties"]
    assert "aid_history" in app2 and "previous_aid" not in app2
    assert "aid_history" not in app1 and "previous_aid" in app1
    assert "supplementary" in app2["kind"]["enum"] and "supplementary" not in app1["kind"]["enum"]
    assert "glasses" in s2["$defs"]["CostKind"]["enum"] and "glasses" not in s1["$defs"]["CostKind"]["enum"]
    assert "name" not in s1["$defs"]["Member"]["properties"]
    with pytest.raises(ValueError):
        json_schema(3)


def test_the_cli_refuses_a_bad_v2_bundle_with_exit_2_naming_the_field(tmp_path: Path) -> None:
    import subprocess
    import sys

    bad = edit(v2(), "application/norm_adjustments/1/reason", "special_diet")
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad), encoding="utf-8")
    env = {"PATH": "/usr/bin:/bin", "FINAID_MODE": "demo", "FINAID_DB_URL": f"sqlite:///{tmp_path / 'f.db'}"}
    proc = subprocess.run([sys.executable, "-m", "adapters.driving.cli", "case", "decide", str(path)], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 2, proc.stderr
    assert "application.norm_adjustments[1].reason: special_diet goes with direction raise only" in proc.stderr
    assert "Exempel" not in proc.stderr and "Traceback" not in proc.stderr


def test_a_v1_bundle_relabelled_v2_is_refused_naming_the_schema_and_previous_aid() -> None:
    """The counterexample of test_properties' invalid bundles: a /1 bundle whose schema says /2 (its
    ``previous_aid`` does not exist in /2) — either the version or the field is wrong, so both are named."""
    errors = errors_of(edit(v1(), "schema", BUNDLE_SCHEMA_V2))
    assert any(e.startswith("schema: finaid.case-bundle/2 does not take application.previous_aid") for e in errors)
    assert any(e.startswith("application.previous_aid: is replaced by application.aid_history") for e in errors)
