"""Use case impact re-decision (the caseload through the unit of work; one case against a draft) on both units
of work. The ports here are the pipeline's pinned evaluation; the lifecycle gives the draft pack's."""

from __future__ import annotations

from typing import Any

import pytest

from decision.basis import DecisionBasis
from decision.bundle import CaseBundle
from decision.errors import ConfigurationError
from decision.pipeline import Pipeline
from decision.services import deciding, impact
from decision.services.impact import ImpactPorts
from tests.services import SERVICES
from tests.unit.services.conftest import Access, Clock, Env, example

ACTOR = "user:test"


def _decide(env: Env, pipeline: Pipeline, bundle: Any) -> str:
    return deciding.decide(env.uow, pipeline, SERVICES.catalog, Access(), Clock(), bundle, actor=ACTOR,
                           code_version="test-1").decision_id


def _ports(pipeline: Pipeline, **kw: Any) -> ImpactPorts:
    def baseline(bundle: CaseBundle, pack_hash: str, guideline_hash: str, earlier: Any) -> DecisionBasis:
        return pipeline.evaluate(bundle, pack_hash, guideline_hash, earlier=earlier).basis

    def draft(bundle: CaseBundle, guideline_hash: str, earlier: Any) -> DecisionBasis:  # the pack of the month
        return pipeline.evaluate(bundle, earlier=earlier).basis

    return ImpactPorts(**{"baseline": baseline, "draft": draft, "covers": lambda month: True, **kw})


def test_cases_are_the_current_decisions_by_application(env: Env, pipeline: Pipeline) -> None:
    a, b = example("02"), example("01")
    _decide(env, pipeline, a)
    _decide(env, pipeline, b)
    cases, undecided = impact.cases(env.uow, None, None)
    assert [c.application_id for c in cases] == sorted([a.application.id, b.application.id]) and undecided == 0
    stored = {d["application_id"]: d for d in env.table("decision")}
    for c in cases:
        assert c.basis_json == stored[c.application_id]["basis_json"]
        assert c.pack_hash == stored[c.application_id]["pack_hash"]
    months = sorted({a.application.month, b.application.month})
    assert impact.cases(env.uow, "1990-01", "1990-12") == ([], 0)
    only, _ = impact.cases(env.uow, months[-1], months[-1])
    assert {c.month for c in only} == {months[-1]} and not env.is_open()


def test_an_application_without_a_decision_is_counted_undecided(env: Env, pipeline: Pipeline) -> None:
    from decision.services import intake

    decided = example("01")
    _decide(env, pipeline, decided)
    waiting = example("02")
    intake.submit(env.uow, SERVICES.catalog, Clock(), waiting, ACTOR)
    cases, undecided = impact.cases(env.uow, None, None)
    assert [c.application_id for c in cases] == [decided.application.id] and undecided == 1


def test_redecide_compares_the_baseline_with_the_draft(env: Env, pipeline: Pipeline) -> None:
    _decide(env, pipeline, example("01"))
    [case], _ = impact.cases(env.uow, None, None)
    out = impact.redecide(_ports(pipeline), case)
    assert out["status"] == "compared" and out["replay_identical"] is True
    assert out["baseline"] == out["draft"] and isinstance(out["baseline"]["proposed"], int)
    assert set(out) == {"application_id", "month", "protected", "baseline", "baseline_from", "replay_identical",
                        "draft", "status"}
    assert out["baseline_from"] == "decided"  # no code version given: every baseline is decided again


def test_a_decision_todays_code_made_is_its_own_baseline(env: Env, pipeline: Pipeline) -> None:
    _decide(env, pipeline, example("01"))
    [case], _ = impact.cases(env.uow, None, None)
    assert case.code_version == "test-1"
    decided = impact.redecide(_ports(pipeline), case)
    calls: list[str] = []

    def baseline(bundle: CaseBundle, pack_hash: str, guideline_hash: str, earlier: Any) -> DecisionBasis:
        calls.append(pack_hash)
        return pipeline.evaluate(bundle, pack_hash, guideline_hash, earlier=earlier).basis

    out = impact.redecide(_ports(pipeline, baseline=baseline, code_version="test-1"), case)
    assert calls == [] and out["baseline_from"] == "stored" and "replay_identical" not in out
    assert out["baseline"] == decided["baseline"] and out["draft"] == decided["draft"]  # the same summary, unread
    skipped = impact.redecide(_ports(pipeline, baseline=baseline, code_version="test-1", covers=lambda m: False),
                              case)
    assert (skipped["status"], skipped["reason"]) == ("skipped", "a month the draft does not cover (use --as-month)")
    assert skipped["baseline"] == decided["baseline"] and calls == []
    # another code version, or a stored basis that names another pack than the decision: decided again
    for kw, other in (({"code_version": "test-2"}, case),
                      ({"code_version": "test-1"}, case.__class__(**{**case.__dict__, "basis_json": case.basis_json
                                                                  .replace(case.pack_hash, "sha256:" + "1" * 64)}))):
        out = impact.redecide(_ports(pipeline, baseline=baseline, **kw), other)
        assert out["baseline_from"] == "decided" and out["status"] == "compared"
    assert len(calls) == 2


@pytest.mark.parametrize(("kw", "status", "reason"), [
    ({"covers": lambda month: False}, "skipped", "a month the draft does not cover (use --as-month)"),
    ({"as_month": "2020-01", "shift": lambda b: (_ for _ in ()).throw(ValueError())}, "skipped",
     "applied for a month after 2020-01"),
])
def test_redecide_skips_what_the_draft_cannot_decide(env: Env, pipeline: Pipeline, kw: Any, status: str,
                                                     reason: str) -> None:
    _decide(env, pipeline, example("01"))
    [case], _ = impact.cases(env.uow, None, None)
    out = impact.redecide(_ports(pipeline, **kw), case)
    assert (out["status"], out["reason"]) == (status, reason) and "draft" not in out


def test_redecide_names_a_baseline_or_draft_failure(env: Env, pipeline: Pipeline) -> None:
    _decide(env, pipeline, example("01"))
    [case], _ = impact.cases(env.uow, None, None)

    def broken(bundle: CaseBundle, guideline_hash: str, earlier: Any) -> DecisionBasis:
        raise ConfigurationError("no such draft")

    out = impact.redecide(_ports(pipeline, draft=broken), case)
    assert out["status"] == "failed"
    assert out["reason"] == "the draft could not decide it (ConfigurationError: no such draft)"
    unknown = case.__class__(**{**case.__dict__, "pack_hash": "sha256:" + "0" * 64})
    out = impact.redecide(_ports(pipeline), unknown)
    assert out["status"] == "skipped" and out["reason"].startswith("the stored decision cannot be replayed (")
