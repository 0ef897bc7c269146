"""A continued application prefilled from the household's last one and sent unchanged carries every part the
form carries: for each example household (examples/bundles, /1, and examples/bundles-v2, /2) and the synthetic
/1 and /2 households, prefill a draft, post it as the form shows it (hidden members, ticked boxes, selected
options, the amounts as displayed), read it back with ``forms.read_form``, turn it into a bundle with
``forms.to_bundle`` and compare its parts with the source's.

Deliberately not carried (docs/etjanst.md, "Continued application"), so left out of the comparison:

* ``id``, ``submitted_at``, ``kind``, ``month``: the new application's own;
* ``household_changed``: the applicant's answer for the new month (computed from the "lives here" boxes);
* a cost's ``document``: last month's receipts do not document this month's costs (attach new ones);
* ``norm_adjustments``: a raised or lowered norm is asked for month by month with its certificate (the form
  cannot show it, so it is never sent unseen);
* ``registry``: the night asks the registries again;
* a member with a protected identity and everything that is theirs (never shown in a prefill to anyone but
  themselves: example 09's applicant has a protected identity and sees her own household).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from adapters.devtools.synthetic import generate
from adapters.devtools.synthetic_v2 import generate_v2
from adapters.driving.etjanst import forms
from decision.validation import parse_bundle

ROOT = Path(__file__).resolve().parents[3]
AT = datetime(2026, 12, 3, 9, tzinfo=UTC)
NOT_CARRIED = ("id", "submitted_at", "kind", "month", "household_changed", "norm_adjustments")


def sources() -> list[tuple[str, dict[str, Any]]]:
    out = [(p.name, json.loads(p.read_text())) for p in sorted((ROOT / "examples" / "bundles").glob("*.json"))]
    out += [(p.name, json.loads(p.read_text())) for p in sorted((ROOT / "examples" / "bundles-v2").glob("*.json"))]
    out += [(f"synthetic-{i}", b) for i, b in enumerate(generate(30, 7))]
    out += [(f"synthetic_v2-{i}", b) for i, b in enumerate(generate_v2(44, 7))]  # every /2 part four times
    return out


def posted(data: dict[str, Any]) -> dict[str, str]:
    """The fields a browser posts for the draft shown unchanged (as templates/apply.html writes them)."""
    out: dict[str, str] = {}
    for i, m in enumerate(data["household"]):
        out |= {f"household-{i}-personnummer": m["personnummer"], f"household-{i}-role": m["role"],
                f"household-{i}-listed": "1"}
        if m.get("keep", True) and m["role"] != "applicant":
            out[f"household-{i}-keep"] = "on"
        for box in ("attends_school", "preschool_lunch"):
            if m.get(box) and m["role"] == "child":
                out[f"household-{i}-{box}"] = "on"
    for section in ("incomes", "costs", "assets", "labour_market"):
        rows = [*data[section], *[{}] * (forms.EXTRA_ROWS if section != "labour_market" else 0)]
        for i, r in enumerate(rows):
            for name in forms.FIELDS[section]:
                out[forms.field_name(section, i, name)] = str(r.get(name) or "")
    return out


def wire(bundle: dict[str, Any]) -> dict[str, Any]:
    """A bundle's application in its normalised wire form (kronor strings, 12-digit personnummer)."""
    return parse_bundle(json.dumps(bundle)).to_json_dict()["application"]


def expected(source: dict[str, Any], v2: bool) -> dict[str, Any]:
    app = wire(source)
    applicant = next(m["personnummer"] for m in app["household"] if m["role"] == "applicant")
    protected = {e["person"] for e in source.get("registry") or [] for f in e.get("facts", [])
                 if f.get("kind") == "protected_identity" and f.get("value")} - {applicant}  # one sees oneself
    people = {m["personnummer"] for m in app["household"]} - protected
    out = {k: v for k, v in app.items() if k not in NOT_CARRIED}
    out["household"] = [m for m in app["household"] if m["personnummer"] in people]
    for part in ("incomes", "assets", "labour_market"):
        out[part] = [r for r in app.get(part, []) if r["person"] in people]
    out["costs"] = [{k: v for k, v in c.items() if k != "document" and (k != "person" or v in people)}
                    for c in app.get("costs", [])]
    if "aid_history" in out:
        out["aid_history"] = [a for a in out["aid_history"] if a["person"] in people]
    if "others_in_dwelling" in out:
        out["others_in_dwelling"] = [o for o in out["others_in_dwelling"] if o.get("personnummer") not in protected]
    if not v2:  # a /1 application has no /2 parts
        for m in out["household"]:
            m.pop("name", None), m.pop("days_in_household", None)
    return out


def sent(source: dict[str, Any], v2: bool) -> dict[str, Any]:
    app = source["application"]
    applicant = next(m["personnummer"] for m in app["household"] if m["role"] == "applicant")
    draft = forms.prefill(source, applicant)
    data = forms.read_form(posted(draft), draft)
    bundle, errors = forms.to_bundle(data, application_id="ET-1", municipality=app["municipality"],
                                     month=app["month"], kind="reapplication", submitted_at=AT, v2=v2)
    assert errors == {} and bundle is not None, errors
    if source["schema"].endswith("/2"):  # a /2 household stays /2 (its /2 parts are carried)
        assert bundle.version == 2
    got = bundle.to_json_dict()["application"]
    return {k: v for k, v in got.items() if k not in NOT_CARRIED}


@pytest.mark.parametrize(("name", "source"), sources(), ids=lambda x: x if isinstance(x, str) else "")
def test_a_prefilled_application_sent_unchanged_carries_every_part(name: str, source: dict[str, Any]) -> None:
    v2 = source["schema"].endswith("/2")
    got, want = sent(source, v2), expected(source, v2)
    assert got == want, name


@pytest.mark.parametrize("name", [p.name for p in sorted((ROOT / "examples" / "bundles").glob("*.json"))])
def test_a_v1_household_sent_as_v2_keeps_its_parts_and_maps_previous_aid(name: str) -> None:
    source = json.loads((ROOT / "examples" / "bundles" / name).read_text())
    got, want = sent(source, True), expected(source, False)
    aid = got.pop("aid_history", None)
    want.pop("previous_aid", None)
    got.pop("previous_aid", None)
    assert got == want
    previous = source["application"].get("previous_aid")
    if previous and aid:  # as decision.bundle_v2.as_v2 maps it, one entry per adult
        assert {a["months_on_aid_in_row"] for a in aid} == {previous.get("consecutive_months", 0)}
