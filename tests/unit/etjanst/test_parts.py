"""The application's parts (adapters/driving/etjanst/parts.py): one part read from a posted page leaves the other
parts as they were; a member moving out marks the household changed and asks for work and studies again; the
first part not yet confirmed; each problem on the part its field belongs to; a protected member found in the
registry answers; the rows a part is shown with."""

from __future__ import annotations

from adapters.driving.etjanst import forms, parts
from tests.integration.etjanst.kit import APPLICANT, PARTNER
from tests.unit.etjanst.test_forms import last


def draft() -> dict:  # type: ignore[type-arg]
    data = forms.prefill(last(), APPLICANT)
    parts.confirm(data, "household", "labour_market")
    return data


def household_form(data: dict, keep_partner: bool) -> dict[str, str]:  # type: ignore[type-arg]
    posted: dict[str, str] = {}
    for i, m in enumerate(data["household"]):
        posted |= {f"household-{i}-personnummer": m["personnummer"], f"household-{i}-role": m["role"],
                   f"household-{i}-listed": "1", f"household-{i}-keep": "on"}
        if m["personnummer"] == PARTNER and not keep_partner:
            posted[f"household-{i}-keep"] = "off"
    return posted


def test_one_part_is_read_and_the_others_are_kept() -> None:
    before = draft()
    form = {"incomes-0-person": APPLICANT, "incomes-0-kind": "salary", "incomes-0-amount": "åtta"}
    data = parts.read_part(form, before, parts.BY_SLUG["inkomster"])
    assert data["incomes"] == [{"person": APPLICANT, "kind": "salary", "amount": "åtta",  # as typed
                               "year_to_date": ""}]
    for section in ("household", "costs", "assets", "labour_market"):
        assert data[section] == before[section] and data[section]
    assert parts.confirmed(data) == {"household", "labour_market"}


def test_a_member_moving_out_changes_the_household_and_reopens_work_and_studies() -> None:
    before = draft()
    same = parts.read_part(household_form(before, keep_partner=True), before, parts.BY_SLUG["hushall"])
    assert same["household_changed"] is False and parts.confirmed(same) == {"household", "labour_market"}
    moved = parts.read_part(household_form(before, keep_partner=False), before, parts.BY_SLUG["hushall"])
    assert moved["household_changed"] is True
    assert PARTNER not in {m["personnummer"] for m in parts.people_of(moved)}
    assert parts.confirmed(moved) == {"household"}
    assert [r["person"] for r in parts.rows_of(moved)["labour_market"]] == [APPLICANT, PARTNER]  # the drafts'
    assert parts.first_unconfirmed(moved) == parts.BY_SLUG["inkomster"]


def test_the_order_of_the_parts_and_where_each_problem_is_shown() -> None:
    assert [p.slug for p in parts.PARTS] == ["hushall", "inkomster", "kostnader", "tillgangar", "arbetsmarknad"]
    assert [p.section for p in parts.PARTS] == list(forms.SECTIONS)
    data = draft()
    assert parts.first_unconfirmed(data) == parts.BY_SLUG["inkomster"]
    parts.confirm(data, *forms.SECTIONS)
    assert parts.first_unconfirmed(data) is None
    errors = {"costs-1-amount": "x", "kind": "y", "labour_market-0-status": "z"}
    assert parts.errors_of(parts.BY_SLUG["kostnader"], errors) == {"costs-1-amount": "x"}
    assert parts.errors_of(parts.BY_SLUG["hushall"], errors) == {"kind": "y"}
    assert parts.neighbours(parts.BY_SLUG["hushall"]) == (None, parts.BY_SLUG["inkomster"])
    assert parts.number(parts.BY_SLUG["arbetsmarknad"]) == 5


def test_a_protected_member_is_found_and_amounts_read_back_in_swedish() -> None:
    b = last()
    assert forms.protected_of(b) == set()
    b["registry"].append({"source": "skatteverket", "person": PARTNER, "status": "ok",
                          "fetched_at": "2023-02-23T02:10:11+01:00", "request_id": "x",
                          "facts": [{"kind": "protected_identity", "value": True}]})
    assert forms.protected_of(b) == {PARTNER}
    assert parts.kronor("8200.00") == "8\u00a0200\u00a0kr" and parts.kronor("8 300,50") == "8\u00a0300,50\u00a0kr"
    assert parts.kronor("åtta") == "åtta"
