"""The engine's facts: what the rulesets match on (their schema is the packs' ``rulesets/*.yaml``).

Each :class:`EngineFact` carries the data the engine sees, the recorded reads a step that matches it
cites, and the Swedish template variables of that step's explanation. ``eligibility_facts`` feed the
``eligibility`` ruleset, ``finding_facts`` the ``findings`` ruleset (the ``outcome`` ruleset sees one
``result`` fact, built in rules/evaluator/phases.py). See docs/rule-engine.md and docs/case-bundle.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from decision.bundle import (
    AUTHORITATIVE_SOURCE,
    AnswerStatus,
    LabourStatus,
    ProtectedIdentityFact,
    RegisteredFact,
    ResidenceStatusFact,
    Role,
    Source,
)
from decision.money import format_kr_sv
from rules.evaluator.context import Context
from rules.evaluator.labels import AF_SV, RESIDENCE_SV, SOURCE_SV, STATUS_SV, person_sv
from rules.formulas.norm import WITHOUT_LUNCH_MAX_AGE
from rules.parameters import ParamValue, Status

_AT_AF = LabourStatus.REGISTERED_AT_AF.value
# enum values by member without the enum's Python-level ``value`` property, once per answer
_SOURCE_VALUE = {s: s.value for s in Source}
_STATUS_VALUE = {s: s.value for s in AnswerStatus}


@dataclass(slots=True)
class EngineFact:
    data: dict[str, Any]
    refs: tuple[str, ...]
    vars: dict[str, str] | Callable[[], dict[str, str]]  # lazy: built only when a rule matched
    person: str | None = None
    source: str | None = None


def eligibility_facts(ctx: Context, *, counters: bool = True) -> list[EngineFact]:
    """The members, and (``counters``, packs before v3) the household's jobbstimulans counters."""
    return (_counter_facts(ctx) if counters else []) + _member_facts(ctx)


def _counter_facts(ctx: Context) -> list[EngineFact]:
    app = ctx.bundle.application
    period = ctx.param("jobbstimulans.period_months")
    qualifying = ctx.param("jobbstimulans.qualifying_months")
    assert period is not None and qualifying is not None
    aid = app.previous_aid
    return [
        EngineFact(
            {"t": "params", "jobb_period": period.ore, "jobb_qualifying": qualifying.ore},
            (period.input_id, qualifying.input_id),
            {},
        ),
        EngineFact(
            {"t": "case", "jobb_used": aid.jobbstimulans_months_used, "consecutive": aid.consecutive_months},
            (
                ctx.declared(
                    "/application/previous_aid/consecutive_months", "previous_aid",
                    value=aid.consecutive_months,
                ),
                ctx.declared(
                    "/application/previous_aid/jobbstimulans_months_used", "jobbstimulans_months_used",
                    value=aid.jobbstimulans_months_used,
                ),
            ),
            {},
        ),
    ]


def _member_facts(ctx: Context) -> list[EngineFact]:
    app = ctx.bundle.application
    out: list[EngineFact] = []
    for i, m in enumerate(app.household):
        refs = [ctx.member_ref(i)]
        if m.role is Role.CHILD and ctx.ages[i] >= 18:
            refs.append(
                ctx.declared(
                    f"/application/household/{i}/attends_school", "attends_school",
                    person=ctx.labels[i], value=m.attends_school,
                )
            )
        out.append(
            EngineFact(
                {
                    "t": "member",
                    "person": ctx.labels[i],
                    "role": m.role.value,
                    "age": ctx.ages[i],
                    "attends_school": m.attends_school,
                },
                tuple(refs),
                {"person_sv": person_sv(ctx.labels[i]), "age": str(ctx.ages[i])},
                person=ctx.labels[i],
            )
        )
    return out


# Template variables built only when a rule matched the fact (EngineFact.vars): most facts match none.
def _answer_vars(label: str, source_sv: str, error: str, age_s: int) -> dict[str, str]:
    return {"person_sv": person_sv(label), "source_sv": source_sv, "error": error,
            "days": str(max(age_s, 0) // 86400)}


def _who_vars(label: str, key: str, text: str) -> dict[str, str]:
    return {"person_sv": person_sv(label), key: text}


def _guideline_vars(buffer: int, tolerance: int, guideline_id: str) -> dict[str, str]:
    return {"buffer_sv": format_kr_sv(buffer), "tolerance_sv": format_kr_sv(tolerance), "guideline_id": guideline_id}


def _total_vars(total: int) -> dict[str, str]:
    return {"total_sv": format_kr_sv(total)}


def _param_vars(description_sv: str, value: ParamValue) -> dict[str, str]:
    return {
        "param_sv": description_sv,
        "value_sv": format_kr_sv(value.ore),
        "since": value.since.isoformat(),
        "status_sv": STATUS_SV[value.status.value],
    }


def finding_facts(
    ctx: Context,
    in_norm: list[int],
    lunch_unknown: set[int],
    cost_facts: list[EngineFact],
    income_facts: list[EngineFact],
) -> list[EngineFact]:
    app = ctx.bundle.application
    registry = ctx.bundle.registry or []
    stale = ctx.param("registry.stale_after_days")
    buffer = ctx.param("guideline.asset_buffer")
    tolerance = ctx.param("guideline.income_tolerance")
    sources = ctx.param("guideline.registry_sources")
    assert stale is not None and buffer is not None and tolerance is not None and sources is not None
    out: list[EngineFact] = [
        EngineFact(
            {"t": "params", "stale_after_s": stale.ore * 86400},
            (stale.input_id,),
            {"limit": str(stale.ore)},
        ),
        EngineFact(
            {
                "t": "guideline",
                "asset_buffer": buffer.ore,
                "tolerance": tolerance.ore,
                "example": ctx.guideline.example,
            },
            (),
            partial(_guideline_vars, buffer.ore, tolerance.ore, ctx.guideline.id),
        ),
        EngineFact(
            {"t": "case", "kind": app.kind, "household_changed": app.household_changed},
            (
                ctx.declared("/application/kind", "application_kind", value=app.kind),
                ctx.declared(
                    "/application/household_changed", "household_changed", value=app.household_changed
                ),
            ),
            {},
        ),
    ]
    # the guideline's figures are cited by the facts they are compared with
    for f in income_facts:
        if f.data["auth"] == "confirmed":
            f.refs = (*f.refs, tolerance.input_id)
    for i in in_norm:
        m = app.household[i]
        if m.preschool_lunch and ctx.ages[i] <= WITHOUT_LUNCH_MAX_AGE:
            out.append(
                EngineFact(
                    {
                        "t": "member",
                        "person": ctx.labels[i],
                        "in_norm": True,
                        "preschool_lunch": True,
                        "age": ctx.ages[i],
                        "lunch_param": i not in lunch_unknown,
                    },
                    (ctx.member_ref(i), f"/application/household/{i}/preschool_lunch"),
                    {"person_sv": person_sv(ctx.labels[i]), "year": app.month[:4]},
                    person=ctx.labels[i],
                )
            )
    household = app.household
    adults = [i for i in in_norm if household[i].role is not Role.CHILD]
    adult_pns = [household[i].personnummer for i in adults]
    consulted = sources.value if isinstance(sources.value, tuple) else ()
    # each answer's source and person, read once
    who = [(_SOURCE_VALUE[e.source], e.person) for e in registry]
    answered = set(who)
    # a child's declared income needs its authoritative source like an adult's does
    in_norm_children = {household[i].personnummer for i in in_norm} - set(adult_pns)
    needed_for_child: dict[tuple[str, str], None] = {}
    for inc in app.incomes:
        authority = AUTHORITATIVE_SOURCE[inc.kind]
        if inc.person in in_norm_children and authority is not None and authority.value in consulted:
            needed_for_child[(authority.value, inc.person)] = None
    submitted = app.submitted_at
    for idx, e in enumerate(registry):
        source, pn = who[idx]
        label = ctx.label_of[pn]
        i = ctx.index_of[pn]
        ref = ctx.registry_ref(idx, e)
        age_s = int((submitted - e.fetched_at).total_seconds())
        out.append(
            EngineFact(
                {
                    "t": "answer",
                    "person": label,
                    "source": source,
                    "status": _STATUS_VALUE[e.status],
                    "needed": household[i].role is not Role.CHILD or (source, pn) in needed_for_child,
                    "age_s": age_s,
                },
                (ref,),
                partial(_answer_vars, label, SOURCE_SV[source], e.error or "inget svar", age_s),
                person=label,
                source=source,
            )
        )
        for j, fact in enumerate(e.facts):
            if isinstance(fact, ProtectedIdentityFact):
                out.append(
                    EngineFact(
                        {"t": "identity", "person": label, "value": fact.value},
                        (ctx.registry_ref(idx, e, j),),
                        partial(_who_vars, label, "source_sv", SOURCE_SV[source]),
                        person=label,
                        source=source,
                    )
                )
            elif isinstance(fact, ResidenceStatusFact):
                status = fact.value.value
                out.append(
                    EngineFact(
                        {"t": "residence", "person": label, "status": status},
                        (ctx.registry_ref(idx, e, j),),
                        partial(_who_vars, label, "status_sv", RESIDENCE_SV.get(status, "")),
                        person=label,
                        source=source,
                    )
                )
    missing = [(src, pn) for pn in adult_pns for src in consulted]
    missing += [key for key in needed_for_child if key not in missing]
    for src, pn in missing:
        if (src, pn) in answered:
            continue
        label = ctx.label_of[pn]
        out.append(
            EngineFact(
                {"t": "answer", "person": label, "source": src, "status": "missing", "needed": True, "age_s": 0},
                (sources.input_id,),
                partial(_who_vars, label, "source_sv", SOURCE_SV.get(src, src)),
                person=label,
                source=src,
            )
        )
    # labour market, adults only
    lm = {e.person: (k, e) for k, e in enumerate(app.labour_market)}
    at_af = Source.ARBETSFORMEDLINGEN.value
    af_answers = {pn: (k, registry[k]) for k, (src, pn) in enumerate(who) if src == at_af}
    for i, pn in zip(adults, adult_pns, strict=True):
        label = ctx.labels[i]
        refs: list[str] = []
        if pn in lm:
            k, entry = lm[pn]
            status = entry.status.value
            refs.append(
                ctx.declared(f"/application/labour_market/{k}", "labour_market", person=label, value=status)
            )
        else:
            status = "missing"
        af = "missing"
        if status == _AT_AF:
            if pn in af_answers:
                k, e = af_answers[pn]
                if e.status is AnswerStatus.UNAVAILABLE:
                    af = "unavailable"
                    refs.append(ctx.registry_ref(k, e))
                else:
                    reg = [j for j, fact in enumerate(e.facts) if isinstance(fact, RegisteredFact)]
                    if reg:
                        fact = e.facts[reg[-1]]
                        assert isinstance(fact, RegisteredFact)
                        af = "true" if fact.value else "false"
                        refs.append(ctx.registry_ref(k, e, reg[-1]))
                    else:
                        af = "none"
                        refs.append(ctx.registry_ref(k, e))
        out.append(
            EngineFact(
                {"t": "labour", "person": label, "status": status, "af": af},
                tuple(refs),
                partial(_who_vars, label, "af_sv", AF_SV.get(af, "")),
                person=label,
                source="arbetsformedlingen" if status == _AT_AF else None,
            )
        )
    out.extend(cost_facts)
    out.extend(income_facts)
    # assets: summed over all kinds and members
    total_assets = 0
    asset_refs: list[str] = []
    for k, a in enumerate(app.assets):
        total_assets += a.value
        asset_refs.append(
            ctx.declared(
                f"/application/assets/{k}", a.kind.value, person=ctx.label_of[a.person], amount=a.value
            )
        )
    out.append(
        EngineFact(
            {"t": "assets", "total": total_assets},
            (*asset_refs, buffer.input_id),
            partial(_total_vars, total_assets),
        )
    )
    # every figure used that is not verified gets one notice
    for ref, value in ctx.params_used.items():
        if value.status is Status.VERIFIED:
            continue
        p = ctx.pack.parameters.get(value.path) or ctx.guideline.parameters[value.path]
        out.append(
            EngineFact(
                {"t": "param", "path": value.path, "status": value.status.value},
                (ref,),
                partial(_param_vars, p.description_sv, value),
            )
        )
    return out
