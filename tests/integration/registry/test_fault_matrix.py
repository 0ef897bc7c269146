"""The failure policy over real HTTP against the sandbox (architecture.md, "Registry failures").

- Agency-level faults × the seven sources: exactly the faulted source(s) become ``unavailable``
  with why, the case is MANUAL naming them (``registry.unavailable``), and every other source's
  facts arrive with provenance (request id, fetched_at, raw_sha256 of the stored envelope).
- Whole-call faults × {applicant, partner}: all seven sources ``unavailable`` for that person only;
  the other adult's answers arrive; the case is MANUAL naming every agency for that person.
"""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from adapters.driven.ssbtek.model import ELEMENT_SOURCES, REQUEST_SUFFIX, SOURCE_ELEMENT
from decision.bundle import Source
from decision.pipeline import Pipeline

from .conftest import Sandbox

GARBAGE_MODE = {"FK": "json", "CSN": "base64", "SKV": "xml"}


def _cases() -> list[Any]:
    out = []
    for source in Source:
        element = SOURCE_ELEMENT[source]
        whole_element = set(ELEMENT_SOURCES[element])
        faults: list[tuple[str, dict[str, Any], set[Source]]] = [
            ("error_ssbt", {"fault": "error_ssbt", "agency": element}, whole_element),
            ("error_bt", {"fault": "error_bt", "agency": element}, whole_element),
            ("garbage", {"fault": "garbage", "agency": element, "mode": GARBAGE_MODE.get(element, "bytes")},
             whole_element),
            ("other_person", {"fault": "other_person", "agency": element}, whole_element),
        ]
        if element in ("AF", "SO", "CSN", "FK"):
            faults.append(("other_period", {"fault": "other_period", "agency": element}, whole_element))
        if source is Source.FORSAKRINGSKASSAN:
            faults.append(("lefi_state", {"fault": "lefi_state", "agency": "FK", "utlamnare": "FK",
                                          "state": "OTILLGANGLIG"}, {source}))
            faults.append(("lefi_avvikelse", {"fault": "lefi_avvikelse", "agency": "FK", "group": "FK:ABB"},
                           {source}))
        if source is Source.PENSIONSMYNDIGHETEN:
            faults.append(("lefi_state", {"fault": "lefi_state", "agency": "FK", "utlamnare": "PM",
                                          "state": "FELANDE"}, {source}))
        if source is Source.MIGRATIONSVERKET:
            faults.append(("missing_block", {"fault": "missing_block", "agency": "MIV"}, {source}))
        for name, rule, expected in faults:
            out.append(pytest.param(source, rule, expected, id=f"{source.value}-{name}"))
    return out


@pytest.mark.parametrize(("source", "rule", "expected"), _cases())
def test_an_agency_fault_makes_that_agency_unavailable_and_the_case_manual_naming_it(
    sandbox: Sandbox, pipeline: Pipeline, source: Source, rule: dict[str, Any], expected: set[Source]
) -> None:
    bundle = sandbox.bundle("every_source")
    applicant = bundle.application.household[0].personnummer
    sandbox.faults([{**rule, "person": applicant}])
    result, client = sandbox.fetch(bundle)
    mine = {e.source: e for e in result.entries if e.person == applicant}
    assert set(mine) == set(Source)
    assert {s for s, e in mine.items() if e.status.value == "unavailable"} == expected
    for s in expected:
        assert mine[s].error, "an unavailable answer says why"
        if rule["fault"] in ("error_ssbt", "error_bt"):
            kalla = "SSBT" if rule["fault"] == "error_ssbt" else "BT"
            assert f"kalla {kalla}" in (mine[s].error or "") and "felkod" in (mine[s].error or "")
    korr = {e.request_id.split(":")[0] for e in mine.values()}
    assert len(korr) == 1  # one call for the person
    for s, e in mine.items():
        assert e.request_id == f"{korr.pop() if False else e.request_id.split(':')[0]}:{REQUEST_SUFFIX[s]}"
        assert e.fetched_at is not None
        raw = client.evidence.get(e.request_id)
        assert raw is not None and e.raw_sha256 == hashlib.sha256(raw).hexdigest()
        if s not in expected:
            assert e.status.value == "ok" and e.facts, f"{s.value} should still deliver its facts"
    decided = pipeline.evaluate(bundle.model_copy(update={"registry": result.entries}))
    assert decided.basis.outcome == "MANUAL"
    named = {f.source for f in decided.basis.findings if f.code == "registry.unavailable"}
    assert named == {s.value for s in expected}
    assert all(f.person == "applicant" for f in decided.basis.findings if f.code == "registry.unavailable")


WHOLE_CALL_FAULTS = [
    pytest.param({"fault": "soap_fault", "felkod": "SSBT-0042"}, "SOAP Fault", id="soap_fault"),
    pytest.param({"fault": "http_status", "status": 503}, "HTTP 503", id="http_503_after_retries"),
    pytest.param({"fault": "http_status", "status": 500}, "HTTP 500", id="http_500"),
    pytest.param({"fault": "garbage_envelope"}, "oläsligt svar", id="garbage_envelope"),
    pytest.param({"fault": "slow", "ms": 1500}, "tidsgränsen", id="timeout"),
    pytest.param({"fault": "drop"}, "bröts", id="connection_dropped"),
]


@pytest.mark.parametrize("role", ["applicant", "partner"])
@pytest.mark.parametrize(("rule", "why"), WHOLE_CALL_FAULTS)
def test_a_whole_call_failure_makes_every_agency_unavailable_for_that_person_only(
    sandbox: Sandbox, pipeline: Pipeline, role: str, rule: dict[str, Any], why: str
) -> None:
    bundle = sandbox.bundle("couple_every_source")
    people = {m.role.value: m.personnummer for m in bundle.application.household}
    hit, other = people[role], people["partner" if role == "applicant" else "applicant"]
    sandbox.faults([{**rule, "person": hit}])
    result, _ = sandbox.fetch(bundle, timeout_s=0.6)
    hit_entries = [e for e in result.entries if e.person == hit]
    other_entries = [e for e in result.entries if e.person == other]
    assert {e.source for e in hit_entries} == set(Source)
    assert {e.status.value for e in hit_entries} == {"unavailable"}
    assert all(why in (e.error or "") for e in hit_entries), {e.error for e in hit_entries}
    assert "unavailable" not in {e.status.value for e in other_entries}
    assert any(e.facts for e in other_entries)
    decided = pipeline.evaluate(bundle.model_copy(update={"registry": result.entries}))
    assert decided.basis.outcome == "MANUAL"
    named = {(f.source, f.person) for f in decided.basis.findings if f.code == "registry.unavailable"}
    assert named == {(s.value, role) for s in Source}


def test_a_503_once_is_retried_and_the_answer_then_counts(sandbox: Sandbox) -> None:
    bundle = sandbox.bundle("single_unemployed")
    person = bundle.application.household[0].personnummer
    sandbox.faults([{"fault": "http_status", "status": 503, "person": person, "times": 1}])
    sandbox.clear_log()
    result, _ = sandbox.fetch(bundle)
    assert "unavailable" not in {e.status.value for e in result.entries}
    assert result.calls[0].attempts == 2
    statuses = [r["status"] for r in sandbox.log() if r.get("case_id") == bundle.application.id]
    assert statuses == [503, 200]


def test_a_soap_fault_is_not_retried(sandbox: Sandbox) -> None:
    bundle = sandbox.bundle("single_unemployed")
    sandbox.faults([{"fault": "soap_fault", "person": bundle.application.household[0].personnummer}])
    sandbox.clear_log()
    result, _ = sandbox.fetch(bundle, attempts=3)
    assert result.calls[0].attempts == 1
    assert len([r for r in sandbox.log() if r.get("case_id") == bundle.application.id]) == 1


def test_a_refused_connection_is_a_whole_call_failure_for_every_person(sandbox: Sandbox) -> None:
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    bundle = sandbox.bundle("couple_with_children")
    result, _ = sandbox.fetch(bundle, url=f"http://127.0.0.1:{port}/ssbtek")
    assert {e.status.value for e in result.entries} == {"unavailable"}
    assert all("kunde inte ansluta" in (e.error or "") for e in result.entries)
    assert all(e.raw_sha256 is None for e in result.entries)  # no answer, no evidence


def test_answers_honour_inkludera_and_unknown_people_get_no_data(sandbox: Sandbox, pipeline: Pipeline) -> None:
    bundle = sandbox.bundle("unknown_person")
    result, _ = sandbox.fetch(bundle)
    assert {e.status.value for e in result.entries} == {"no_data"}
    sandbox.clear_log()
    client = sandbox.client()
    client.consulted = lambda _b: (Source.CSN,)
    import asyncio

    only_csn = asyncio.run(client.fetch(sandbox.bundle("student")))
    assert [(e.source, e.status.value) for e in only_csn] == [(Source.CSN, "ok")]
