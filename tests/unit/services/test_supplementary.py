"""Supplementary applications (tilläggsansökan, case bundle /2) on both units of work: refused without a signed
decision for the household's month; otherwise decided against it, stored with it, replayed with it, never
automated, and never a revision of the earlier application (decision/services/supplementary.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from adapters.driven.db.casefile import line_group
from adapters.driving.web import reason_codes
from adapters.driving.web.signoff import override_evaluator
from decision.errors import InputError
from decision.pipeline import Pipeline
from decision.ports import EarlierDecision
from decision.services import automation, deciding, intake, replaying, signoff
from decision.services.signoff_types import RenderedLetter, SignOffPorts
from decision.uow import CaseView
from decision.validation import parse_bundle
from tests.services import SERVICES
from tests.unit.services.conftest import EXAMPLES, KEY, Access, Clock, Env
from tests.unit.services.fakes import FakeUnitOfWork

HANDLER = signoff.Signer("user:handlaggare1", "Hanna Handläggare", "Socialsekreterare", "handler")
LATER = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)  # the bundle/2 packs (published 2026-12-04) apply, once they exist


class Letters:
    def render(self, case: CaseView, record: Any, at: datetime) -> RenderedLetter:
        return RenderedLetter(f"<p>Beslut {case.app.id}</p>", b"%PDF-fake", "sha256:templates")


@pytest.fixture(params=["fake", "sqlite"])
def env(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Env]:
    """As tests/unit/services/conftest.py, with the household key configured (as it always is in service)."""
    if request.param == "fake":
        yield Env("fake", FakeUnitOfWork(person_key=True))
        return
    from adapters.driven.db import migrate
    from adapters.driven.db.engine import Database
    from adapters.driven.db.uow import SqlUnitOfWork

    db = Database(f"sqlite:///{tmp_path / 'finaid.db'}")
    migrate.upgrade(db)
    yield Env("sqlite", SqlUnitOfWork(db, person_key=lambda p: f"hmac:{p[-4:]}", access_key=KEY), db)
    db.dispose()


def original() -> Any:
    return parse_bundle((next(EXAMPLES.glob("01*.json"))).read_bytes())


def supplement(app_id: str = "APP-2023-000042-T1", glasses: bool = False) -> Any:
    """The worked example's household asking again for March 2023, as a /2 supplementary application."""
    data = json.loads(next(EXAMPLES.glob("01*.json")).read_text(encoding="utf-8"))
    data["schema"] = "finaid.case-bundle/2"
    app = data["application"]
    app.pop("previous_aid")
    app.update(id=app_id, kind="supplementary", submitted_at="2023-03-20T10:00:00+01:00")
    app["costs"].append({"kind": "work_travel", "amount": "300.00"})
    if glasses:
        app["costs"].append({"kind": "glasses", "amount": "900.00", "document": "bilaga-1",
                             "person": "198507092388"})
    return parse_bundle(json.dumps(data))


def _decide(env: Env, pipeline: Pipeline, bundle: Any, at: datetime | None = None) -> deciding.Outcome:
    return deciding.decide(env.uow, pipeline, SERVICES.catalog, Access(), Clock(at) if at else Clock(), bundle,
                           actor="user:test", code_version="test-1")


def _sign(env: Env, app_id: str, decision_id: str) -> None:
    """Approve as proposed, every MANUAL finding resolved (a supplement is always MANUAL under the /2 packs)."""
    ports = SignOffPorts(Clock(), reason_codes.for_municipality, override_evaluator(), Letters(), line_group)
    with env.uow as uow:
        case = uow.signoffs.case(app_id)
    resolutions = tuple(signoff.Resolution(i, "fynd.underlag_inkommit", "Underlag finns.")
                        for i, f in enumerate(case.basis.findings) if f.severity == "manual")
    signoff.sign(env.uow, ports, HANDLER, app_id, signoff.SignRequest("approve", decision_id, resolutions=resolutions),
                 signoff.Policy())


def test_a_supplement_without_a_signed_decision_is_refused_naming_the_kind(env: Env, pipeline: Pipeline) -> None:
    first = _decide(env, pipeline, original())  # proposed, not signed
    for attempt in (lambda: _decide(env, pipeline, supplement(), LATER),
                    lambda: intake.submit(env.uow, SERVICES.catalog, Clock(LATER), supplement(), "user:test")):
        with pytest.raises(InputError) as e:
            attempt()
        assert [err.path for err in e.value.errors] == ["application.kind"]
        assert "signed" in e.value.errors[0].message
    assert env.count("application_revision") == 1 and first.created  # nothing of the supplement stored


def test_a_supplement_is_decided_against_the_signed_decision_and_replayed_with_it(
    env: Env, pipeline: Pipeline
) -> None:
    first = _decide(env, pipeline, original())
    app_id = first.decided.bundle.application.id
    _sign(env, app_id, first.decision_id)
    decided_ore = signoff.ore(first.decided.basis.amounts.proposed)

    out = _decide(env, pipeline, supplement(), LATER)
    earlier = out.decided.earlier
    assert isinstance(earlier, EarlierDecision)
    assert (earlier.decision_id, earlier.month, earlier.total_ore) == (first.decision_id, "2023-03", decided_ore)
    # its own application; the signed decision is not superseded
    assert out.decided.bundle.application.id != app_id
    apps = env.applications()
    assert apps[app_id]["state"] == "signed" and apps[app_id]["current_decision_id"] == first.decision_id
    signed = next(d for d in env.table("decision") if d["id"] == first.decision_id)
    assert signed["superseded_by"] is None
    # the audit event names the earlier decision
    assert env.payloads()[-1]["earlier_decision"] == first.decision_id
    # replay passes the same earlier decision
    [again] = replaying.replay(env.uow, pipeline, [out.decision_id])
    assert again.decision.earlier == earlier
    assert again.basis == out.decided.basis.canonical_json()
    if env.kind == "sqlite":  # `finaid audit replay` reads the earlier decision too
        from adapters.driven.db.audit_store import replay_one, verify
        from adapters.driven.db.models import Decision
        from audit.replay import IDENTICAL

        with env.db.read() as s:
            assert replay_one(s, pipeline, s.get(Decision, out.decision_id), "test-1").verdict == IDENTICAL
            assert verify(s).all_problems() == []  # the decision's row hash covers the earlier decision named
        with env.db.transaction() as s:  # naming another earlier decision is an alteration verify sees
            s.execute(sa.text("UPDATE decision_earlier SET earlier_decision_id = 'X'"))
        with env.db.read() as s:
            assert any("altered" in p for p in verify(s).all_problems())


def test_impact_redecides_a_supplement_against_its_stored_earlier_decision(env: Env, pipeline: Pipeline) -> None:
    """``finaid rules impact`` re-decides a supplementary case as it was decided: with the earlier decision stored
    with it (not refused for want of one, and not the household's latest one)."""
    from decision.services import impact
    from tests.unit.services.test_impact import _ports

    first = _decide(env, pipeline, original())
    _sign(env, first.decided.bundle.application.id, first.decision_id)
    out = _decide(env, pipeline, supplement(), LATER)
    cases, _ = impact.cases(env.uow, "2023-03", "2023-03")
    by_id = {c.application_id: c for c in cases}
    assert by_id[first.decided.bundle.application.id].earlier is None
    case = by_id[out.decided.bundle.application.id]
    assert case.earlier == out.decided.earlier
    assert case.earlier is not None

    def same_pack(bundle: Any, guideline_hash: str, earlier: Any) -> Any:  # a draft identical to the pinned pack
        return pipeline.evaluate(bundle, case.pack_hash, guideline_hash, earlier=earlier).basis

    result = impact.redecide(_ports(pipeline, draft=same_pack), case)
    assert result["status"] == "compared" and result["replay_identical"] is True
    assert result["baseline"] == result["draft"]
    assert result["baseline"]["proposed"] == signoff.ore(out.decided.basis.amounts.proposed)
    without = impact.redecide(_ports(pipeline, draft=same_pack), case.__class__(**{**case.__dict__, "earlier": None}))
    assert without["status"] == "skipped"  # without the stored earlier decision it could not be re-decided


def test_the_lifecycle_impact_evaluator_passes_the_stored_earlier_decision(env: Env, pipeline: Pipeline,
                                                                           tmp_path: Path) -> None:
    """``finaid rules impact``'s own evaluator (adapters/driving/lifecycle/impact_worker.py): a draft identical
    to the supplement's pinned pack re-decides it exactly as decided."""
    if env.kind != "sqlite":
        pytest.skip("the lifecycle reads the stored caseload; the use case is tested on both above")
    from adapters.driving.lifecycle.impact_worker import ImpactEvaluator
    from decision.services import impact
    from tests.integration.test_impact import make_draft

    first = _decide(env, pipeline, original())
    _sign(env, first.decided.bundle.application.id, first.decision_id)
    out = _decide(env, pipeline, supplement(), LATER)
    [case] = [c for c in impact.cases(env.uow, None, None)[0] if c.earlier is not None]
    pack_id = out.decided.basis.rules.pack
    draft = make_draft(tmp_path, f"{pack_id}_copy", SERVICES.catalog.packs[pack_id].folder)
    result = ImpactEvaluator(str(draft), None).decide(case)
    assert result["status"] == "compared" and result["replay_identical"] is True, result
    assert result["baseline"] == result["draft"]
    assert result["baseline"]["proposed"] == signoff.ore(out.decided.basis.amounts.proposed)


def test_retention_blanks_the_earlier_total_on_both_units_of_work(env: Env, pipeline: Pipeline) -> None:
    """Retention blanks the earlier decision's total stored with a supplement (the id and month stay); replay
    and impact then have no earlier decision to pass — the same on the fake and in SQL."""
    from datetime import date

    from decision.services import impact
    from decision.services.retention import Exemptions, purge

    first = _decide(env, pipeline, original())
    _sign(env, first.decided.bundle.application.id, first.decision_id)
    out = _decide(env, pipeline, supplement(), LATER)
    purge(env.uow, Clock(LATER), date(2100, 1, 1), Exemptions(frozenset(), frozenset(), frozenset()), "system:g")
    [again] = replaying.replay(env.uow, pipeline, [out.decision_id])
    assert again.decision.earlier is None and again.basis is None
    if env.kind == "sqlite":
        with env.db.read() as s:
            [row] = s.execute(sa.text("SELECT earlier_decision_id, month, total_ore FROM decision_earlier")).all()
        assert tuple(row) == (first.decision_id, "2023-03", None)
    else:
        row = env.uow.committed.decisions[out.decision_id]["earlier"]
        assert (row["decision_id"], row["month"], row["total_ore"]) == (first.decision_id, "2023-03", None)
    assert impact.cases(env.uow, None, None) == ([], 2)  # purged: nothing left to re-decide


def test_a_second_supplement_counts_what_the_first_added(env: Env, pipeline: Pipeline) -> None:
    first = _decide(env, pipeline, original())
    _sign(env, first.decided.bundle.application.id, first.decision_id)
    one = _decide(env, pipeline, supplement("APP-T1"), LATER)
    _sign(env, "APP-T1", one.decision_id)
    two = _decide(env, pipeline, supplement("APP-T2"), LATER)
    assert two.decided.earlier is not None and two.decided.earlier.decision_id == one.decision_id
    assert two.decided.earlier.total_ore == signoff.ore(first.decided.basis.amounts.proposed) + signoff.ore(
        one.decided.basis.amounts.proposed)


def test_a_supplement_is_never_decided_automatically(env: Env, pipeline: Pipeline) -> None:
    first = _decide(env, pipeline, original())
    _sign(env, first.decided.bundle.application.id, first.decision_id)
    out = _decide(env, pipeline, supplement(), LATER)
    with env.uow as uow:
        case = uow.signoffs.case(out.decided.bundle.application.id)
    cfg = automation.AutoConfig("SN 2025-03-12 § 45", frozenset())
    assert automation.why_not(case, cfg) == "supplementary"
    assert not automation.uses_health_data(out.decided.bundle)
    assert automation.uses_health_data(supplement(glasses=True))  # glasses are health data


def test_a_version_the_selected_pack_refuses_stores_nothing(env: Env, pipeline: Pipeline) -> None:
    """``decide`` asks the catalog whether the pack the month selects takes the bundle's version before it
    stores anything (rules.catalog.Catalog.check_accepts, where the catalog has it)."""
    from decision.errors import FieldError

    class Packs:
        def pack_for(self, month: str, as_of: Any = None) -> object:
            return SERVICES.catalog.pack_for(month, as_of)

        def check_accepts(self, pack: Any, schema: str) -> None:
            if schema != "finaid.case-bundle/1":
                raise InputError([FieldError("schema", f"{schema} tas inte emot av regelpaketet {pack.id}")])

    bundle = supplement()
    with pytest.raises(InputError) as e:
        deciding.decide(env.uow, pipeline, Packs(), Access(), Clock(), bundle, actor="user:test", code_version="t")
    assert [err.path for err in e.value.errors] == ["schema"]
    assert env.count("application_revision") == 0
