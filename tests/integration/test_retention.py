"""Gallring: personal content goes, ids and hashes stay, verify passes, why and access still answer."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from adapters.driven.db.audit_store import load_why, purge, verify
from decision import personnummer as pnr
from decision.services.retention import Exemptions
from tests.integration.conftest import EXAMPLES, TestDatabase, example_paths, load_bundle

OSTERGOTLAND = "0580"  # Linköping, county 05
EXEMPT_ENV = {
    "FINAID_RETENTION_EXEMPT_COUNTIES": "05",
    "FINAID_RETENTION_EXEMPT_MUNICIPALITIES": "",
    "FINAID_RETENTION_EXEMPT_BIRTH_DAYS": "15",
}
EXEMPTIONS = Exemptions(frozenset({"05"}), frozenset(), frozenset({15}))


def _forms(pnr: str) -> set[str]:
    """Every way a personnummer can be written: 12 or 10 digits, with or without '-'."""
    return {pnr, f"{pnr[:8]}-{pnr[8:]}", pnr[2:], f"{pnr[2:8]}-{pnr[8:]}"}


def _text(value: Any) -> str:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("latin-1")
    return "" if value is None else str(value)


def _scan(database: TestDatabase, needles: set[str]) -> list[tuple[str, str, str]]:
    """Every (table, column, needle) where a needle occurs anywhere in the database."""
    found = []
    inspector = sa.inspect(database.db.engine)
    tables = inspector.get_table_names(schema=database.schema)
    assert {"application", "application_revision", "decision", "decision_use", "audit_event", "access_log",
            "access_person", "registry_evidence", "chain_head"} <= set(tables)
    columns = {t: [c["name"] for c in inspector.get_columns(t, schema=database.schema)] for t in tables}
    with database.db.engine.connect() as conn:
        for table in tables:
            select = ", ".join(f'"{c}"' for c in columns[table])
            for row in conn.execute(sa.text(f'SELECT {select} FROM "{table}"')):
                for column, value in zip(columns[table], row, strict=True):
                    text = _text(value)
                    found += [(table, column, n) for n in needles if n in text]
    return found


def _decide_caseload(database: TestDatabase) -> dict[str, Any]:
    outcomes = database.decide_examples()
    # one more case in Östergötland (county 05): research-exempt by county
    text = (EXAMPLES / "04-pensioner-age-single-adult.json").read_text(encoding="utf-8")
    (original,) = [m.personnummer for m in load_bundle_bytes(text.encode("utf-8")).application.household]
    data = json.loads(text.replace(original, pnr.make(date(1958, 3, 8), 417)))  # someone else, same age
    data["application"]["id"] = "APP-2025-905304"
    data["application"]["municipality"] = OSTERGOTLAND
    ost = load_bundle_bytes(json.dumps(data).encode("utf-8"))
    outcomes["ostergotland"] = database.decide(ost)
    return outcomes


def load_bundle_bytes(raw: bytes):  # noqa: ANN201
    from decision.validation import parse_bundle

    return parse_bundle(raw)


def _people(outcome: Any) -> list[str]:
    return [m.personnummer for m in outcome.decided.bundle.application.household]


def _names(outcome: Any) -> set[str]:
    """Names, where a bundle carries any (the contract has none today; the scan covers them if it grows)."""
    return {m.get("name") for m in outcome.decided.bundle.application.model_dump()["household"] if m.get("name")}


def test_purge_deletes_personal_data_and_keeps_the_trail_verifiable(database: TestDatabase) -> None:
    outcomes = _decide_caseload(database)
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    exempt = {
        o.decided.bundle.application.id for o in outcomes.values()
        if o.decided.bundle.application.municipality.startswith("05")
        or any(int(p[6:8]) % 60 == 15 for p in _people(o))
    }
    assert "APP-2025-905304" in exempt  # by county
    assert any(int(p[6:8]) == 15 for o in outcomes.values() for p in _people(o)
               if o.decided.bundle.application.id in exempt)  # by birth day
    purged_ids = {o.decided.bundle.application.id for o in outcomes.values()} - exempt
    assert len(purged_ids) >= 10

    # nothing is due before the cases were decided; a dry run changes nothing
    assert purge(database.db, date(2000, 1, 1), EXEMPTIONS, "system:test").purged == []
    dry = database.cli("retention", "purge", "--before", tomorrow, "--dry-run", env=EXEMPT_ENV)
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.splitlines()[0] == (
        f"would purge {len(purged_ids)} case(s); kept {len(exempt)} research-exempt case(s)"
    )
    assert database.scalar("SELECT count(*) FROM decision WHERE basis_json IS NULL") == 0

    proc = database.cli("retention", "purge", "--before", tomorrow, env=EXEMPT_ENV)
    assert proc.returncode == 0, proc.stderr
    assert {line.split(": ", 1)[1] for line in proc.stdout.splitlines()[1:] if line.startswith("  ")} == purged_ids
    assert proc.stdout.splitlines()[-2].startswith("purged 0 e-service draft(s) never sent")  # none in this database
    assert proc.stdout.splitlines()[-1] == (
        "purged 0 e-service contact(s) for notifications of persons with no case or draft kept")
    assert purge(database.db, date.today() + timedelta(days=1), EXEMPTIONS, "system:test").purged == []  # done once

    # ids and hashes stay; personal content is gone; one purge event per case
    assert database.count("decision") == len(outcomes)
    assert database.scalar("SELECT count(*) FROM audit_event WHERE event = 'purged'") == len(purged_ids)
    kept = database.rows("SELECT application_id FROM decision WHERE basis_json IS NOT NULL")
    assert {r[0] for r in kept} == exempt

    with database.db.read() as s:
        report = verify(s)
    assert report.ok, report.all_problems()
    assert len([x for x in report.lawful if x.startswith("decision ")]) == len(purged_ids)
    assert len([x for x in report.lawful if x.startswith("revision ")]) == len(purged_ids)
    cli_verify = database.cli("audit", "verify")
    assert cli_verify.returncode == 0, cli_verify.stdout
    assert cli_verify.stdout.count("lawful deletion: ") == 2 * len(purged_ids)
    assert "TAMPERED" not in cli_verify.stdout
    assert cli_verify.stdout.rstrip().endswith("OK: the trail is intact")

    # why says purged
    victim = outcomes["01-worked-example-couple-two-children.json"]
    with database.db.read() as s:
        why = load_why(s, victim.decision_id)
    assert why.purged and why.basis is None and why.trace is None
    text = database.cli("audit", "why", victim.decision_id)
    assert text.returncode == 0 and "gallrades" in text.stdout and "underlaget kan inte visas" in text.stdout
    data = database.cli_json("audit", "why", victim.decision_id, "--json")
    assert data["purged"] is True and data["basis"] is None
    assert [e["event"] for e in data["history"]][-1] == "purged"

    # a data subject still gets dates and purposes of every access
    person = _people(victim)[0]
    answers = database.cli_json("audit", "access", "--json", stdin=person + "\n")
    assert {a["purpose"] for a in answers} >= {"handlaggning", "registerutdrag"}
    assert {a["action"] for a in answers} >= {"decide", "access_report"}
    for a in answers:
        datetime.fromisoformat(a["at"])
    # who read (a user or system id), when, why, how, what — and the case it concerned; never the number or a name
    assert all(set(a) == {"at", "actor", "purpose", "channel", "action", "subject"} for a in answers)

    # no personnummer (any form) and no name of a purged case anywhere in the database
    needles = set()
    for o in outcomes.values():
        if o.decided.bundle.application.id in purged_ids:
            for p in _people(o):
                needles |= _forms(p)
            needles |= _names(o)
    assert _scan(database, needles) == []
    if database.backend == "sqlite":  # nor in the file's free pages or its write-ahead log
        path = Path(database.url.removeprefix("sqlite:///"))
        for file in (path, path.with_name(path.name + "-wal")):
            if file.exists():
                raw = file.read_bytes()
                assert [n for n in needles if n.encode() in raw] == [], file.name
    # … while the exempt cases keep theirs (the scan does look)
    keep = next(o for o in outcomes.values() if o.decided.bundle.application.id == "APP-2025-905304")
    assert "application_revision" in {t for t, _, _ in _scan(database, _forms(_people(keep)[0]))}


def test_example_set_covers_the_exemptions() -> None:
    """The retention test relies on an example household with a member born on the 15th."""
    births = {p.name: [m.personnummer for m in load_bundle(p).application.household] for p in example_paths()}
    assert any(int(n[6:8]) == 15 for ns in births.values() for n in ns)
