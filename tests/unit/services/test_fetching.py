"""Use case fetching (ask the registry, keep the sealed revision and its envelopes) on both units of work."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import pytest

from decision.bundle import CaseBundle, RegistryEntry
from decision.errors import InputError
from decision.services import deciding, fetching
from tests.services import SERVICES
from tests.unit.services.conftest import AT, Access, Clock, Env, example

ACTOR = "user:test"


@dataclass
class Answers:
    entries: list[RegistryEntry]
    notices: list[str] = field(default_factory=list)


class Registry:
    """Answers with the example's registry entries and keeps each raw envelope first (as the client does)."""

    def __init__(self, env: Env, entries: list[RegistryEntry]) -> None:
        self.env, self.entries, self.asked = env, entries, []

    async def fetch_detailed(self, bundle: CaseBundle) -> Answers:
        self.asked.append(bundle)
        for e in self.entries:
            raw = f"<envelope {e.request_id}/>".encode()
            sha = hashlib.sha256(raw).hexdigest()
            if self.env.kind == "fake":
                self.env.uow.committed.evidence.setdefault(e.request_id, {
                    "request_id": e.request_id, "revision_id": None, "sha256": sha, "raw": raw, "stored_at": AT})
            else:
                from adapters.driven.db.store import DbEvidenceStore

                DbEvidenceStore(self.env.db).put(e.request_id, raw, sha)
        return Answers(list(self.entries), ["a notice"])


def _fetch(env: Env, bundle: Any, registry: Registry, access: Access | None = None,
           clock: Clock | None = None) -> fetching.Fetched[Answers]:
    return fetching.fetch(env.uow, registry, SERVICES.catalog, access or Access(), clock or Clock(), bundle,
                          actor=ACTOR, purpose="handlaggning", channel="cli")


def test_fetch_stores_the_sealed_revision_links_its_envelopes_and_logs_the_read(env: Env) -> None:
    sealed_example = example("01")
    assert sealed_example.registry
    bundle = sealed_example.model_copy(update={"registry": None})
    registry, access, clock = Registry(env, list(sealed_example.registry)), Access(), Clock()
    out = _fetch(env, sealed_example, registry, access, clock)  # an existing registry is replaced
    assert registry.asked == [bundle] and clock.reads == 1
    assert out.sealed.registry == sealed_example.registry and out.answers.notices == ["a notice"]
    assert out.stored.created
    app_id = bundle.application.id
    assert env.applications()[app_id]["state"] == "fetched"
    assert env.applications()[app_id]["current_revision_id"] == out.stored.revision_id
    assert env.events() == [("received", f"application:{app_id}")]
    [rev] = env.table("application_revision")
    assert bool(rev["sealed"]) and rev["id"] == out.stored.revision_id
    linked = {r["request_id"]: r["revision_id"] for r in env.table("registry_evidence")}
    assert linked == {e.request_id: out.stored.revision_id for e in sealed_example.registry}
    assert access.rows == [(ACTOR, "handlaggning", "cli", "fetch", f"application:{app_id}")]


def test_deciding_the_printed_bundle_reuses_the_fetched_revision(env: Env, pipeline: Any) -> None:
    sealed_example = example("01")
    out = _fetch(env, sealed_example, Registry(env, list(sealed_example.registry or [])))
    decided = deciding.decide(env.uow, pipeline, SERVICES.catalog, Access(), Clock(), out.sealed, actor=ACTOR,
                              code_version="test-1")
    assert env.count("application_revision") == 1
    [decision] = env.table("decision")
    assert decision["revision_id"] == out.stored.revision_id and decision["id"] == decided.decision_id
    assert [e for e, _ in env.events()] == ["received", "proposed"]


def test_fetching_again_after_a_decision_makes_a_new_revision(env: Env, pipeline: Any) -> None:
    sealed_example = example("01")
    entries = list(sealed_example.registry or [])
    first = _fetch(env, sealed_example, Registry(env, entries))
    deciding.decide(env.uow, pipeline, SERVICES.catalog, Access(), Clock(), first.sealed, actor=ACTOR,
                    code_version="test-1")
    fresh = [e.model_copy(update={"request_id": "X" + e.request_id}) for e in entries]
    second = _fetch(env, sealed_example, Registry(env, fresh))
    assert second.stored.created and second.stored.revision_id != first.stored.revision_id
    app = env.applications()[sealed_example.application.id]
    assert app["state"] == "fetched" and app["current_revision_id"] == second.stored.revision_id
    assert [e for e, _ in env.events()] == ["received", "proposed", "fetched"]


def test_an_uncovered_month_asks_nothing_and_stores_nothing(env: Env) -> None:
    bundle = example("01")
    far = bundle.model_copy(update={"application": bundle.application.model_copy(update={"month": "2040-01"})})
    registry, access = Registry(env, list(bundle.registry or [])), Access()
    with pytest.raises(InputError):
        _fetch(env, far, registry, access)
    assert registry.asked == [] and access.rows == [] and env.applications() == {} and env.events() == []
