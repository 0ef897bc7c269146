"""Use cases signoff (sign / amend / reject / return / countersign / refuse) and automation, on both units of work."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import pytest

from adapters.driven.db.casefile import line_group
from adapters.driving.web import reason_codes
from adapters.driving.web.signoff import override_evaluator
from decision.pipeline import Pipeline
from decision.services import automation, deciding, signoff
from decision.services.signoff_types import RenderedLetter, Signer, SignOffPorts
from decision.uow import CaseView
from tests.services import SERVICES
from tests.unit.services.conftest import Access, Clock, Env, example

HANDLER = Signer("user:handlaggare1", "Hanna Handläggare", "Socialsekreterare", "handler")
SUPERVISOR = Signer("user:supervisor1", "Sara Chef", "Enhetschef", "supervisor")
POLICY = signoff.Policy()
AUTO = {"1287": {"delegation_reference": "SN 2025-03-12 § 45, delegationsordning p. 4.2",
                 "allowed_notices": ["guideline.example", "parameter.not_verified"]}}


class Letters:
    """A letter renderer that records that it ran outside any transaction."""

    def __init__(self, env: Env) -> None:
        self.env = env
        self.rendered: list[str] = []

    def render(self, case: CaseView, record: Mapping[str, Any], at: datetime) -> RenderedLetter:
        assert not self.env.is_open(), "a letter is rendered before the transaction opens"
        self.rendered.append(str(record["action"]))
        return RenderedLetter(f"<p>Beslut {case.app.id}</p>", b"%PDF-fake", "sha256:templates")


def _ports(env: Env, letters: Letters) -> SignOffPorts:
    return SignOffPorts(Clock(), reason_codes.for_municipality, override_evaluator(), letters, line_group)


def _decided(env: Env, pipeline: Pipeline, name: str) -> tuple[str, str]:
    out = deciding.decide(env.uow, pipeline, SERVICES.catalog, Access(), Clock(), example(name),
                          actor="user:test", code_version="test-1")
    return out.decided.bundle.application.id, out.decision_id


def _record(env: Env, sign_off_id: str) -> dict[str, Any]:
    row = next(r for r in env.table("sign_off") if r["id"] == sign_off_id)
    return dict(json.loads(row["record_json"]))


def test_approve_signs_and_stores_the_letter_rendered_before(env: Env, pipeline: Pipeline) -> None:
    app_id, decision_id = _decided(env, pipeline, "01")
    letters = Letters(env)
    result = signoff.sign(env.uow, _ports(env, letters), HANDLER, app_id, signoff.SignRequest("approve", decision_id),
                          POLICY)
    assert (result.state, result.needs_second) == ("signed", False) and result.letter_id
    assert letters.rendered == ["approve"]
    assert env.applications()[app_id]["state"] == "signed"
    assert [e for e, _ in env.events()][-2:] == ["signed", "letter_created"]
    record = _record(env, result.sign_off_id)
    assert record["action"] == "approve" and record["outcome"] == "beviljat" and record["trace"] == []
    [letter] = env.table("letter")
    assert letter["sign_off_id"] == result.sign_off_id and letter["template_hash"] == "sha256:templates"


def test_amend_over_the_threshold_waits_for_a_second_person(env: Env, pipeline: Pipeline) -> None:
    app_id, decision_id = _decided(env, pipeline, "03")
    letters = Letters(env)
    ports = _ports(env, letters)
    case = env.uow.__enter__().signoffs.case(app_id)
    env.uow.__exit__(None, None, None)
    rent = next(i for i, line in enumerate(case.basis.lines) if line.rule == "cost.rent")
    allowed = signoff.ore(case.basis.lines[rent].amount)
    first = signoff.sign(env.uow, ports, HANDLER, app_id, signoff.SignRequest("amend", decision_id, overrides=(
        signoff.Override(rent, allowed + 200_000, "kostnad.tillfallig_overgang", "Övergång."),)), POLICY)
    assert first.needs_second and first.state == "awaiting_second_signature" and letters.rendered == []
    record = _record(env, first.sign_off_id)
    assert [s["rule"] for s in record["trace"]] == ["override.cost.rent", "override.result.decided"]
    assert {(o["rule"], o["reason_code"]) for o in env.table("sign_off_override")} == {
        ("cost.rent", "kostnad.tillfallig_overgang")}
    with pytest.raises(signoff.SignOffError):  # the same person cannot give the second signature
        signoff.countersign(env.uow, ports, Signer(HANDLER.actor, None, None, "supervisor"), app_id, first.sign_off_id)
    second = signoff.countersign(env.uow, ports, SUPERVISOR, app_id, first.sign_off_id)
    assert second.state == "signed" and second.letter_id and letters.rendered == ["amend"]
    assert [e for e, _ in env.events()][-3:] == ["signed", "signed", "letter_created"]


def test_refuse_sends_the_proposal_back(env: Env, pipeline: Pipeline) -> None:
    app_id, decision_id = _decided(env, pipeline, "03")
    ports = _ports(env, Letters(env))
    first = signoff.sign(env.uow, ports, HANDLER, app_id, signoff.SignRequest("reject", decision_id,
                         reason_code="avslag.tillgangar_ska_anvandas", motivation="Sparande."),
                         signoff.Policy(threshold_ore=0))
    assert first.needs_second
    out = signoff.refuse(env.uow, ports, SUPERVISOR, app_id, first.sign_off_id, "underskrift.motivering_otillracklig",
                         "Motivera mer.")
    assert out.state == "proposed" and env.applications()[app_id]["state"] == "proposed"
    assert [e for e, _ in env.events()][-1] == "second_signature_refused"
    assert ("outcome", "avslag.tillgangar_ska_anvandas") in {(o["rule"], o["reason_code"])
                                                             for o in env.table("sign_off_override")}


def test_return_for_information(env: Env, pipeline: Pipeline) -> None:
    app_id, decision_id = _decided(env, pipeline, "02")
    out = signoff.return_for_information(env.uow, _ports(env, Letters(env)), HANDLER, app_id, decision_id,
                                         "komplettering.underlag_saknas", "Lönespecifikation saknas.")
    assert out.state == "returned" and env.applications()[app_id]["state"] == "returned"
    assert [e for e, _ in env.events()][-1] == "returned"
    with pytest.raises(signoff.SignOffError):  # only a proposal can be returned
        signoff.return_for_information(env.uow, _ports(env, Letters(env)), HANDLER, app_id, decision_id,
                                       "komplettering.underlag_saknas", "Igen.")


def test_a_superseded_or_invalid_request_writes_nothing(env: Env, pipeline: Pipeline) -> None:
    app_id, decision_id = _decided(env, pipeline, "01")
    before = env.events()
    ports = _ports(env, Letters(env))
    with pytest.raises(signoff.SignOffError):
        signoff.sign(env.uow, ports, HANDLER, app_id, signoff.SignRequest("approve", "01OTHERDECISION"), POLICY)
    with pytest.raises(signoff.SignOffError):
        signoff.sign(env.uow, ports, HANDLER, app_id, signoff.SignRequest("reject", decision_id), POLICY)
    with pytest.raises(signoff.CaseNotFound):
        signoff.sign(env.uow, ports, HANDLER, "no-such-case", signoff.SignRequest("approve", decision_id), POLICY)
    assert env.events() == before and env.table("sign_off") == []


def test_automation_decides_only_where_enabled(env: Env, pipeline: Pipeline) -> None:
    app_id, decision_id = _decided(env, pipeline, "01")
    letters = Letters(env)
    assert automation.automate(env.uow, letters, Clock(), decision_id, app_id, {}) is None
    assert automation.automate(env.uow, letters, Clock(), "01OTHER", app_id, AUTO) is None
    sign_off = automation.automate(env.uow, letters, Clock(), decision_id, app_id, AUTO)
    assert sign_off is not None and env.applications()[app_id]["state"] == "auto_approved"
    assert [e for e, _ in env.events()][-2:] == ["auto_approved", "letter_created"]
    assert env.payloads()[-2]["delegation_reference"] == AUTO["1287"]["delegation_reference"]
    assert _record(env, sign_off)["automated"]["legal_basis"] == automation.LEGAL_BASIS
    # a second try finds the case decided
    assert automation.automate(env.uow, letters, Clock(), decision_id, app_id, AUTO) is None
