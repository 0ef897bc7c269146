"""Each agency's payload, read from hand-written golden envelopes (tests/unit/registry/golden/).

The golden files are written from ssbtek.md's element names, independently of the sandbox, in
different prefixes and styles; the expected facts follow docs/registry.md's mapping rules.
"""

from __future__ import annotations

import hashlib

from adapters.driven.ssbtek.mapping import map_answer
from decision.bundle import Source

from .helpers import FETCHED, PERSON, by_source, facts, golden, query, read, with_payload

AF = (Source.ARBETSFORMEDLINGEN,)
FK_PM = (Source.FORSAKRINGSKASSAN, Source.PENSIONSMYNDIGHETEN)


def test_af_registered_job_seeker_becomes_registered_true_with_provenance() -> None:
    raw = golden("af-registered.xml")
    mapped = read(raw, AF)
    entry = by_source(mapped)[Source.ARBETSFORMEDLINGEN]
    assert entry.status.value == "ok"
    assert facts(entry) == [{"kind": "registered", "value": True}]
    assert entry.request_id == "GOLDEN-1:AF"
    assert entry.fetched_at == FETCHED
    assert entry.raw_sha256 == hashlib.sha256(raw).hexdigest()
    assert entry.person == PERSON


def test_af_protected_and_not_registered() -> None:
    entry = by_source(read(golden("af-protected-not-registered.xml"), AF))[Source.ARBETSFORMEDLINGEN]
    assert facts(entry) == [
        {"kind": "registered", "value": False},
        {"kind": "protected_identity", "value": True},
    ]


def test_akassa_counts_net_after_tax_for_the_period_paid_for_split_by_days() -> None:
    mapped = read(golden("so-payments.xml"), (Source.AKASSA,))
    entry = by_source(mapped)[Source.AKASSA]
    # 1 400.00 for 20 Feb–5 Mar: 5 of 14 days in March = 500.00; 7 250,50 for 6–31 Mar paid in April;
    # the April payment is not March's
    assert facts(entry) == [{"kind": "unemployment_benefit", "month": "2023-03", "amount": "7750.50"}]
    assert any("split by calendar days" in n.text for n in mapped.notices)


def test_csn_study_aid_by_payment_month_and_home_equipment_loan_is_not_income() -> None:
    mapped = read(with_payload("csn-envelope.xml", "csn-studiemedel.xml"), (Source.CSN,))
    entry = by_source(mapped)[Source.CSN]
    assert facts(entry) == [{"kind": "student_aid", "month": "2023-03", "amount": "10480.00"}]
    assert entry.request_id == "GOLDEN-1:CSN"
    assert any("HemutrustningsLan" in n.text for n in mapped.notices)


def test_csn_ej_traff_is_no_data() -> None:
    entry = by_source(read(with_payload("csn-envelope.xml", "csn-ej-traff.xml"), (Source.CSN,)))[Source.CSN]
    assert entry.status.value == "no_data"
    assert entry.facts == []


def test_lefi_fk_and_pm_payments_map_to_income_kinds_net_after_tax() -> None:
    mapped = read(with_payload("fk-envelope.xml", "lefi-full.json"), FK_PM)
    got = by_source(mapped)
    fk, pm = got[Source.FORSAKRINGSKASSAN], got[Source.PENSIONSMYNDIGHETEN]
    assert fk.status.value == "ok" and pm.status.value == "ok"
    # sickness benefit: gross 10 000 − tax 3 000 (the further 500 deducted is still income), paid in
    # April for March; February's payment is not March's; the preliminary housing allowance counts
    assert facts(fk) == [
        {"kind": "child_allowance", "month": "2023-03", "amount": "2650.00"},
        {"kind": "housing_allowance", "month": "2023-03", "amount": "1500.50"},
        {"kind": "sickness_benefit", "month": "2023-03", "amount": "7000.00"},
    ]
    # pension: gross 12 000 − preliminary tax 2 000; the utmätning is not tax
    assert facts(pm) == [{"kind": "pension", "month": "2023-03", "amount": "10000.00"}]
    assert fk.request_id == "GOLDEN-1:FK" and pm.request_id == "GOLDEN-1:PM"
    assert fk.raw_sha256 == pm.raw_sha256
    # the unknown benefit family stays in the raw envelope only, with a notice
    assert any("'XYZ'" in n.text and n.source == "forsakringskassan" for n in mapped.notices)
    assert all("777" not in f["amount"] for f in facts(fk) if "amount" in f)  # type: ignore[operator]


def test_lefi_partial_answer_pm_felande_makes_only_pm_unavailable() -> None:
    got = by_source(read(with_payload("fk-envelope.xml", "lefi-pm-felande.json"), FK_PM))
    assert got[Source.FORSAKRINGSKASSAN].status.value == "ok"
    assert facts(got[Source.FORSAKRINGSKASSAN]) == [
        {"kind": "child_allowance", "month": "2023-03", "amount": "1250.00"}
    ]
    pm = got[Source.PENSIONSMYNDIGHETEN]
    assert pm.status.value == "unavailable"
    assert pm.error == "LEFI tillstånd FELANDE för Pensionsmyndigheten"


def test_lefi_avvikelse_for_a_fk_group_makes_fk_unavailable_pm_still_delivers() -> None:
    got = by_source(read(with_payload("fk-envelope.xml", "lefi-avvikelse-bob.json"), FK_PM))
    assert got[Source.FORSAKRINGSKASSAN].status.value == "unavailable"
    assert "INTERNT_FEL" in (got[Source.FORSAKRINGSKASSAN].error or "")
    assert facts(got[Source.PENSIONSMYNDIGHETEN]) == [{"kind": "pension", "month": "2023-03", "amount": "5000.00"}]


def test_lefi_skyddad_is_protected_identity_at_forsakringskassan() -> None:
    got = by_source(read(with_payload("fk-envelope.xml", "lefi-protected.json"), FK_PM))
    assert facts(got[Source.FORSAKRINGSKASSAN]) == [{"kind": "protected_identity", "value": True}]
    assert got[Source.PENSIONSMYNDIGHETEN].status.value == "no_data"


def test_lefi_answer_about_another_person_is_unavailable_for_both_agencies() -> None:
    got = by_source(read(with_payload("fk-envelope.xml", "lefi-other-person.json"), FK_PM))
    for source in FK_PM:
        assert got[source].status.value == "unavailable"
        assert got[source].error == "svaret gällde en annan person"


def test_skatteverket_v10_has_no_salary_fact_and_capital_income_is_a_notice() -> None:
    mapped = read(golden("skv-v10.xml"), (Source.SKATTEVERKET,))
    entry = by_source(mapped)[Source.SKATTEVERKET]
    assert entry.status.value == "no_data"
    assert any("capital income for taxeringsår 2022" in n.text for n in mapped.notices)


def test_provisional_skatteverket_salary_only_where_enabled() -> None:
    raw = golden("skv-provisional.xml")
    on = by_source(read(raw, (Source.SKATTEVERKET,), provisional=True))[Source.SKATTEVERKET]
    assert facts(on) == [{"kind": "salary", "month": "2023-03", "amount": "12149.50"}]
    off = read(raw, (Source.SKATTEVERKET,), provisional=False)
    assert by_source(off)[Source.SKATTEVERKET].status.value == "no_data"
    assert any("provisional" in n.text for n in off.notices)


def test_migrationsverket_residence_status_in_the_month() -> None:
    mig = (Source.MIGRATIONSVERKET,)
    temporary = by_source(read(golden("miv-temporary.xml"), mig))[Source.MIGRATIONSVERKET]
    assert facts(temporary) == [{"kind": "residence_status", "value": "temporary"}]
    expired = by_source(read(golden("miv-expired.xml"), mig))[Source.MIGRATIONSVERKET]
    assert facts(expired) == [{"kind": "residence_status", "value": "expired"}]
    none = by_source(read(golden("miv-none.xml"), mig))[Source.MIGRATIONSVERKET]
    assert none.status.value == "no_data"


def test_transportstyrelsen_is_evidence_and_a_notice_never_an_entry() -> None:
    mapped = read(golden("tns-vehicle.xml"), (), include_tns=True)
    assert mapped.entries == []
    assert any("1 vehicle" in n.text for n in mapped.notices)


def test_error_blocks_name_kalla_and_felkod_missing_block_is_unavailable_others_deliver() -> None:
    sources = (Source.ARBETSFORMEDLINGEN, Source.CSN, Source.SKATTEVERKET, Source.MIGRATIONSVERKET)
    got = by_source(read(golden("errors-ssbt-bt.xml"), sources))
    af = got[Source.ARBETSFORMEDLINGEN]
    assert af.status.value == "unavailable"
    assert af.error is not None and "kalla SSBT" in af.error and "felkod 1001" in af.error
    assert PERSON not in af.error  # an agency's message never carries the person number through
    csn = got[Source.CSN]
    assert csn.error == "fel i myndighetens system (kalla BT, felkod CSN-9): Tekniskt fel; Försök senare"
    assert got[Source.SKATTEVERKET].status.value == "unavailable"
    assert got[Source.MIGRATIONSVERKET].status.value == "no_data"


def test_soap_fault_is_a_whole_call_failure_for_every_asked_source() -> None:
    raw = golden("soap-fault.xml")
    mapped = map_answer(raw, query(), FETCHED)
    assert {e.status.value for e in mapped.entries} == {"unavailable"}
    assert {e.source for e in mapped.entries} == set(Source)
    assert all("SSBT-0042" in (e.error or "") for e in mapped.entries)
    assert all(e.raw_sha256 == hashlib.sha256(raw).hexdigest() for e in mapped.entries)
    assert mapped.whole_call_error is not None


def test_an_answer_to_another_query_is_a_whole_call_failure() -> None:
    raw = golden("af-registered.xml").replace(b"GOLDEN-1", b"SOMEONE-ELSE")
    mapped = read(raw, AF)
    assert by_source(mapped)[Source.ARBETSFORMEDLINGEN].error == "svaret hör till en annan fråga (korrelationsid)"


def test_af_answer_for_another_period_is_unavailable() -> None:
    raw = golden("af-registered.xml").replace(b"<a:From>2023-02-01", b"<a:From>2022-02-01")
    entry = by_source(read(raw, AF))[Source.ARBETSFORMEDLINGEN]
    assert entry.status.value == "unavailable" and entry.error == "svaret gällde en annan period"


def test_payment_dated_outside_the_asked_period_is_an_answer_for_another_period() -> None:
    raw = golden("so-payments.xml").replace(b"2023-04-28</u:Utbetalningsdatum>", b"2024-04-28</u:Utbetalningsdatum>")
    entry = by_source(read(raw, (Source.AKASSA,)))[Source.AKASSA]
    assert entry.status.value == "unavailable"
    assert entry.error is not None and "annan period" in entry.error
