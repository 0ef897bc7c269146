"""Use case replaying (decide stored decisions again with their pins) on both units of work."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from audit.replay import DIFFERENT_CODE_CHANGED, DIFFERENT_SAME_CODE, FAILED, IDENTICAL, PURGED, verdict
from decision.pipeline import Pipeline
from decision.services import deciding, replaying
from tests.services import SERVICES
from tests.unit.services.conftest import Access, Clock, Env, example

ACTOR = "user:test"


def _decide(env: Env, pipeline: Pipeline, name: str) -> str:
    out = deciding.decide(env.uow, pipeline, SERVICES.catalog, Access(), Clock(), example(name), actor=ACTOR,
                          code_version="test-1")
    return out.decision_id


def _set(env: Env, decision_id: str, column: str, value: Any) -> None:
    if env.kind == "fake":
        env.uow.committed.decisions[decision_id][column] = value
        return
    with env.db.transaction() as s:
        s.execute(sa.text(f"UPDATE decision SET {column} = :v WHERE id = :i"), {"v": value, "i": decision_id})  # noqa: S608


def test_a_stored_decision_replays_byte_identical_and_stores_nothing(env: Env, pipeline: Pipeline) -> None:
    ids = [_decide(env, pipeline, "01"), _decide(env, pipeline, "02")]
    events = env.events()
    [stored] = [d["basis_json"] for d in env.table("decision") if d["id"] == ids[0]]
    results = replaying.replay(env.uow, pipeline, [ids[1], "nope", ids[0]])
    assert [r.decision.id for r in results] == [ids[1], ids[0]]  # the order asked, unknown ids left out
    assert results[1].basis == stored.encode("utf-8") and results[1].error is None
    assert [verdict(r, "test-1").verdict for r in results] == [IDENTICAL, IDENTICAL]
    assert env.events() == events and not env.is_open()


def test_between_lists_the_months_decisions_in_decision_order(env: Env, pipeline: Pipeline) -> None:
    first, second = _decide(env, pipeline, "01"), _decide(env, pipeline, "02")
    months = {d["id"]: d["month"] for d in env.table("decision")}
    lo, hi = min(months.values()), max(months.values())
    assert set(replaying.between(env.uow, lo, hi)) == {first, second}
    assert replaying.between(env.uow, "1990-01", "1990-12") == []


def test_a_changed_basis_is_named_by_whether_the_code_changed(env: Env, pipeline: Pipeline) -> None:
    decision_id = _decide(env, pipeline, "01")
    [stored] = [d["basis_json"] for d in env.table("decision")]
    _set(env, decision_id, "basis_json", stored.replace('"outcome"', '"outcome_x"', 1))
    [r] = replaying.replay(env.uow, pipeline, [decision_id])
    assert verdict(r, "test-1").verdict == DIFFERENT_SAME_CODE
    assert verdict(r, "test-2").verdict == DIFFERENT_CODE_CHANGED


def test_a_missing_pin_fails_and_a_purged_decision_is_named(env: Env, pipeline: Pipeline) -> None:
    decision_id = _decide(env, pipeline, "01")
    _set(env, decision_id, "pack_hash", "sha256:" + "0" * 64)
    [r] = replaying.replay(env.uow, pipeline, [decision_id])
    assert r.basis is None and r.error and verdict(r, "test-1").verdict == FAILED
    _set(env, decision_id, "basis_json", None)
    [r] = replaying.replay(env.uow, pipeline, [decision_id])
    assert r.basis is None and verdict(r, "test-1").verdict == PURGED
