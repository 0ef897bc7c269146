"""Final outcomes on SQLite and PostgreSQL: `audit query --final` lists, and `audit overrides --final` counts,
only decisions that stand — a refused or waiting first signature never; a countersigned one by its first
signature's overrides (adapters/driven/db/finals.py)."""

from __future__ import annotations

from adapters.driven.db.audit_store import run_query
from adapters.driving.web.auth import Identity
from adapters.driving.web.queries import StatsFilter, override_statistics
from adapters.driving.web.roles import Role
from adapters.driving.web.signoff import Override, Policy, SignRequest, countersign, refuse, sign
from audit.query import Filters
from tests.integration.conftest import TestDatabase


def _who(name: str, role: Role) -> Identity:
    return Identity(user_id=name, username=name, display_name=name, title=None, roles=frozenset({role}),
                    units=frozenset(), protected_access=False)


def test_only_decisions_that_stand_are_listed_and_counted(database: TestDatabase) -> None:
    outcomes = database.decide_examples()
    by_app = {o.decided.bundle.application.id: o for o in outcomes.values()}
    policy = Policy()  # four eyes above 1 000 kr of change
    handler, sup1, sup2 = _who("h", Role.HANDLER), _who("s1", Role.SUPERVISOR), _who("s2", Role.SUPERVISOR)

    def rent(app_id: str) -> tuple[int, int]:
        basis = by_app[app_id].decided.basis
        i = next(i for i, ln in enumerate(basis.lines) if ln.rule == "cost.rent")
        whole, _, frac = basis.lines[i].amount.partition(".")
        return i, int(whole) * 100 + int(frac or 0)

    db = database.db
    sign(db, handler, "APP-2023-000042", SignRequest("approve", by_app["APP-2023-000042"].decision_id), policy)
    line, amount = rent("APP-2026-001314")
    waiting = sign(db, handler, "APP-2026-001314", SignRequest("amend", by_app["APP-2026-001314"].decision_id,
                                                               overrides=(Override(line, amount + 200_000,
                                                                                   "kostnad.tillfallig_overgang",
                                                                                   "Övergång."),)), policy)
    assert waiting.needs_second
    refuse(db, sup1, "APP-2026-001314", waiting.sign_off_id, "underskrift.motivering_otillracklig", "Beskriv.",
           policy)
    line, amount = rent("APP-2024-000203")
    first = sign(db, handler, "APP-2024-000203", SignRequest("amend", by_app["APP-2024-000203"].decision_id,
                                                             overrides=(Override(line, amount + 200_000,
                                                                                 "kostnad.styrkt_med_underlag",
                                                                                 "Hyresavi."),)), policy)
    countersign(db, sup2, "APP-2024-000203", first.sign_off_id)
    with db.read() as s:
        rows, _ = run_query(s, Filters(), 1, 100, final=True)
        every, _ = run_query(s, Filters(), 1, 100)
        stats = override_statistics(s, None, StatsFilter(final=True))
        all_stats = override_statistics(s, None, StatsFilter())
    assert {r["application"] for r in rows} == {"APP-2023-000042", "APP-2024-000203"}
    assert {r["final_action"] for r in rows} == {"approve", "countersign"}
    assert len(every) == len(outcomes) - 1  # every proposal but the protected one
    assert stats["sign_offs"] == {"approve": 1, "amend": 1} and all_stats["sign_offs"] == {"approve": 1, "amend": 2}
    assert {(c["rule"], c["reason_code"]) for c in stats["reason_codes"]} == {
        ("cost.rent", "kostnad.styrkt_med_underlag")}
