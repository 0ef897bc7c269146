"""The one seeded generator: deterministic, prefix-stable, valid bundles, every shape and income kind."""

from __future__ import annotations

import json
from collections import Counter

from adapters.devtools import synthetic
from decision import personnummer as pnr
from decision.bundle import IncomeKind, Role
from decision.validation import parse_bundle


def test_the_same_seed_gives_the_same_households_and_a_prefix_is_stable() -> None:
    assert synthetic.generate(20, 3) == synthetic.generate(20, 3)
    assert synthetic.generate(45, 3)[:20] == synthetic.generate(20, 3)
    assert synthetic.generate(20, 3) != synthetic.generate(20, 4)


def test_every_bundle_is_valid_and_every_member_is_in_the_sandbox_population() -> None:
    bundles = synthetic.generate(150, 1)
    people = synthetic.population(150, 1)
    for b in bundles:
        parsed = parse_bundle(json.dumps(b))
        assert parsed.registry is None
        assert all(m.personnummer in people for m in parsed.application.household)
    numbers = [m["personnummer"] for b in bundles for m in b["application"]["household"]]
    assert len(numbers) == len(set(numbers))  # no person in two households
    assert all(pnr.normalise(n) == n for n in numbers)  # valid dates and check digits


def test_shapes_kinds_identities_and_permits_all_occur() -> None:
    hs = synthetic.households(len(synthetic.ARCHETYPES), 1)
    assert [h.archetype for h in hs] == list(synthetic.ARCHETYPES)
    roles = Counter(tuple(sorted(m["role"] for m in h.bundle["application"]["household"])) for h in hs)
    assert ("applicant",) in roles and ("applicant", "partner") in roles
    assert any(Role.CHILD.value in r and "partner" in r for r in roles)
    reported = {b.kind.value for h in hs for p in h.people for b in p.benefits}
    declared = {i["kind"] for h in hs for i in h.bundle["application"]["incomes"]}
    assert reported | declared == {k.value for k in IncomeKind}  # every income kind occurs
    assert reported == {k.value for k in IncomeKind} - {"other"}  # … and every registry-backed one
    people = [p for h in hs for p in h.people]
    assert any(p.protected for p in people)
    assert any(not p.known for p in people)
    assert any(int(p.personnummer[6:8]) > 60 for p in people)  # a samordningsnummer
    assert {(pm.permanent, pm.granted) for p in people for pm in p.permits} >= {(True, True), (False, True),
                                                                                 (False, False)}
    assert any(m.get("attends_school") for h in hs for m in h.bundle["application"]["household"])


def test_names_are_from_the_fictitious_list_and_never_in_a_bundle() -> None:
    hs = synthetic.households(30, 2)
    assert all(p.first_name in synthetic.FIRST_NAMES and p.last_name in synthetic.LAST_NAMES
               for h in hs for p in h.people)
    text = json.dumps([h.bundle for h in hs], ensure_ascii=False)
    assert not any(name in text for name in synthetic.LAST_NAMES)
