"""The income lines: declared incomes checked against their authoritative source (docs/ssbtek.md).

One line per person and income kind: the authority's amount when it confirms the kind for the month,
else the declared amount, with what it rests on in Swedish. Also the engine facts the ``findings``
ruleset matches (mismatch, unconfirmed, undeclared). See docs/domain.md and docs/case-bundle.md.
"""

from __future__ import annotations

from functools import partial

from decision.bundle import AUTHORITATIVE_SOURCE, AnswerStatus, IncomeFact, IncomeKind, Role, Source
from decision.money import format_kr_sv
from rules.evaluator.context import Context
from rules.evaluator.facts import EngineFact
from rules.evaluator.labels import INCOME_SV, NO_REGISTRY_SV, SOURCE_SV, income_basis_sv, person_sv


def income_lines(
    ctx: Context, excluded: set[str]
) -> tuple[int, list[EngineFact], dict[str, tuple[int, list[str]]]]:
    """One line per person and income kind (not for ``excluded`` persons); (total, engine facts, salaries).

    The salaries (counted salary and its citations, by person) feed the disregards.
    """
    app = ctx.bundle.application
    registry = ctx.bundle.registry or []
    month = app.month
    answers: dict[tuple[Source, str], int] = {(e.source, e.person): i for i, e in enumerate(registry)}
    groups: dict[tuple[str, IncomeKind], list[int]] = {}
    for i, inc in enumerate(app.incomes):
        if ctx.label_of[inc.person] in excluded:
            continue
        groups.setdefault((inc.person, inc.kind), []).append(i)
    # an income the authoritative source reports that the household did not declare; and, by person and kind,
    # every income fact of the month in an answer that is OK (those from other sources are shown, not counted)
    reported: dict[tuple[str, IncomeKind], list[tuple[Source, int, int]]] = {}
    for k, e in enumerate(registry):
        if e.status is not AnswerStatus.OK:
            continue
        person, source = e.person, e.source
        counts = ctx.label_of[person] not in excluded
        for j, fact in enumerate(e.facts):
            if isinstance(fact, IncomeFact) and fact.month == month:
                kind = fact.kind
                reported.setdefault((person, kind), []).append((source, k, j))
                if counts and AUTHORITATIVE_SOURCE[kind] is source:
                    groups.setdefault((person, kind), [])
    total = 0
    facts: list[EngineFact] = []
    salary_by_person: dict[str, tuple[int, list[str]]] = {}
    for (person, kind), rows in groups.items():
        label = ctx.label_of[person]
        is_child = app.household[ctx.index_of[person]].role is Role.CHILD
        declared_refs = [
            ctx.declared(
                f"/application/incomes/{r}", kind.value, person=label, amount=app.incomes[r].amount,
                month=month,
            )
            for r in rows
        ]
        d = sum(app.incomes[r].amount for r in rows)
        authority = AUTHORITATIVE_SOURCE[kind]
        refs = list(declared_refs)
        shown: list[str] = []
        r_amount = 0
        if authority is None:
            auth = "none"
        else:
            idx = answers.get((authority, person))
            if idx is None:
                consulted = authority.value in ctx.consulted()
                auth = "not_consulted" if consulted else "no_fact"
            else:
                entry = registry[idx]
                if entry.status is AnswerStatus.UNAVAILABLE:
                    auth = "unavailable"
                    refs.append(ctx.registry_ref(idx, entry))
                else:
                    hits = [
                        j
                        for j, fact in enumerate(entry.facts)
                        if isinstance(fact, IncomeFact) and fact.kind is kind and fact.month == month
                    ]
                    if hits:
                        auth = "confirmed"
                        for j in hits:
                            refs.append(ctx.registry_ref(idx, entry, j))
                            fact = entry.facts[j]
                            assert isinstance(fact, IncomeFact)
                            r_amount += fact.amount
                    else:
                        auth = "no_fact"
                        refs.append(ctx.registry_ref(idx, entry))
        # facts of the same kind from other sources are shown, not counted
        for source, k, j in reported.get((person, kind), ()):
            if source is not authority:
                shown.append(ctx.registry_ref(k, registry[k], j))
        counted = r_amount if auth == "confirmed" else d
        source_sv = SOURCE_SV[authority.value] if authority else NO_REGISTRY_SV
        basis_sv = income_basis_sv(auth, source_sv, declared=bool(rows), shown=bool(shown))
        ctx.line(
            f"income.{kind.value}", counted, refs + shown, person_sv=person_sv(label), basis_sv=basis_sv
        )
        total += counted
        if kind is IncomeKind.SALARY:
            prev = salary_by_person.get(label, (0, []))
            salary_by_person[label] = (prev[0] + counted, prev[1] + refs)
        facts.append(
            EngineFact(
                {
                    "t": "income",
                    "person": label,
                    "kind": kind.value,
                    "child": is_child,
                    "d": d,
                    "r": r_amount,
                    "diff": abs(d - r_amount),
                    "auth": auth,
                },
                tuple(refs),
                partial(_income_vars, label, kind.value, d, r_amount, source_sv),  # built only when matched
                person=label,
                source=authority.value if authority else None,
            )
        )
    return total, facts, salary_by_person


def _income_vars(label: str, kind: str, d: int, r: int, source_sv: str) -> dict[str, str]:
    return {
        "person_sv": person_sv(label),
        "kind_sv": INCOME_SV[kind],
        "d_sv": format_kr_sv(d),
        "r_sv": format_kr_sv(r),
        "diff_sv": format_kr_sv(abs(d - r)),
        "source_sv": source_sv,
    }
