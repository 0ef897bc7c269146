"""Use cases intake (submit) and deciding (decide one / many, fail, fetch again) on both units of work."""

from __future__ import annotations

from typing import Any

import pytest

from decision.errors import InputError
from decision.pipeline import Pipeline
from decision.services import deciding, intake
from decision.services.deciding import ToStore
from decision.states import TransitionError
from decision.uow import Stored
from tests.services import SERVICES
from tests.unit.services.conftest import AT, Access, Clock, Env, example

ACTOR = "user:test"


@pytest.fixture(scope="module")
def catalog() -> Any:
    return SERVICES.catalog


def _decide(env: Env, pipeline: Pipeline, catalog: Any, bundle: Any, access: Access | None = None,
            clock: Clock | None = None) -> deciding.Outcome:
    return deciding.decide(env.uow, pipeline, catalog, access or Access(), clock or Clock(), bundle, actor=ACTOR,
                           code_version="test-1")


def test_decide_stores_revision_then_proposal_and_logs_the_read(env: Env, pipeline: Pipeline, catalog: Any) -> None:
    access, clock = Access(), Clock()
    bundle = example("01")
    out = _decide(env, pipeline, catalog, bundle, access, clock)
    assert out.created and clock.reads == 1
    app = env.applications()[bundle.application.id]
    assert app["state"] == "proposed" and app["current_decision_id"] == out.decision_id
    assert env.events() == [("received", f"application:{bundle.application.id}"),
                            ("proposed", f"decision:{out.decision_id}")]
    [decision] = env.table("decision")
    assert decision["basis_json"].encode("utf-8") == out.decided.basis.canonical_json()
    assert decision["pack_hash"] == out.decided.evaluation.pack.hash and decision["code_version"] == "test-1"
    assert env.payloads()[1]["as_of"] == "2026-12-01"
    assert access.rows == [(ACTOR, "handlaggning", "cli", "decide", f"decision:{out.decision_id}")]


def test_deciding_twice_stores_nothing_new(env: Env, pipeline: Pipeline, catalog: Any) -> None:
    first = _decide(env, pipeline, catalog, example("01"))
    again = _decide(env, pipeline, catalog, example("01"))
    assert (again.decision_id, again.created) == (first.decision_id, False)
    assert [e for e, _ in env.events()] == ["received", "proposed"]
    assert env.count("decision") == 1 and env.count("application_revision") == 1


def test_a_new_revision_supersedes_the_decision(env: Env, pipeline: Pipeline, catalog: Any) -> None:
    bundle = example("01")
    first = _decide(env, pipeline, catalog, bundle)
    changed = bundle.model_copy(update={"application": bundle.application.model_copy(
        update={"costs": bundle.application.costs[:-1]})})
    second = _decide(env, pipeline, catalog, changed)
    assert second.created and second.decision_id != first.decision_id
    assert [e for e, _ in env.events()] == ["received", "proposed", "fetched", "superseded", "proposed"]
    old = next(d for d in env.table("decision") if d["id"] == first.decision_id)
    assert old["superseded_by"] == second.decision_id
    numbers = sorted(r["number"] for r in env.table("application_revision"))
    assert numbers == [1, 2]


def test_an_uncovered_month_stores_nothing(env: Env, pipeline: Pipeline, catalog: Any) -> None:
    bundle = example("01")
    far = bundle.model_copy(update={"application": bundle.application.model_copy(update={"month": "2040-01"})})
    with pytest.raises(InputError):
        _decide(env, pipeline, catalog, far)
    assert env.applications() == {} and env.events() == []


def test_submit_is_idempotent_by_content(env: Env, catalog: Any) -> None:
    bundle = example("02").model_copy(update={"registry": None})
    clock = Clock()
    stored = intake.submit(env.uow, catalog, clock, bundle, ACTOR)
    again = intake.submit(env.uow, catalog, clock, bundle, ACTOR)
    assert stored.created and not again.created and again.revision_id == stored.revision_id
    assert env.applications()[bundle.application.id]["state"] == "received"
    assert env.events() == [("received", f"application:{bundle.application.id}")]
    assert env.payloads()[0] == {"revision": stored.revision_id, "number": 1, "content_hash": stored.content_hash,
                                 "sealed": False}


def test_decide_many_stores_a_chunk_in_one_transaction(env: Env, pipeline: Pipeline, catalog: Any) -> None:
    names = ("03", "04", "05")
    bundles = [example(n) for n in names]
    clock = Clock()
    stored = [intake.submit(env.uow, catalog, clock, b.model_copy(update={"registry": None}), ACTOR)
              for b in bundles]
    items = [ToStore(pipeline.evaluate(b, as_of=AT.date()), None,
                     tuple((e.request_id, b"<raw/>", "ab" * 32) for e in b.registry or [])) for b in bundles]
    skipped = bundles[1].application.id
    written = deciding.decide_many(env.uow, items, actor="system:batch", code_version="test-1", at=AT,
                                   keep=lambda uow: {b.application.id for b in bundles} - {skipped})
    assert written[1] is None and all(w is not None and w[1] for w in (written[0], written[2]))
    apps = env.applications()
    assert {apps[b.application.id]["state"] for b in bundles} == {"proposed", "received"}
    assert apps[skipped]["state"] == "received"
    assert [e for e, _ in env.events()] == ["received"] * 3 + ["fetched", "fetched", "proposed", "proposed"]
    assert env.count("application_revision") == 5 and env.count("decision") == 2
    evidence = env.table("registry_evidence")
    assert evidence and {e["revision_id"] for e in evidence} <= {r["id"] for r in env.table("application_revision")}
    assert len(stored) == 3


def test_decide_many_with_stored_revisions_and_failures(env: Env, pipeline: Pipeline, catalog: Any) -> None:
    bundle = example("06")
    stored = intake.submit(env.uow, catalog, Clock(), bundle, ACTOR)  # sealed: fetched
    assert env.applications()[bundle.application.id]["state"] == "fetched"
    decided = pipeline.evaluate(bundle, as_of=AT.date())
    [(decision_id, created)] = deciding.decide_many(  # type: ignore[misc]
        env.uow, [ToStore(decided, Stored(stored.revision_id, stored.content_hash, False))],
        actor="system:batch", code_version="test-1", at=AT)
    assert created and env.applications()[bundle.application.id]["current_decision_id"] == decision_id
    with pytest.raises(TransitionError):  # a proposed application cannot fail technically
        deciding.fail(env.uow, Clock(), bundle.application.id, "error: X", actor="system:batch", budget=3)
    assert [e for e, _ in env.events()] == ["received", "proposed"]


def test_fail_counts_against_the_budget(env: Env, catalog: Any) -> None:
    bundle = example("07").model_copy(update={"registry": None})
    intake.submit(env.uow, catalog, Clock(), bundle, ACTOR)
    app_id = bundle.application.id
    kw: dict[str, Any] = {"actor": "system:batch", "budget": 2}
    assert deciding.fail(env.uow, Clock(), app_id, "registry_unavailable", permanent_reason=False, **kw) == "failed"
    assert deciding.fail(env.uow, Clock(), app_id, "registry_unavailable", permanent_reason=False, **kw) == "failed"
    assert deciding.fail(env.uow, Clock(), app_id, "error: Boom", **kw) == "failed_permanent"
    app = env.applications()[app_id]
    assert (app["state"], app["state_reason"], app["attempts"]) == ("failed_permanent", "error: Boom", 3)
    assert [e for e, _ in env.events()] == ["received", "failed", "failed", "failed_permanent"]
    assert env.payloads()[-1] == {"reason": "error: Boom", "failures": 3, "budget": 2}


def test_fetch_again_decides_the_new_answers(env: Env, catalog: Any) -> None:
    bundle = example("01")
    pipeline = SERVICES.pipeline
    first = _decide(env, pipeline, catalog, bundle)
    again = deciding.fetch_again(env.uow, pipeline, catalog, Access(), Clock(), bundle, actor=ACTOR,
                                 code_version="test-1", purpose="handlaggning", channel="web")
    # without a registry source the answers are [] (a new sealed revision): a new proposal
    assert again.created and again.decision_id != first.decision_id
    assert [e for e, _ in env.events()][-4:] == ["received", "fetched", "superseded", "proposed"]


def test_a_guard_that_refuses_stores_nothing(env: Env, catalog: Any) -> None:
    class Lost(Exception):
        pass

    def guard(uow: Any) -> None:
        raise Lost

    with pytest.raises(Lost):
        intake.receive(env.uow, example("08"), ACTOR, AT, guard)
    assert env.applications() == {} and env.events() == []


class _Answers:
    """A registry source answering with example 08's own answers (Försäkringskassan unavailable) or, ``up``,
    with every source answering."""

    def __init__(self, up: bool) -> None:
        self.up = up

    async def fetch(self, bundle: Any) -> list[Any]:
        from decision.bundle import AnswerStatus

        entries = list(example("08").registry or [])
        if self.up:
            entries = [e.model_copy(update={"status": AnswerStatus.NO_DATA, "error": None})
                       if e.status is AnswerStatus.UNAVAILABLE else e for e in entries]
        return entries


def test_fetch_again_keeps_the_current_proposal_when_a_source_fails(env: Env, catalog: Any) -> None:
    bundle = example("08")
    first = _decide(env, SERVICES.pipeline, catalog, bundle)
    events = env.events()
    access = Access()
    down = Pipeline(SERVICES.pipeline.evaluator, registry=_Answers(up=False))
    kept = deciding.fetch_again(env.uow, down, catalog, access, Clock(), bundle, actor=ACTOR, code_version="test-1",
                                purpose="handlaggning", channel="web", keep_current_if_failed=True)
    assert kept.kept and not kept.created and kept.decision_id == ""
    assert any(f.code == "registry.unavailable" for f in kept.decided.basis.findings)
    assert env.events() == events  # nothing stored: the current proposal stays current
    assert env.applications()[bundle.application.id]["current_decision_id"] == first.decision_id
    assert [row[3] for row in access.rows] == ["fetch_again_kept"]  # the registry read is logged
    up = Pipeline(SERVICES.pipeline.evaluator, registry=_Answers(up=True))
    new = deciding.fetch_again(env.uow, up, catalog, access, Clock(), bundle, actor=ACTOR, code_version="test-1",
                               purpose="handlaggning", channel="web", keep_current_if_failed=True)
    assert not new.kept and new.created and new.decision_id != first.decision_id
    assert not any(f.code == "registry.unavailable" for f in new.decided.basis.findings)
    # every registry read is an access-log entry: kept (the source failed) or stored (a new proposal)
    assert [(r[3], r[4]) for r in access.rows] == [
        ("fetch_again_kept", f"application:{bundle.application.id}"),
        ("registry_read", f"application:{bundle.application.id}"), ("decide", f"decision:{new.decision_id}")]
    assert {(r[0], r[1], r[2]) for r in access.rows} == {(ACTOR, "handlaggning", "web")}
