"""Names (case bundle /2): the letter's addressee is the applicant's name only when no one in the household
has a protected identity; a protected identity's letter has neither the name nor an address."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from adapters.driven.letters.letters import ConfiguredParticulars
from decision.validation import parse_bundle

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "bundles"


def case(protected_fact: bool) -> Any:
    data = json.loads(next(EXAMPLES.glob("01*.json")).read_text(encoding="utf-8"))
    data["schema"] = "finaid.case-bundle/2"
    data["application"].pop("previous_aid")
    data["application"]["household"][0]["name"] = "Anna Exempel"
    data["registry"][1]["facts"] = [{"kind": "protected_identity", "value": protected_fact}]
    bundle = parse_bundle(json.dumps(data))
    return SimpleNamespace(app=SimpleNamespace(id="APP-1", municipality="1287", protected=False), bundle=bundle)


def test_the_applicants_name_is_the_addressee() -> None:
    p = ConfiguredParticulars("Socialnämnden", {"1287": "Höganäs"}, demo=True).for_case(case(False))
    assert p.addressee == "Anna Exempel" and p.address and not p.protected


def test_a_protected_identity_letter_has_no_name_and_no_address() -> None:
    p = ConfiguredParticulars("Socialnämnden", {"1287": "Höganäs"}, demo=True).for_case(case(True))
    assert "Anna" not in p.addressee and p.address == () and p.protected


def test_the_case_page_shows_names_except_for_a_protected_identity(pipeline: Any) -> None:
    """The case page's view (adapters/driving/web/views/case_view.py) puts each member's name beside the role
    label; for a protected identity no name at all. Who may open the page at all is scope.py's."""
    from datetime import date

    from adapters.driving.web.views.case_view import case_view

    for protected, expected in ((False, "Anna Exempel"), (True, None)):
        c = case(protected)
        decided = pipeline.evaluate(c.bundle, as_of=date(2026, 12, 4))
        view = case_view(SimpleNamespace(app=c.app, bundle=c.bundle, basis=decided.basis), [])  # type: ignore[arg-type]
        label, _age, name = view["members"][0]
        assert label == "applicant" and name == expected
        assert all(m[2] is None for m in view["members"][1:]) or not protected


def test_the_decision_basis_names_no_one_in_a_household_with_a_protected_identity(pipeline: Any) -> None:
    """The /2 basis (shown to handlers, rendered to HTML/PDF) carries the members' names, except when a
    registry answer says someone in the household has a protected identity: then no name at all."""
    from datetime import date

    from adapters.driven.render.html import render_stored_basis_html

    for protected in (False, True):
        c = case(protected)
        basis = pipeline.evaluate(c.bundle, as_of=date(2026, 12, 4)).basis
        data = basis.to_json_dict()
        assert data["schema"] == "finaid.decision-basis/2"
        html = render_stored_basis_html(c.bundle, basis)
        if protected:
            assert data["names"] == [] and "Anna Exempel" not in basis.to_json()
            assert "Anna Exempel" not in html
        else:
            assert data["names"] == [{"person": "applicant", "name": "Anna Exempel"}]
