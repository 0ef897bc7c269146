"""The application form's data: prefilled from the household's last application without a protected member, read
back as typed, turned into a case bundle with each problem named by its form field, /1 or /2 as the month's pack
takes, and /1's previous_aid mapped to /2's aid history as decision.bundle_v2.as_v2 maps it."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from adapters.driving.etjanst import forms
from tests.integration.etjanst.kit import APPLICANT, PARTNER

ROOT_EXAMPLE = "examples/bundles/01-worked-example-couple-two-children.json"
AT = datetime(2026, 12, 3, 9, tzinfo=UTC)


def last() -> dict:  # type: ignore[type-arg]
    from pathlib import Path

    return json.loads((Path(__file__).resolve().parents[3] / ROOT_EXAMPLE).read_text())


def bundle(data: dict, v2: bool, kind: str = "reapplication"):  # type: ignore[no-untyped-def,type-arg]
    return forms.to_bundle(data, application_id="ET-1", municipality="1287", month="2026-12", kind=kind,
                           submitted_at=AT, v2=v2)


def test_prefill_leaves_out_a_protected_member_and_what_is_theirs() -> None:
    b = last()
    b["registry"].append({"source": "skatteverket", "person": PARTNER, "status": "ok",
                          "fetched_at": "2023-02-23T02:10:11+01:00", "request_id": "x",
                          "facts": [{"kind": "protected_identity", "value": True}]})
    data = forms.prefill(b, APPLICANT)
    assert PARTNER not in {m["personnummer"] for m in data["household"]}
    assert all(i["person"] != PARTNER for i in data["incomes"])
    assert all(lm["person"] != PARTNER for lm in data["labour_market"])


def test_a_partner_starting_the_next_application_becomes_its_applicant() -> None:
    data = forms.prefill(last(), PARTNER)
    roles = {m["personnummer"]: m["role"] for m in data["household"]}
    assert roles[PARTNER] == "applicant" and roles[APPLICANT] == "partner"


def test_errors_are_named_by_their_form_fields_and_amounts_read_as_swedes_write_them() -> None:
    data = forms.prefill(last(), APPLICANT)
    data["costs"][0]["amount"] = "8 200,50"
    data["incomes"][0]["amount"] = "tolv tusen"
    data["incomes"][1]["person"] = "190001010000"
    got, errors = bundle(data, v2=False)
    assert got is None and set(errors) == {"incomes-0-amount", "incomes-1-person"}
    data["incomes"][0]["amount"], data["incomes"][1]["person"] = "12000", APPLICANT
    got, errors = bundle(data, v2=False)
    assert errors == {} and got is not None and got.schema_ == "finaid.case-bundle/1"
    assert got.application.costs[0].amount == 820050


def test_v2_carries_documents_and_maps_previous_aid_to_aid_history() -> None:
    data = forms.prefill(last(), APPLICANT)
    data["costs"][0]["document"] = "01JATTACHMENT000000000000A"
    got, errors = bundle(data, v2=True)
    assert errors == {} and got is not None and got.schema_ == "finaid.case-bundle/2"
    assert got.application.costs[0].document == "01JATTACHMENT000000000000A"
    assert [(a.person, a.months_on_aid_in_row) for a in got.application.aid_history or []] == [
        (APPLICANT, 2), (PARTNER, 2)]
    v1, _ = bundle(data, v2=False)
    assert v1 is not None and v1.schema_ == "finaid.case-bundle/1"  # the document stays outside a /1 bundle


def test_a_supplementary_application_needs_a_pack_that_takes_v2() -> None:
    data = forms.prefill(last(), APPLICANT)
    got, errors = bundle(data, v2=False, kind="supplementary")
    assert got is None and "kind" in errors
    got, errors = bundle(data, v2=True, kind="supplementary")
    assert errors == {} and got is not None and got.application.kind == "supplementary"


def test_a_documents_hash_is_part_of_the_revision_so_adding_only_a_document_is_a_new_revision() -> None:
    """A komplettering that only adds a document: the same form, the same time — the cost now names the
    attachment with its sha256, so the bundle's content hash differs and the intake stores a new revision."""
    from decision.services.intake import bundle_hash, receive
    from tests.unit.services.fakes import FakeUnitOfWork

    data = forms.prefill(last(), APPLICANT)
    before, _ = bundle(data, v2=True)
    sha = "ab" * 32
    data["costs"][0]["document"] = "01JATTACHMENT000000000000A"
    after, errors = forms.to_bundle(data, application_id="ET-1", municipality="1287", month="2026-12",
                                    kind="reapplication", submitted_at=AT, v2=True,
                                    documents={"01JATTACHMENT000000000000A": sha})
    assert errors == {} and before is not None and after is not None
    assert after.application.costs[0].document == f"01JATTACHMENT000000000000A:sha256:{sha}"
    assert bundle_hash(after) != bundle_hash(before)
    # another file under the same attachment id would be yet another revision: the hash, not the id, counts
    other, _ = forms.to_bundle(data, application_id="ET-1", municipality="1287", month="2026-12",
                               kind="reapplication", submitted_at=AT, v2=True,
                               documents={"01JATTACHMENT000000000000A": "cd" * 32})
    assert other is not None and bundle_hash(other) not in {bundle_hash(before), bundle_hash(after)}
    uow = FakeUnitOfWork()
    first = receive(uow, before, "etjanst:test", AT)
    again = receive(uow, before, "etjanst:test", AT)
    second = receive(uow, after, "etjanst:test", AT)
    assert not again.created and second.created and second.revision_id != first.revision_id
    assert len(uow.committed.revisions) == 2
