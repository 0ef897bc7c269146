"""Use cases after and around a decision — rättelse/ändring (FL 36–39 §§), kommunicering (25 §) and journal
notes — on both units of work (the fake and SQLite), with audit verify on the SQLite trail."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from decision.pipeline import Pipeline
from decision.services import communicating, correcting, notes, signoff
from decision.services.retention import Exemptions, purge
from decision.services.signoff_types import Signer
from tests.unit.services.conftest import Clock, Env
from tests.unit.services.test_signoff import HANDLER, POLICY, SUPERVISOR, Letters, _decided, _ports, _record

OVERRIDE = "kostnad.tillfallig_overgang"


def rows(env: Env, table: str) -> list[dict[str, Any]]:
    if env.kind == "fake":
        name = {"case_note": "notes", "communication": "communications", "decision_change": "changes"}[table]
        return list(getattr(env.uow.committed, name).values())
    with env.db.read() as s:
        return [dict(r._mapping) for r in s.execute(sa.text(f"SELECT * FROM {table} ORDER BY at, id"))]  # noqa: S608


def verify_ok(env: Env) -> None:
    if env.kind != "sqlite":
        return
    from adapters.driven.db.audit_store import verify

    with env.db.read() as s:
        report = verify(s)
    assert report.problems == [], report.problems


def _line(env: Env, app_id: str, rule: str) -> tuple[int, int]:
    with env.uow:
        case = env.uow.signoffs.case(app_id)
    i = next(i for i, line in enumerate(case.basis.lines) if line.rule == rule)
    return i, signoff.ore(case.basis.lines[i].amount)


def _signed(env: Env, pipeline: Pipeline, name: str = "01") -> tuple[str, str, str, Letters]:
    app_id, decision_id = _decided(env, pipeline, name)
    letters = Letters(env)
    first = signoff.sign(env.uow, _ports(env, letters), HANDLER, app_id, signoff.SignRequest("approve", decision_id),
                         POLICY)
    return app_id, decision_id, first.sign_off_id, letters


def test_a_change_to_the_disadvantage_needs_a_ground_and_supersedes_the_old_decision(env: Env,
                                                                                      pipeline: Pipeline) -> None:
    app_id, _, old_id, letters = _signed(env, pipeline)
    ports = _ports(env, letters)
    rent, allowed = _line(env, app_id, "cost.rent")
    lower = (signoff.Override(rent, allowed - 50_000, OVERRIDE, "Hyran var lägre enligt hyresavtalet."),)
    req = correcting.ChangeRequest("andring", old_id, lower, "Hyresavtalet visar en lägre hyra.")
    with pytest.raises(signoff.SignOffError, match="37 § andra stycket"):
        correcting.change(env.uow, ports, HANDLER, app_id, req, POLICY)
    req = correcting.ChangeRequest("andring", old_id, lower, "Hyresavtalet visar en lägre hyra.", ground="uppgifter")
    planned = correcting.plan(env.uow, ports, app_id, req)
    assert planned.disadvantage and planned.total == planned.previous_total - 50_000
    assert planned.communication == {"status": "missing", "law": communicating.LAW} and planned.warnings
    out = correcting.change(env.uow, ports, HANDLER, app_id, req, POLICY)
    assert out.state == "signed" and out.letter_id and out.warnings == [signoff.NOT_COMMUNICATED]
    assert [e for e, _ in env.events()][-2:] == ["decision_changed", "letter_created"]
    record = _record(env, out.sign_off_id)
    assert record["action"] == "andring" and record["change"]["supersedes"] == old_id
    assert record["change"]["disadvantage"] is True and record["change"]["ground"] == "uppgifter"
    assert record["communication"]["status"] == "missing"
    assert record["amounts"]["decided"] == signoff.format_ore(planned.total)
    [change] = rows(env, "decision_change")
    assert (change["old_sign_off_id"], change["new_sign_off_id"], change["kind"]) == (old_id, out.sign_off_id,
                                                                                     "andring")
    assert _record(env, old_id)["outcome"] == "beviljat"  # the old decision stays readable
    with env.uow:
        assert env.uow.casework.signed(app_id).id == out.sign_off_id
    with pytest.raises(signoff.SignOffError, match="redan ändrats"):  # the replaced decision cannot be changed
        correcting.change(env.uow, ports, HANDLER, app_id, req, POLICY)
    verify_ok(env)


def test_a_correction_in_the_applicants_favour_needs_no_ground(env: Env, pipeline: Pipeline) -> None:
    app_id, _, old_id, letters = _signed(env, pipeline)
    rent, allowed = _line(env, app_id, "cost.rent")
    up = (signoff.Override(rent, allowed + 10_000, OVERRIDE, "Räknefel i hyran."),)
    out = correcting.change(env.uow, _ports(env, letters), HANDLER, app_id,
                            correcting.ChangeRequest("rattelse", old_id, up, "Räknefel: hyran skrevs in fel."), POLICY)
    record = _record(env, out.sign_off_id)
    assert record["change"]["kind"] == "rattelse" and record["change"]["disadvantage"] is False
    assert "communication" not in record and out.warnings == []
    assert letters.rendered == ["approve", "rattelse"]


def test_a_change_over_the_limit_waits_for_four_eyes_and_a_refusal_keeps_the_old_one(env: Env,
                                                                                      pipeline: Pipeline) -> None:
    app_id, _, old_id, letters = _signed(env, pipeline)
    ports = _ports(env, letters)
    rent, allowed = _line(env, app_id, "cost.rent")
    up = (signoff.Override(rent, allowed + 200_000, OVERRIDE, "Ny hyra."),)
    req = correcting.ChangeRequest("andring", old_id, up, "Ny hyra från och med månaden.")
    first = correcting.change(env.uow, ports, HANDLER, app_id, req, POLICY)
    assert first.needs_second and env.applications()[app_id]["state"] == "awaiting_second_signature"
    assert rows(env, "decision_change") == []
    refused = signoff.refuse(env.uow, ports, SUPERVISOR, app_id, first.sign_off_id,
                             "underskrift.motivering_otillracklig", "Underlag saknas.")
    assert refused.state == "signed" and env.applications()[app_id]["state"] == "signed"
    with env.uow:
        assert env.uow.casework.signed(app_id).id == old_id
    again = correcting.change(env.uow, ports, HANDLER, app_id, req, POLICY)
    done = signoff.countersign(env.uow, ports, SUPERVISOR, app_id, again.sign_off_id)
    assert done.state == "signed" and done.letter_id
    [change] = rows(env, "decision_change")
    assert (change["old_sign_off_id"], change["new_sign_off_id"]) == (old_id, done.sign_off_id)
    verify_ok(env)


def test_kommunicering_holds_the_case_until_the_answer(env: Env, pipeline: Pipeline) -> None:
    app_id, decision_id = _decided(env, pipeline, "03")
    rent, _ = _line(env, app_id, "cost.rent")
    clock = Clock()
    with pytest.raises(signoff.SignOffError, match="minst en uppgift"):
        communicating.send(env.uow, clock, HANDLER, app_id, communicating.SendRequest(decision_id, ()))
    sent = communicating.send(env.uow, clock, HANDLER, app_id,
                              communicating.SendRequest(decision_id, (f"line:{rent}",), message="Hyran över taket."))
    assert env.applications()[app_id]["state"] == "awaiting_comment"
    [row] = rows(env, "communication")
    assert row["reply_by"] in (date(2026, 12, 8), "2026-12-08")  # seven days, the Stockholm calendar
    assert json.loads(row["items_json"])[0]["ref"] == f"line:{rent}"
    with pytest.raises(signoff.SignOffError, match="svarstiden"):
        communicating.close(env.uow, clock, HANDLER, app_id, sent, "", no_answer=True)
    with pytest.raises(signoff.SignOffError):  # no decision while held
        signoff.sign(env.uow, _ports(env, Letters(env)), HANDLER, app_id, signoff.SignRequest("approve", decision_id),
                     POLICY)
    later = Clock(datetime(2026, 12, 9, 8, 0, tzinfo=UTC))
    communicating.close(env.uow, later, HANDLER, app_id, sent, "", no_answer=True)
    assert env.applications()[app_id]["state"] == "proposed"
    assert [e for e, _ in env.events()][-2:] == ["communication_sent", "communication_closed"]
    out = signoff.sign(env.uow, _ports(env, Letters(env)), HANDLER, app_id, signoff.SignRequest(
        "reject", decision_id, reason_code="avslag.tillgangar_ska_anvandas", motivation="Sparande."), POLICY)
    record = _record(env, out.sign_off_id)
    assert record["communication"] == {"status": "done", "id": sent, "answer": "no_answer", "law": communicating.LAW}
    assert out.warnings == []
    verify_ok(env)


def test_signing_against_the_applicant_without_kommunicering_warns_or_records_the_exception(
        env: Env, pipeline: Pipeline) -> None:
    app_id, decision_id = _decided(env, pipeline, "03")
    reject = signoff.SignRequest("reject", decision_id, reason_code="avslag.tillgangar_ska_anvandas",
                                 motivation="Sparande.", skip_communication=("nope", "x"))
    with pytest.raises(signoff.SignOffError, match="undantag"):
        signoff.sign(env.uow, _ports(env, Letters(env)), HANDLER, app_id, reject, POLICY)
    reject = signoff.SignRequest("reject", decision_id, reason_code="avslag.tillgangar_ska_anvandas",
                                 motivation="Sparande.", skip_communication=("obehovligt", "Uppgiften kom från henne."))
    out = signoff.sign(env.uow, _ports(env, Letters(env)), HANDLER, app_id, reject, POLICY)
    record = _record(env, out.sign_off_id)
    assert record["communication"]["status"] == "skipped" and record["communication"]["exception"] == "obehovligt"
    assert [r["step"] for r in rows(env, "communication")] == ["skipped"]
    verify_ok(env)


def test_notes_are_added_never_edited_and_purged_with_the_case(env: Env, pipeline: Pipeline) -> None:
    app_id, _ = _decided(env, pipeline, "01")
    first = notes.add_note(env.uow, Clock(), HANDLER, app_id, "Ringde den sökande om hyresavtalet.")
    with pytest.raises(signoff.SignOffError):
        notes.add_note(env.uow, Clock(), HANDLER, app_id, "   ")
    with pytest.raises(signoff.SignOffError, match="rättas finns inte"):
        notes.add_note(env.uow, Clock(), HANDLER, app_id, "Rättelse.", refers_to="01NOSUCHNOTE")
    later = Clock(Clock().at + timedelta(minutes=5))
    notes.add_note(env.uow, later, Signer("user:x", "Xena", None, "handler"), app_id,
                   "Rättelse: det var hyresvärden jag ringde.", refers_to=first.note_id)
    listed = notes.notes(env.uow, app_id)
    assert [n.text for n in listed] == ["Ringde den sökande om hyresavtalet.",
                                        "Rättelse: det var hyresvärden jag ringde."]
    assert listed[1].refers_to == first.note_id and listed[1].author == "user:x"
    assert [e for e, _ in env.events()][-2:] == ["note_added", "note_added"]
    verify_ok(env)
    purge(env.uow, Clock(), date(2100, 1, 1), Exemptions(frozenset(), frozenset(), frozenset()), "system:gallring")
    assert [n["text"] for n in rows(env, "case_note")] == [None, None]
    assert env.payloads()[-1]["casework"] == 2
    verify_ok(env)


def test_a_pair_of_states_with_two_transitions_is_moved_by_the_event_named() -> None:
    from decision.states import TransitionError, transition

    assert transition("awaiting_second_signature", "signed").event == "signed"  # the first listed
    assert transition("awaiting_second_signature", "signed", "second_signature_refused").event \
        == "second_signature_refused"
    assert transition("signed", "signed", "decision_changed").actor == "user"
    with pytest.raises(TransitionError):
        transition("awaiting_second_signature", "signed", "returned")
    with pytest.raises(TransitionError):  # a held case cannot be signed before the answer or the date
        transition("awaiting_comment", "awaiting_second_signature")
