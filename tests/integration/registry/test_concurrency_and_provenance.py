"""All adults of a case are asked concurrently (checked structurally in the sandbox's request log), and
every entry's provenance points at evidence that hashes to it."""

from __future__ import annotations

import asyncio
import hashlib

from adapters.driven.ssbtek.client import SsbtekRegistrySource
from decision.bundle import Role, Source
from decision.pipeline import Pipeline

from .conftest import Sandbox


def test_a_two_adult_cases_calls_overlap_in_the_sandbox_log(sandbox: Sandbox) -> None:
    bundle = sandbox.bundle("couple_every_source")
    adults = [m.personnummer for m in bundle.application.household if m.role is not Role.CHILD]
    sandbox.faults([{"fault": "latency", "ms": 250, "person": p} for p in adults])
    sandbox.clear_log()
    result, _ = sandbox.fetch(bundle)
    assert "unavailable" not in {e.status.value for e in result.entries}
    calls = [r for r in sandbox.log() if r.get("case_id") == bundle.application.id and r["op"] == "hamta"]
    assert len(calls) == 2
    a, b = calls
    # intervals overlap: each call started before the other one ended
    assert a["start_ns"] < b["end_ns"] and b["start_ns"] < a["end_ns"]
    assert {r["korrelationsid"] for r in calls} == {e.request_id.split(":")[0] for e in result.entries}
    assert all(r["person"].endswith("xx-xxxx") for r in calls)  # the sandbox logs no full personnummer


def test_the_process_limit_keeps_calls_in_sequence_when_it_is_one(sandbox: Sandbox) -> None:
    bundle = sandbox.bundle("couple_with_children")
    sandbox.faults([{"fault": "latency", "ms": 100}])
    sandbox.clear_log()
    sandbox.fetch(bundle, concurrency=1)
    a, b = [r for r in sandbox.log() if r.get("case_id") == bundle.application.id]
    assert a["end_ns"] <= b["start_ns"]


def test_provenance_request_ids_fetched_at_and_hash_of_the_kept_envelope(sandbox: Sandbox, pipeline: Pipeline) -> None:
    bundle = sandbox.bundle("young_adult_worker")
    result, client = sandbox.fetch(bundle)
    by_person: dict[str, set[str]] = {}
    for e in result.entries:
        korr, suffix = e.request_id.split(":")
        by_person.setdefault(e.person, set()).add(korr)
        raw = client.evidence.get(e.request_id)
        assert raw is not None and hashlib.sha256(raw).hexdigest() == e.raw_sha256
        assert korr.encode() in raw  # the envelope echoes finaid's korrelationsid
        assert e.fetched_at.tzinfo is not None
    assert all(len(k) == 1 for k in by_person.values())  # one call (one korrelationsid) per person
    child = next(m.personnummer for m in bundle.application.household if m.role is Role.CHILD)
    assert [e.source for e in result.entries if e.person == child] == [Source.SKATTEVERKET]
    decided = pipeline.evaluate(bundle.model_copy(update={"registry": result.entries}))
    for fact in decided.basis.facts:
        if fact.source not in ("application", None) and fact.request_id:
            assert fact.request_id in {e.request_id for e in result.entries}


def test_one_shared_session_serves_many_cases(sandbox: Sandbox) -> None:
    source: SsbtekRegistrySource = sandbox.client()
    bundles = [sandbox.bundle(a) for a in ("single_unemployed", "pensioner", "student", "single_parent")]

    async def run() -> list[int]:
        async with source.session():
            results = await asyncio.gather(*(source.fetch(b) for b in bundles))
        return [len(r) for r in results]

    assert asyncio.run(run()) == [7, 7, 7, 7]
