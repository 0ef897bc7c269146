"""The applicant is told that something happened (never what) when a decision is signed and its letter made
available — by a handler, after a second signature, by a rättelse/ändring or automatically — and when a proposal
is returned for more information; never while a decision waits for its second signature. On the fake and the
SQL unit of work, each with the applicant's keyed HMAC stored (``household_key``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from adapters.driven.db.casefile import line_group
from adapters.driving.web import reason_codes
from adapters.driving.web.signoff import override_evaluator
from decision.pipeline import Pipeline
from decision.services import automation, correcting, deciding, signoff
from decision.services.signoff_types import SignOffPorts
from tests.services import SERVICES
from tests.unit.services.conftest import Access, Clock, Env, example
from tests.unit.services.fakes import FakeUnitOfWork
from tests.unit.services.test_signoff import AUTO, HANDLER, POLICY, SUPERVISOR, Letters


class Told:
    """A notifier that records what it was asked to send (the person's key and the event's name)."""

    def __init__(self, fail: bool = False) -> None:
        self.sent: list[tuple[str, str]] = []
        self.fail = fail

    def notify(self, person_key: str, event: str) -> None:
        self.sent.append((person_key, event))
        if self.fail:
            raise ConnectionError("the SMS gateway is down")


@pytest.fixture(params=["fake", "sqlite"])
def keyed(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Env]:
    if request.param == "fake":
        yield Env("fake", FakeUnitOfWork(person_key=True))
        return
    from adapters.driven.db import migrate
    from adapters.driven.db.engine import Database
    from adapters.driven.db.uow import SqlUnitOfWork

    db = Database(f"sqlite:///{tmp_path / 'finaid.db'}")
    migrate.upgrade(db)
    yield Env("sqlite", SqlUnitOfWork(db, person_key=lambda p: f"hmac:{p[-4:]}"), db)
    db.dispose()


def _decided(env: Env, pipeline: Pipeline, name: str) -> tuple[str, str, str]:
    bundle = example(name)
    out = deciding.decide(env.uow, pipeline, SERVICES.catalog, Access(), Clock(), bundle, actor="user:test",
                          code_version="test-1")
    applicant = next(m.personnummer for m in bundle.application.household if m.role.value == "applicant")
    return out.decided.bundle.application.id, out.decision_id, f"hmac:{applicant[-4:]}"


def _ports(env: Env, told: Any) -> SignOffPorts:
    return SignOffPorts(Clock(), reason_codes.for_municipality, override_evaluator(), Letters(env), line_group,
                        notifier=told)


def test_signing_tells_the_applicant_once_the_letter_is_made(keyed: Env, pipeline: Pipeline) -> None:
    app_id, decision_id, key = _decided(keyed, pipeline, "01")
    told = Told()
    signoff.sign(keyed.uow, _ports(keyed, told), HANDLER, app_id, signoff.SignRequest("approve", decision_id), POLICY)
    assert told.sent == [(key, "decision_made")]  # the event only: never the outcome or an amount


def test_four_eyes_tells_only_after_the_second_signature(keyed: Env, pipeline: Pipeline) -> None:
    app_id, decision_id, key = _decided(keyed, pipeline, "03")
    told = Told()
    ports = _ports(keyed, told)
    first = signoff.sign(keyed.uow, ports, HANDLER, app_id, signoff.SignRequest(
        "reject", decision_id, reason_code="avslag.tillgangar_ska_anvandas", motivation="Sparande."),
        signoff.Policy(threshold_ore=0))
    assert first.needs_second and told.sent == []  # nothing decided yet: nothing to tell
    signoff.countersign(keyed.uow, ports, SUPERVISOR, app_id, first.sign_off_id)
    assert told.sent == [(key, "decision_made")]


def test_return_tells_that_something_is_asked(keyed: Env, pipeline: Pipeline) -> None:
    app_id, decision_id, key = _decided(keyed, pipeline, "02")
    told = Told()
    signoff.return_for_information(keyed.uow, _ports(keyed, told), HANDLER, app_id, decision_id,
                                   "komplettering.underlag_saknas", "Lönespecifikation saknas.")
    assert told.sent == [(key, "information_requested")]


def test_an_automated_decision_tells_the_applicant(keyed: Env, pipeline: Pipeline) -> None:
    app_id, decision_id, key = _decided(keyed, pipeline, "01")
    told = Told()
    assert automation.automate(keyed.uow, Letters(keyed), Clock(), decision_id, app_id, AUTO, told) is not None
    assert told.sent == [(key, "decision_made")]


def test_a_failing_notifier_never_undoes_the_decision(keyed: Env, pipeline: Pipeline) -> None:
    app_id, decision_id, _ = _decided(keyed, pipeline, "01")
    told = Told(fail=True)
    result = signoff.sign(keyed.uow, _ports(keyed, told), HANDLER, app_id,
                          signoff.SignRequest("approve", decision_id), POLICY)
    assert result.state == "signed" and keyed.applications()[app_id]["state"] == "signed" and len(told.sent) == 1


def test_a_rattelse_tells_the_applicant_when_its_letter_is_made(keyed: Env, pipeline: Pipeline) -> None:
    app_id, decision_id, key = _decided(keyed, pipeline, "01")
    told = Told()
    ports = _ports(keyed, told)
    first = signoff.sign(keyed.uow, ports, HANDLER, app_id, signoff.SignRequest("approve", decision_id), POLICY)
    with keyed.uow:
        case = keyed.uow.signoffs.case(app_id)
    rent = next(i for i, line in enumerate(case.basis.lines) if line.rule == "cost.rent")
    higher = (signoff.Override(rent, signoff.ore(case.basis.lines[rent].amount) + 10_000, "kostnad.tillfallig_overgang",
                               "Hyran var högre enligt hyresavtalet."),)
    out = correcting.change(keyed.uow, ports, HANDLER, app_id, correcting.ChangeRequest(
        "rattelse", first.sign_off_id, higher, "Skrivfel i hyran."), POLICY)
    assert out.letter_id and told.sent == [(key, "decision_made"), (key, "decision_made")]
