"""``audit verify`` covers every stored record a decision rests on (issue 18, findings 5 and 6): altering or
deleting one row of any covered table makes verify fail naming it; a retention purge stays lawful."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from adapters.driven.db.audit_store import heads, load_why, purge, verify
from adapters.driven.db.uow import SqlUnitOfWork
from adapters.driving.web.signoff import Override, SignRequest, countersign, sign
from decision.services.retention import Exemptions
from tests.integration.web.conftest import Web
from tests.integration.web.test_signoff import _resolve_all


@dataclass
class Signed:
    granted: str  # application signed by one handler (with its letter)
    four_eyes: str  # application amended, then countersigned by a supervisor
    proposed: str  # application still proposed
    first: str  # the four-eyes application's first sign-off
    second: str  # its countersignature


@pytest.fixture
def signed(web: Web, ids: dict[str, str]) -> Signed:
    services = web.app.state.services
    granted, four_eyes, proposed = ids["01"], ids["11"], ids["02"]
    sign(web.db, web.identity("handlaggare1"), granted, SignRequest("approve", web.decision_id(granted)),
         services.policy, services.letters)
    other, _ = web.line(four_eyes, "cost.other")
    first = sign(web.db, web.identity("handlaggare1"), four_eyes, SignRequest(
        "amend", web.decision_id(four_eyes),
        overrides=(Override(other, 240_000, "kostnad.skalig_individuellt", "Akut tandvård."),),
        resolutions=_resolve_all(web, four_eyes)), services.policy)
    second = countersign(web.db, web.identity("supervisor1"), four_eyes, first.sign_off_id, services.letters)
    # registry evidence as the batch stores it: in the transaction whose event records it
    rev = web.scalar("SELECT current_revision_id FROM application WHERE id = :i", i=proposed)
    uow = SqlUnitOfWork(web.db)
    with uow:
        raw = b"<svar>synthetic</svar>"
        uow.evidence.add(rev, [("req-test-1", raw, hashlib.sha256(raw).hexdigest())], datetime.now(UTC))
        uow.audit.append([("system:batch", "evidence_stored", f"application:{proposed}", {"revision": rev})],
                         datetime.now(UTC))
        uow.commit()
    assert verify_problems(web) == []
    return Signed(granted, four_eyes, proposed, first.sign_off_id, second.sign_off_id)


@contextmanager
def tampering(web: Web) -> Iterator[Connection]:
    """A transaction in which the append-only triggers do not fire (what an attacker with the database does)."""
    with web.db.engine.begin() as conn:
        saved = list(conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"))
        for name, _ in saved:
            conn.exec_driver_sql(f"DROP TRIGGER {name}")
        yield conn
        for _, ddl in saved:
            conn.exec_driver_sql(ddl)


def verify_problems(web: Web, **heads_: tuple[int, str]) -> list[str]:
    with web.db.read() as s:
        return verify(s, heads_.get("audit"), heads_.get("access")).all_problems()


def _one(c: Connection, sql: str, **params: str) -> str:
    return str(c.execute(sa.text(sql), params).scalar())


def _decision(c: Connection, app_id: str) -> str:
    return _one(c, "SELECT current_decision_id FROM application WHERE id = :i", i=app_id)


Tamper = Callable[[Web, Connection, Signed], str]  # does one thing, returns what verify must name


def outcome(web: Web, c: Connection, s: Signed) -> str:  # finding 5: `audit why` would show REJECT
    d = _decision(c, s.granted)
    c.execute(sa.text("UPDATE decision SET outcome = 'REJECT' WHERE id = :d"), {"d": d})
    return f"decision:{d}"


def proposed_ore(web: Web, c: Connection, s: Signed) -> str:
    d = _decision(c, s.proposed)
    c.execute(sa.text("UPDATE decision SET proposed_ore = proposed_ore * 10 WHERE id = :d"), {"d": d})
    return f"decision:{d}"


def trace(web: Web, c: Connection, s: Signed) -> str:
    d = _decision(c, s.proposed)
    c.execute(sa.text("UPDATE decision SET trace_json = '[]' WHERE id = :d"), {"d": d})
    return f"decision:{d}"


def decision_actor(web: Web, c: Connection, s: Signed) -> str:
    d = _decision(c, s.proposed)
    c.execute(sa.text("UPDATE decision SET actor = 'user:someone' WHERE id = :d"), {"d": d})
    return f"decision:{d}"


def superseded(web: Web, c: Connection, s: Signed) -> str:
    d = _decision(c, s.proposed)
    c.execute(sa.text("UPDATE decision SET superseded_by = :d WHERE id = :d"), {"d": d})
    return f"decision:{d}"


def delete_decision(web: Web, c: Connection, s: Signed) -> str:
    d = _decision(c, s.proposed)
    c.execute(sa.text("DELETE FROM decision_use WHERE decision_id = :d"), {"d": d})
    c.execute(sa.text("DELETE FROM decision WHERE id = :d"), {"d": d})
    return f"decision:{d}"


def delete_use(web: Web, c: Connection, s: Signed) -> str:
    d = _decision(c, s.proposed)
    ref = c.execute(sa.text("SELECT ref FROM decision_use WHERE decision_id = :d LIMIT 1"), {"d": d}).scalar()
    c.execute(sa.text("DELETE FROM decision_use WHERE decision_id = :d AND ref = :r"), {"d": d, "r": ref})
    return f"decision:{d}"


def delete_revision(web: Web, c: Connection, s: Signed) -> str:
    rev = _one(c, "SELECT current_revision_id FROM application WHERE id = :i", i=s.proposed)
    c.execute(sa.text("DELETE FROM registry_evidence WHERE revision_id = :r"), {"r": rev})
    for d in c.execute(sa.text("SELECT id FROM decision WHERE revision_id = :r"), {"r": rev}).scalars().all():
        c.execute(sa.text("DELETE FROM decision_use WHERE decision_id = :d"), {"d": d})
        c.execute(sa.text("DELETE FROM decision WHERE id = :d"), {"d": d})
    c.execute(sa.text("DELETE FROM application_revision WHERE id = :r"), {"r": rev})
    return f"revision {rev}"


def state(web: Web, c: Connection, s: Signed) -> str:  # proposed moved to signed behind the use cases
    c.execute(sa.text("UPDATE application SET state = 'signed' WHERE id = :i"), {"i": s.proposed})
    return f"application:{s.proposed}"


def evidence_raw(web: Web, c: Connection, s: Signed) -> str:
    c.execute(sa.text("UPDATE registry_evidence SET raw = :r"), {"r": b"<svar>forged</svar>"})
    return "registry_evidence:req-test-1"


def evidence_deleted(web: Web, c: Connection, s: Signed) -> str:
    c.execute(sa.text("DELETE FROM registry_evidence"))
    return "registry_evidence:req-test-1"


def record_json(web: Web, c: Connection, s: Signed) -> str:  # beviljat -> avslag, 10 860 -> 108 600 kr
    c.execute(sa.text("UPDATE sign_off SET record_json = replace(record_json, 'beviljat', 'avslag') "
                      "WHERE id = :i"), {"i": s.second})
    return f"sign_off:{s.second}"


def countersigner(web: Web, c: Connection, s: Signed) -> str:
    c.execute(sa.text("UPDATE sign_off SET actor = 'user:handlaggare1' WHERE id = :i"), {"i": s.second})
    return f"sign_off:{s.second}"


def delete_countersign(web: Web, c: Connection, s: Signed) -> str:
    c.execute(sa.text("DELETE FROM letter WHERE sign_off_id = :i"), {"i": s.second})
    c.execute(sa.text("DELETE FROM sign_off WHERE id = :i"), {"i": s.second})
    return f"sign_off:{s.second}"


def delete_override(web: Web, c: Connection, s: Signed) -> str:
    c.execute(sa.text("DELETE FROM sign_off_override WHERE sign_off_id = :i"), {"i": s.first})
    return f"sign_off:{s.first}"


def letter_html(web: Web, c: Connection, s: Signed) -> str:
    letter = _one(c, "SELECT id FROM letter WHERE application_id = :a", a=s.granted)
    c.execute(sa.text("UPDATE letter SET html = 'forged' WHERE id = :i"), {"i": letter})
    return f"letter:{letter}"


def delete_letter(web: Web, c: Connection, s: Signed) -> str:
    letter = _one(c, "SELECT id FROM letter WHERE application_id = :a", a=s.granted)
    c.execute(sa.text("DELETE FROM letter WHERE id = :i"), {"i": letter})
    return f"letter:{letter}"


def access_person(web: Web, c: Connection, s: Signed) -> str:  # finding 6: one person's answer cut short
    c.execute(sa.text("DELETE FROM access_person WHERE seq > 1"))
    return "access_person"


TAMPERING: dict[str, Tamper] = {f.__name__: f for f in (
    outcome, proposed_ore, trace, decision_actor, superseded, delete_decision, delete_use, delete_revision, state,
    evidence_raw, evidence_deleted, record_json, countersigner, delete_countersign, delete_override, letter_html,
    delete_letter, access_person,
)}


@pytest.mark.parametrize("kind", list(TAMPERING))
def test_altering_or_deleting_one_row_fails_verify_naming_it(web: Web, signed: Signed, kind: str) -> None:
    with tampering(web) as conn:
        name = TAMPERING[kind](web, conn, signed)
    problems = verify_problems(web)
    assert any(name in p for p in problems), (name, problems)


def test_the_access_log_has_tail_protection_like_the_audit_chain(web: Web, signed: Signed) -> None:
    with web.db.read() as s:
        published = heads(s)
    seq, digest = published["access"].split(":")
    assert verify_problems(web, access=(int(seq), digest)) == []
    with tampering(web) as conn:  # cut the tail and rewind the head
        conn.execute(sa.text("DELETE FROM access_person WHERE seq > :n"), {"n": int(seq) - 3})
        conn.execute(sa.text("DELETE FROM access_log WHERE seq > :n"), {"n": int(seq) - 3})
        prev = conn.execute(sa.text("SELECT seq, hash FROM access_log ORDER BY seq DESC LIMIT 1")).one()
        conn.execute(sa.text("UPDATE chain_head SET seq = :s, hash = :h WHERE chain = 'access'"),
                     {"s": prev[0], "h": prev[1]})
    assert verify_problems(web) == []  # without the published head, a clean cut is undetectable
    problems = verify_problems(web, access=(int(seq), digest))
    assert any(p.startswith("access log: truncated") for p in problems), problems


def test_verify_passes_after_retention_and_names_lawful_deletions_in_every_covered_table(
        web: Web, signed: Signed) -> None:
    result = purge(web.db, date(2100, 1, 1), Exemptions(frozenset(), frozenset(), frozenset()), "cli:gallring")
    assert signed.granted in result.purged and signed.four_eyes in result.purged
    with web.db.read() as s:
        report = verify(s)
    assert report.ok, report.all_problems()
    kinds = {line.split(":")[0].split(" ")[0] for line in report.lawful}
    assert {"decision", "revision", "sign_off", "letter", "registry_evidence"} <= kinds, report.lawful


@pytest.mark.parametrize("kind", ["outcome", "proposed_ore", "trace"])
def test_why_does_not_call_an_altered_decision_intact(web: Web, signed: Signed, kind: str) -> None:
    with tampering(web) as conn:
        name = TAMPERING[kind](web, conn, signed)
    with web.db.read() as s:
        assert load_why(s, name.split(":", 1)[1]).basis_intact is False
    untouched = web.decision_id(signed.four_eyes)
    with web.db.read() as s:
        assert load_why(s, untouched).basis_intact is True
