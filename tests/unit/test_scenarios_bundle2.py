"""Case bundle /2 on the rules side (issue 15): which packs take it, the decision basis /2, replay.

The boundary scenarios themselves are the packs' own ``tests/bundle2.yaml`` (run by test_scenarios.py);
this module checks what a scenario cannot: the refusal by the older packs, the /2 basis's own parts,
that a /1 basis carries none of them, that deciding again with the pinned pack gives the same bytes,
and that the activity-requirement draft is never selected.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest

from adapters.driving.lifecycle.scenario_builder import build_bundle_json
from decision.basis import BASIS2_FIELDS, build_basis
from decision.errors import InputError
from decision.ports import EarlierDecision
from decision.validation import parse_bundle
from rules.catalog import Catalog
from rules.evaluator import PackEvaluator

V3_DAY = date(2026, 12, 4)
V2_DAY = date(2026, 12, 3)
CET = timezone(timedelta(hours=1))


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog()


@pytest.fixture(scope="module")
def evaluator(catalog: Catalog) -> PackEvaluator:
    return PackEvaluator(catalog)


def _bundle(**given: Any) -> Any:
    base: dict[str, Any] = {
        "schema": 2,
        "month": "2026-03",
        "household": [{"role": "applicant", "age": 40, "name": "Testa Testsson"}, {"role": "child", "age": 8}],
        "costs": [{"kind": "rent", "amount": "5000"}],
    }
    base.update(given)
    return parse_bundle(build_bundle_json(base))


def test_a_pack_without_accepts_bundles_refuses_a_v2_bundle_naming_the_pack(
    catalog: Catalog, evaluator: PackEvaluator
) -> None:
    bundle = _bundle()
    with pytest.raises(InputError) as e:
        evaluator.evaluate(bundle, as_of=V2_DAY)  # selects sol2025_400_v2
    text = str(e.value)
    assert "finaid.case-bundle/2 tas inte emot av regelpaketet sol2025_400_v2" in text
    assert "(tar emot finaid.case-bundle/1)" in text
    assert e.value.errors[0].path == "schema"
    with pytest.raises(InputError, match="sol2001_453_v1"):
        evaluator.evaluate(_bundle(month="2024-03"), pack_hash=catalog.packs["sol2001_453_v1"].hash,
                           guideline_hash=catalog.guidelines["default_v1"].hash)
    assert not catalog.packs["sol2025_400_v2"].accepts("finaid.case-bundle/2")
    assert catalog.packs["sol2025_400_v3"].accepts("finaid.case-bundle/1")


def test_the_v3_packs_are_selected_from_2026_12_04_and_write_basis_2(evaluator: PackEvaluator) -> None:
    for month, pack in (("2026-03", "sol2025_400_v3"), ("2024-03", "sol2001_453_v3")):
        bundle = _bundle(month=month)
        ev = evaluator.evaluate(bundle, as_of=V3_DAY)
        basis = build_basis(bundle, ev)
        assert (basis.rules.pack, basis.guideline.id) == (pack, "default_v3")
        data = basis.to_json_dict()
        assert data["schema"] == "finaid.decision-basis/2"
        assert data["names"] == [{"person": "applicant", "name": "Testa Testsson"}]
        assert data["earlier_decision"] is None and data["difference"] is None and data["norm_adjustments"] == []


def test_a_v1_basis_has_none_of_the_v2_keys(evaluator: PackEvaluator) -> None:
    bundle = parse_bundle(build_bundle_json({"month": "2026-03", "household": [{"role": "applicant", "age": 40}]}))
    basis = build_basis(bundle, evaluator.evaluate(bundle, as_of=V2_DAY))
    data = basis.to_json_dict()
    assert data["schema"] == "finaid.decision-basis/1"
    assert not set(BASIS2_FIELDS) & set(data)
    assert list(data) == ["schema", "application_id", "month", "rules", "guideline", "outcome", "amounts",
                          "lines", "facts", "findings"]


def _earlier(total: str) -> EarlierDecision:
    return EarlierDecision("DEC-1", "2026-03", int(float(total) * 100), datetime(2026, 3, 2, 10, 0, tzinfo=CET))


@pytest.mark.parametrize(("earlier", "proposed", "difference"), [("9000", "1220.00", "1220.00"),
                                                                 ("12000", "0.00", "-1780.00")])
def test_a_supplement_shows_the_earlier_decision_and_the_difference(
    evaluator: PackEvaluator, earlier: str, proposed: str, difference: str
) -> None:
    bundle = _bundle(kind="supplementary", household=[{"role": "applicant", "age": 40}])
    ev = evaluator.evaluate(bundle, as_of=V3_DAY, earlier=_earlier(earlier))
    basis = build_basis(bundle, ev)
    assert basis.outcome == "MANUAL" and basis.amounts.proposed == proposed
    assert basis.difference == difference  # the recomputed month (10 220 kr) minus the signed total
    assert basis.earlier_decision is not None
    assert basis.earlier_decision.decision_id == "DEC-1"
    assert basis.earlier_decision.total == f"{earlier}.00"
    assert basis.earlier_decision.signed_at == "2026-03-02T10:00:00+01:00"
    assert "earlier:/decision" in [f.id for f in basis.facts]


def test_a_supplement_without_a_signed_decision_is_refused_naming_application_kind(evaluator: PackEvaluator) -> None:
    with pytest.raises(InputError) as e:
        evaluator.evaluate(_bundle(kind="supplementary"), as_of=V3_DAY)
    assert e.value.errors[0].path == "application.kind"


def test_a_norm_adjustment_shows_the_proposal_with_and_without_it(evaluator: PackEvaluator) -> None:
    bundle = _bundle(
        household=[{"role": "applicant", "age": 40}],
        norm_adjustments=[{"person": 0, "direction": "raise", "reason": "special_diet",
                           "description": "glutenfri kost", "amount": "500"}],
    )
    basis = build_basis(bundle, evaluator.evaluate(bundle, as_of=V3_DAY))
    assert basis.outcome == "MANUAL" and basis.amounts.proposed == "10220.00"
    assert basis.norm_adjustments is not None
    [adj] = [a.model_dump() for a in basis.norm_adjustments]
    assert adj == {"person": "applicant", "direction": "raise", "adjustment": "500.00",
                   "proposed_without": "10220.00", "proposed_with": "10720.00"}


def test_deciding_again_with_the_pinned_pack_and_the_same_earlier_decision_is_byte_identical(
    catalog: Catalog, evaluator: PackEvaluator
) -> None:
    bundle = _bundle(kind="supplementary", costs=[{"kind": "medical_care", "amount": "300", "document": "B-1"}],
                     aid_history=[{"person": 0, "in_row": 8, "first": "2025-12"}],
                     incomes=[{"person": 0, "kind": "salary", "amount": "2000"}])
    first = build_basis(bundle, evaluator.evaluate(bundle, as_of=V3_DAY, earlier=_earlier("3000")))
    again = build_basis(bundle, PackEvaluator(catalog).evaluate(
        bundle, first.rules.hash, first.guideline.hash, earlier=_earlier("3000")))
    assert again.canonical_json() == first.canonical_json()


def test_the_activity_requirement_is_a_draft_that_is_never_selected(catalog: Catalog) -> None:
    assert "activity_requirement_2026_v1" in catalog.draft_folders()
    assert "activity_requirement_2026_v1" not in catalog.packs
    draft = catalog.draft_pack("activity_requirement_2026_v1")
    assert draft.legal_ref_at("activity", date(2026, 10, 1)).status.value == "proposed"  # type: ignore[union-attr]
    assert catalog.pack_for("2026-10", V3_DAY).id == "sol2025_400_v3"
    assert catalog.pack_for("2026-10", date(2027, 6, 1)).id == "sol2025_400_v4"  # issue 17: v3's rules, subject facts


def test_the_html_beslutsunderlag_shows_the_v2_parts_in_swedish(evaluator: PackEvaluator) -> None:
    from adapters.driven.render.html import render_stored_basis_html

    bundle = _bundle(
        kind="supplementary", household=[{"role": "applicant", "age": 40, "name": "Testa Testsson"}],
        norm_adjustments=[{"person": 0, "direction": "lower", "reason": "hospital_stay", "description": "sjukhus",
                           "days": 10}],
    )
    basis = build_basis(bundle, evaluator.evaluate(bundle, as_of=V3_DAY, earlier=_earlier("9000")))
    html = render_stored_basis_html(bundle, basis).replace("\u00a0", " ")
    assert "Tilläggsansökan, inkom" in html and "Testa Testsson" in html
    assert "Redan beslutat för månaden (beslut DEC-1, undertecknat 2026-03-02 10:00 CET)" in html
    assert "Skillnad mellan månadens nya beräkning och det redan beslutade" in html
    # 3 940 × 10/31 = 1 270.97 → 1 271 kr; proposal 10 220 − 9 000 = 1 220 kr, with the lowering 0 kr
    assert "Sänkt norm −1 271 kr" in html
    assert "<td class=\"num\">1 220 kr</td><td class=\"num\">0 kr</td>" in html


def test_a_protected_persons_name_is_not_in_the_beslutsunderlag(evaluator: PackEvaluator) -> None:
    from adapters.driven.render.html import render_stored_basis_html

    bundle = _bundle(household=[{"role": "applicant", "age": 40, "name": "Hemlig Person"}])
    registry = [e.model_copy(update={"facts": [f.model_copy(update={"value": True}) for f in e.facts]})
                if e.source.value == "skatteverket" else e for e in bundle.registry or []]
    bundle = bundle.model_copy(update={"registry": registry})
    basis = build_basis(bundle, evaluator.evaluate(bundle, as_of=V3_DAY))
    assert any(f.code == "identity.protected" for f in basis.findings)
    assert "Hemlig Person" not in render_stored_basis_html(bundle, basis)
