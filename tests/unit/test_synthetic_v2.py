"""The seeded generator's /2 households: valid, deterministic, the same people as /1, every /2 part used."""

from __future__ import annotations

import json

from adapters.devtools.synthetic import generate
from adapters.devtools.synthetic_v2 import PARTS, generate_v2, households_v2, part_of, supplementary_of
from decision.bundle_parts import V2_ONLY_COST_KINDS
from decision.validation import parse_bundle

N, SEED = 90, 11


def test_every_v2_household_is_a_valid_v2_bundle_with_the_same_people_as_v1() -> None:
    v1, v2 = generate(N, SEED), generate_v2(N, SEED)
    for one, two in zip(v1, v2, strict=True):
        bundle = parse_bundle(json.dumps(two))
        assert bundle.version == 2 and "previous_aid" not in two["application"]
        assert [m["personnummer"] for m in one["application"]["household"]] == [
            m.personnummer for m in bundle.application.household]
        assert all(m.name for m in bundle.application.household)
        assert bundle.application.aid_history
    assert generate_v2(N, SEED) == v2  # deterministic
    assert generate(N, SEED) == v1  # the /1 stream is untouched


def test_every_part_of_v2_is_used() -> None:
    apps = [b["application"] for b in generate_v2(N, SEED)]
    costs = [c for a in apps for c in a["costs"]]
    assert {c["kind"] for c in costs} >= set(V2_ONLY_COST_KINDS)
    assert any(c["kind"] in V2_ONLY_COST_KINDS and "document" not in c for c in costs)  # one undocumented
    assert any(m.get("days_in_household") for a in apps for m in a["household"])
    assert any(h.get("jobbstimulans_last_month") for a in apps for h in a["aid_history"])
    # a couple where only the applicant has a jobbstimulans period (the partner joined later)
    assert any(len(a["aid_history"]) == 2 and a["aid_history"][0].get("jobbstimulans_first_month")
               and not a["aid_history"][1].get("jobbstimulans_first_month") for a in apps)
    adjustments = [x for a in apps for x in a.get("norm_adjustments", [])]
    assert {x["direction"] for x in adjustments} == {"raise", "lower"}
    notices = [a for a in apps if a.get("rent_above_guideline_notified_on")]
    assert len(notices) >= 2
    assert any(o["kind"] == "young_adult_separate_household" for a in apps for o in a.get("others_in_dwelling", []))
    assert any(lm.get("individual_plan") for a in apps for lm in a["labour_market"])
    for start in range(N - 11):  # any 11 households in a row use every part
        assert {part_of(i) for i in range(start, start + 11)} == set(PARTS)


def test_a_supplementary_application_is_its_own_application() -> None:
    h = households_v2(3, SEED)[1]
    sup = parse_bundle(json.dumps(supplementary_of(h)))
    assert sup.application.kind == "supplementary"
    assert sup.application.id != h.bundle["application"]["id"] and sup.application.month == h.bundle[
        "application"]["month"]
