"""Every file of an application in its bundle (docs/etjanst.md, "Attachments"): a sent draft lists all its files in
``application.attachments`` (those attached to no cost too), an answer to a komplettering lists all the
application's files, so an answer that only adds a file is a new revision by content — and a re-send without a new
file differs from the revision before only by the time of the answer, as it always has."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta

from adapters.driving.etjanst import forms, forms_files
from decision.bundle_parts import ATTACHMENT_LABEL_MAX
from decision.services.intake import bundle_hash
from decision.validation import parse_bundle
from tests.integration.etjanst.kit import APPLICANT, PARTNER
from tests.unit.etjanst.test_forms import AT, bundle, last


@dataclass(frozen=True)
class Row:  # what the e-service's store gives (adapters/driven/db/etjanst_files.py AttachmentRow)
    id: str
    sha256: str
    media_type: str
    size: int
    label: str | None


RECEIPT = Row("01JATTACHMENT000000000000A", hashlib.sha256(b"a").hexdigest(), "image/png", 912, "Kvitto\tbuss")
PAYSLIP = Row("01JATTACHMENT000000000000B", hashlib.sha256(b"b").hexdigest(), "application/pdf", 40_000, None)


def current_v1() -> dict:  # type: ignore[type-arg]
    """Example 01's newest revision as the store gives it back (a /1 bundle, registry answers included)."""
    return last()


def test_labels_are_cleaned_for_the_bundle() -> None:
    assert forms_files.bundle_label(" Hyra\n  januari\u0000 ") == "Hyra januari"
    assert forms_files.bundle_label("\n\t") is None and forms_files.bundle_label(None) is None
    assert len(forms_files.bundle_label("x" * 500) or "") == ATTACHMENT_LABEL_MAX
    assert forms_files.attachment_entries([RECEIPT, PAYSLIP]) == [
        {"id": RECEIPT.id, "sha256": RECEIPT.sha256, "media_type": "image/png", "size": 912, "label": "Kvitto buss"},
        {"id": PAYSLIP.id, "sha256": PAYSLIP.sha256, "media_type": "application/pdf", "size": 40_000},
    ]


def test_a_sent_draft_lists_every_file_even_one_attached_to_no_cost() -> None:
    data = forms.prefill(last(), APPLICANT)
    data["costs"][0]["document"] = RECEIPT.id
    files = forms_files.attachment_entries([RECEIPT, PAYSLIP])  # the payslip belongs to no cost
    got, errors = forms.to_bundle(data, application_id="ET-1", municipality="1287", month="2026-12",
                                  kind="reapplication", submitted_at=AT, v2=True, files=files)
    assert errors == {} and got is not None and got.version == 2
    assert [a.id for a in got.application.attachments or []] == [RECEIPT.id, PAYSLIP.id]
    assert got.application.costs[0].document == f"{RECEIPT.id}:sha256:{RECEIPT.sha256}"
    # a file alone makes the draft /2 and changes its hash; without files nothing is listed
    plain = forms.prefill(last(), APPLICANT)
    without, _ = bundle(plain, v2=True)
    only_file, _ = forms.to_bundle(plain, application_id="ET-1", municipality="1287", month="2026-12",
                                   kind="reapplication", submitted_at=AT, v2=True, files=files[1:])
    assert without is not None and only_file is not None
    assert "attachments" not in without.to_json_dict()["application"]
    assert only_file.version == 2 and bundle_hash(only_file) != bundle_hash(without)
    # a pack that takes /1 only: the files stay beside the application
    v1_only, _ = forms.to_bundle(plain, application_id="ET-1", municipality="1287", month="2026-12",
                                 kind="reapplication", submitted_at=AT, v2=False, files=files)
    assert v1_only is not None and v1_only.version == 1 and v1_only.application.attachments is None


def test_an_answer_that_only_adds_a_file_is_a_new_revision_by_content() -> None:
    first = forms_files.attachment_entries([RECEIPT])
    both = forms_files.attachment_entries([RECEIPT, PAYSLIP])
    sent = parse_bundle(json.dumps(forms.answer_bundle(current_v1(), AT, first, v2=True)))
    assert sent.version == 2 and [a.id for a in sent.application.attachments or []] == [RECEIPT.id]
    current = sent.to_json_dict()
    same_time_same_files = parse_bundle(json.dumps(forms.answer_bundle(current, AT, first, v2=True)))
    same_time_new_file = parse_bundle(json.dumps(forms.answer_bundle(current, AT, both, v2=True)))
    assert bundle_hash(same_time_same_files) == bundle_hash(sent)  # nothing new: nothing differs
    assert bundle_hash(same_time_new_file) != bundle_hash(sent)  # only a file added: a new revision
    later = parse_bundle(json.dumps(forms.answer_bundle(current, AT + timedelta(hours=1), first,
                                                                      v2=True)))
    a, b = later.to_json_dict(), sent.to_json_dict()
    assert a["application"].pop("submitted_at") != b["application"].pop("submitted_at")
    assert a == b  # a re-send without a new file differs only by the time of the answer, as before


def test_an_answer_maps_a_v1_bundle_as_as_v2_does_and_names_the_cost() -> None:
    files = forms_files.attachment_entries([RECEIPT])
    ref = forms_files.document_ref(RECEIPT.id, RECEIPT.sha256)
    data = forms.answer_bundle(current_v1(), AT, files, v2=True, document=(0, ref))
    assert "registry" not in data and "previous_aid" not in data["application"]
    history = {h["person"]: h["months_on_aid_in_row"] for h in data["application"]["aid_history"]}
    assert history == {APPLICANT: 2, PARTNER: 2}  # example 01: two months in a row, for each adult
    assert data["application"]["costs"][0]["document"] == ref
    parse_bundle(json.dumps(data))
    # a pack that takes /1 only: sent again as it was, at the time of the answer
    kept = forms.answer_bundle(current_v1(), AT, files, v2=False, document=(0, ref))
    assert kept["schema"] == "finaid.case-bundle/1" and "attachments" not in kept["application"]
    assert "document" not in kept["application"]["costs"][0] and kept["application"]["submitted_at"] == AT.isoformat()
