"""The decision basis (``finaid.decision-basis/1`` and ``/2``), built from an evaluation's trace.

The basis is a rendering of the trace: amounts are sums of the trace's lines, findings are its
finding steps, the outcome is its outcome step. Nothing is computed twice. The packs that accept case
bundle /2 write ``/2``: the same fields plus the earlier decision and the difference (a supplementary
application), each norm adjustment with the proposal with and without it, and the members' names (none when anyone in
the household has a protected identity); a
``/1`` basis never carries those keys, so it stays byte-identical.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from decision.bundle import CaseBundle
from decision.canonical import canonical_json as canonical_json  # noqa: PLC0414 - re-exported for its callers
from decision.errors import RulesError
from decision.money import format_ore
from decision.trace import Evaluation, FactRecord, Severity, StepKind, TraceStep
from decision.trusted import trusted

BASIS_SCHEMA: Literal["finaid.decision-basis/1"] = "finaid.decision-basis/1"
BASIS_SCHEMA_2: Literal["finaid.decision-basis/2"] = "finaid.decision-basis/2"
BASIS2_FIELDS = ("earlier_decision", "difference", "norm_adjustments", "names")
EARLIER_RULE = "income.earlier_decision"
ADJUSTMENT_RULE = "norm.adjustment"
Outcome = Literal["GRANT", "PARTIAL", "REJECT", "MANUAL"]

# Line rule ids start with one of these; the amounts are sums over them.
NORM_PREFIX = "norm."
COST_PREFIX = "cost."
INCOME_PREFIX = "income."
DISREGARD_PREFIX = "disregard."
RESULT_RULE = "result.proposed"
LINE_GROUPS = ((NORM_PREFIX, "norm"), (COST_PREFIX, "cost"), (INCOME_PREFIX, "income"), (DISREGARD_PREFIX, "disregard"))


def line_group(rule: str) -> str:
    """The one grouping of lines: ``norm``, ``cost``, ``income``, ``disregard`` (subtracted from income), else
    ``result``. The evaluator, the basis and sign-off's recomputation (rules/evaluator/overrides.py) all use it."""
    for prefix, group in LINE_GROUPS:
        if rule.startswith(prefix):
            return group
    return "result"


def group_totals(lines: Iterable[tuple[str, int]]) -> tuple[int, int, int]:
    """(norm, costs, income counted) of (rule, amount) lines, summed by :func:`line_group`."""
    norm = costs = income = 0
    for rule, amount in lines:
        group = line_group(rule)
        if group == "norm":
            norm += amount
        elif group == "cost":
            costs += amount
        elif group == "income":
            income += amount
        elif group == "disregard":
            income -= amount
    return norm, costs, income


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RulesUsed(_Out):
    pack: str
    hash: str


class GuidelineUsed(_Out):
    id: str
    hash: str


class Amounts(_Out):
    norm: str
    costs_accepted: str
    income_counted: str
    proposed: str


class Line(_Out):
    rule: str
    amount: str
    reason: str
    legal_reference: str | None
    inputs: list[str]


class Fact(_Out):
    id: str
    person: str | None
    kind: str
    amount: str | None
    value: str | int | bool | None
    month: str | None
    source: str
    fetched_at: str | None
    request_id: str | None


class Finding(_Out):
    code: str
    severity: Literal["manual", "notice"]
    rule: str
    source: str | None
    person: str | None
    reason: str
    legal_reference: str | None
    inputs: list[str]


class EarlierDecisionOut(_Out):
    decision_id: str
    total: str
    signed_at: str | None


class NormAdjustmentOut(_Out):
    person: str
    direction: Literal["raise", "lower"]
    adjustment: str  # the norm's change (negative when lowered)
    proposed_without: str  # the proposal (computed without the adjustment)
    proposed_with: str  # what the proposal would be with it


class MemberName(_Out):
    person: str
    name: str


class DecisionBasis(_Out):
    schema_: Literal["finaid.decision-basis/1", "finaid.decision-basis/2"] = Field(
        default=BASIS_SCHEMA, alias="schema"
    )
    application_id: str
    month: str
    rules: RulesUsed
    guideline: GuidelineUsed
    outcome: Outcome
    amounts: Amounts
    lines: list[Line]
    facts: list[Fact]
    findings: list[Finding]
    # /2 only (absent from a /1 basis)
    earlier_decision: EarlierDecisionOut | None = None
    difference: str | None = None
    norm_adjustments: list[NormAdjustmentOut] | None = None
    names: list[MemberName] | None = None

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    def to_json_dict(self) -> dict[str, Any]:
        """Keys in the contract's order (``schema`` first); a /1 basis has none of the /2 keys."""
        data = self.model_dump(mode="json", by_alias=True)
        if self.schema_ == BASIS_SCHEMA:
            for key in BASIS2_FIELDS:
                data.pop(key, None)
        return data

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_json_dict(), ensure_ascii=False, indent=indent) + "\n"

    def canonical_json(self) -> bytes:
        """UTF-8, sorted keys, no insignificant whitespace: the form hashed and replayed."""
        return canonical_json(self.to_json_dict())


_SEVERITY_ORDER = {Severity.MANUAL: 0, Severity.NOTICE: 1}
_SEVERITY_VALUE = {s: s.value for s in Severity}  # without the enum's Python-level ``value`` property


def finding_sort_key(step: TraceStep) -> tuple[int, str, str, str, str]:
    return (
        _SEVERITY_ORDER[step.severity or Severity.NOTICE],
        step.code or "",
        step.source or "",
        step.person or "",
        ",".join(step.inputs),
    )


def _fact_out(f: FactRecord) -> Fact:
    return trusted(Fact,
        id=f.id,
        person=f.person,
        kind=f.kind,
        amount=None if f.amount is None else format_ore(f.amount),
        value=f.value,
        month=f.month,
        source=f.source,
        fetched_at=f.fetched_at,
        request_id=f.request_id,
    )


def totals(trace: tuple[TraceStep, ...]) -> tuple[int, int, int, int]:
    """(norm, costs accepted, income counted, proposed) in öre, summed from the trace's lines."""
    return _totals([(s.rule, s.amount) for s in trace if s.kind is StepKind.LINE and s.amount is not None])


def _totals(lines: list[tuple[str, int]]) -> tuple[int, int, int, int]:
    norm, costs, income = group_totals(lines)
    proposed = next((amount for rule, amount in reversed(lines) if rule == RESULT_RULE), None)
    if proposed is None:
        raise RulesError("the trace has no result line")
    if proposed != max(0, norm + costs - income):
        raise RulesError("the result line does not equal norm + costs − income")
    return norm, costs, income, proposed


_LINE, _FINDING, _OUTCOME = StepKind.LINE, StepKind.FINDING, StepKind.OUTCOME


def build_basis(bundle: CaseBundle, evaluation: Evaluation) -> DecisionBasis:
    """Render the decision basis from the trace; every cited fact must be known.

    One pass over the trace collects the lines, the findings, the outcome and the cited facts (in trace
    order); the parts are built from typed trace steps, so they are constructed without re-validation
    (tests/unit/test_properties.py checks they equal a validated basis)."""
    trace = evaluation.trace
    lines: list[Line] = []
    amounts: list[tuple[str, int]] = []
    finding_steps: list[TraceStep] = []
    outcomes: list[TraceStep] = []
    cited: dict[str, None] = {}
    for s in trace:
        kind = s.kind
        if kind is _LINE:
            if s.amount is not None:
                amounts.append((s.rule, s.amount))
            lines.append(trusted(Line,
                rule=s.rule,
                amount=format_ore(s.amount or 0),
                reason=s.reason,
                legal_reference=s.legal_reference,
                inputs=list(s.inputs),
            ))
        elif kind is _FINDING:
            finding_steps.append(s)
        elif kind is _OUTCOME:
            outcomes.append(s)
            continue
        else:
            continue
        for fid in s.inputs:
            cited[fid] = None
    norm, costs, income, proposed = _totals(amounts)
    if len(outcomes) != 1 or outcomes[0].value not in ("GRANT", "PARTIAL", "REJECT", "MANUAL"):
        raise RulesError(f"the trace must hold exactly one outcome (found {len(outcomes)})")
    finding_steps.sort(key=finding_sort_key)
    findings = [
        trusted(Finding,
            code=s.code or s.rule,
            severity=_SEVERITY_VALUE[s.severity or Severity.NOTICE],
            rule=s.rule,
            source=s.source,
            person=s.person,
            reason=s.reason,
            legal_reference=s.legal_reference,
            inputs=list(s.inputs),
        )
        for s in finding_steps
    ]
    known = evaluation.facts
    missing = [fid for fid in cited if fid not in known]
    if missing:
        raise RulesError(f"the trace cites facts the evaluation does not know: {', '.join(missing[:5])}")
    facts = [_fact_out(known[fid]) for fid in sorted(cited, key=_fact_order)]
    outcome = outcomes[0].value
    extra = _basis2(bundle, evaluation, norm, costs, income) if evaluation.basis_schema == BASIS_SCHEMA_2 else {}
    return DecisionBasis.model_construct(
        **extra,
        schema_=BASIS_SCHEMA_2 if extra else BASIS_SCHEMA,
        application_id=bundle.application.id,
        month=bundle.application.month,
        rules=trusted(RulesUsed, pack=evaluation.pack.id, hash=evaluation.pack.hash),
        guideline=trusted(GuidelineUsed, id=evaluation.guideline.id, hash=evaluation.guideline.hash),
        outcome=outcome,
        amounts=trusted(Amounts,
            norm=format_ore(norm),
            costs_accepted=format_ore(costs),
            income_counted=format_ore(income),
            proposed=format_ore(proposed),
        ),
        lines=lines,
        facts=facts,
        findings=findings,
    )


def _basis2(bundle: CaseBundle, evaluation: Evaluation, norm: int, costs: int, income: int) -> dict[str, Any]:
    """The /2 parts, from the trace: the earlier decision and the difference, norm adjustments, names."""
    trace = evaluation.trace
    earlier_line = next((s for s in trace if s.kind is StepKind.LINE and s.rule == EARLIER_RULE), None)
    earlier = difference = None
    proposed = max(0, norm + costs - income)
    if earlier_line is not None and earlier_line.amount is not None:
        fact = evaluation.facts.get(earlier_line.inputs[0]) if earlier_line.inputs else None
        earlier = EarlierDecisionOut.model_construct(
            decision_id=str(fact.value) if fact else "", total=format_ore(earlier_line.amount),
            signed_at=fact.fetched_at if fact else None,
        )
        total = max(0, norm + costs - (income - earlier_line.amount))
        difference = format_ore(total - earlier_line.amount)
    adjustments = []
    for s in trace:
        if s.kind is StepKind.FINDING and s.rule == ADJUSTMENT_RULE and s.value and s.amount is not None:
            _, direction, delta = s.value.split(":")
            adjustments.append(NormAdjustmentOut.model_construct(
                person=s.person or "", direction=direction, adjustment=format_ore(int(delta)),
                proposed_without=format_ore(proposed), proposed_with=format_ore(s.amount),
            ))
    names = []
    children = 0
    hidden = _protected(bundle)  # as the case page and the letters: no names at all for such a household
    for m in bundle.application.household:
        label = m.role.value
        if label == "child":
            children += 1
            label = f"child:{children}"
        name = getattr(m, "name", None)
        if name and not hidden:  # the basis is shown to handlers and rendered: a protected identity is never named
            names.append(MemberName.model_construct(person=label, name=name))
    return {"earlier_decision": earlier, "difference": difference, "norm_adjustments": adjustments, "names": names}


def _protected(bundle: CaseBundle) -> bool:
    """A registry answer says someone in the household has a protected identity (skyddade personuppgifter);
    the same test as decision.uow.protected_identity, which imports this module."""
    return any(
        getattr(f, "kind", None) == "protected_identity" and getattr(f, "value", False)
        for e in bundle.registry or []
        for f in e.facts
    )


_POINTER_ORDER = {
    name: i
    for i, name in enumerate(
        ("application", "registry", "kind", "household_changed", "household", "incomes", "costs", "assets",
         "labour_market", "previous_aid", "facts", "aid_history", "norm_adjustments",
         "rent_above_guideline_notified_on", "others_in_dwelling")
    )
}


@lru_cache(maxsize=8192)  # a fact id is a JSON pointer or a parameter's id, never personal data
def _fact_order(fid: str) -> tuple[int, tuple[tuple[int, int, str], ...]]:
    """Bundle facts in document order (the contract's field order), then parameters by name."""
    if fid.startswith("param:"):
        return (1, ((0, 0, fid),))
    key = tuple(
        (0, int(seg), "") if seg.isdigit() else (1, _POINTER_ORDER.get(seg, len(_POINTER_ORDER)), seg)
        for seg in fid.strip("/").split("/")
    )
    return (0, key)
