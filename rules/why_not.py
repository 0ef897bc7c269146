""""Why not": notices telling the handler what would have changed the proposal.

These are rule code outside the packs (covered by the code version recorded with each decision,
not by a pack hash): they explain the result of any pack in the same way, so adding them needed no
new pack, and a decision made before they existed replays as "different because the code changed".
Each is a ``notice`` finding with a ``why_not.*`` code, built from the evaluation's own lines and
findings (nothing is computed twice):

- ``why_not.reject`` — the proposal is 0: by how much the counted income exceeds norm + costs;
- ``why_not.cost_reduced`` — a cost reduced to the guideline's cap: the cap, the difference, and
  how much more aid accepting the whole cost would have given;
- ``why_not.manual`` — MANUAL: which findings stand between the case and an automatic proposal,
  and what the proposal would otherwise have been;
- ``why_not.grant_margin`` — GRANT with the proposal within the margin the municipal guideline
  sets (``guideline.why_not.grant_margin``; absent: no notice): how much margin is left before the
  proposal becomes a rejection.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from decision.money import format_kr_sv
from decision.trace import Severity, StepKind, TraceStep, trace_step
from rules.catalog import RulePack
from rules.parameters import ParamValue

MARGIN_PARAMETER = "guideline.why_not.grant_margin"
WOULD_BE_SV = {"REJECT": "avslag", "PARTIAL": "delvis bifall", "GRANT": "bifall"}


@dataclass(frozen=True, slots=True)
class WhyNotRule:
    id: str
    legal_reference: str  # a key of the pack's legal_references …
    fallback: str  # … or this text when the pack has no such key
    explanation: str


FL_32 = "Förvaltningslagen (2017:900) 32 §"
RULES: dict[str, WhyNotRule] = {
    r.id: r
    for r in (
        WhyNotRule(
            "why_not.reject",
            "decision",
            FL_32,
            "Varför avslag: hushållets inkomster ({income_sv}) är {excess_sv} högre än riksnormen och de godtagna "
            "kostnaderna ({need_sv}). Först med mer än {excess_sv} lägre inkomster, eller lika mycket högre "
            "godtagna kostnader, hade hushållet haft rätt till försörjningsstöd.",
        ),
        WhyNotRule(
            "why_not.reject_even",
            "decision",
            FL_32,
            "Varför avslag: hushållets inkomster ({income_sv}) är lika stora som riksnormen och de godtagna "
            "kostnaderna ({need_sv}). Med lägre inkomster eller högre godtagna kostnader hade hushållet haft "
            "rätt till försörjningsstöd.",
        ),
        WhyNotRule(
            "why_not.cost_reduced",
            "guideline",
            FL_32,
            "Varför inte hela kostnaden: {kind_sv} godtas med riktlinjens tak {cap_sv} i stället för yrkade "
            "{claimed_sv}; skillnaden är {diff_sv}. {effect_sv}",
        ),
        WhyNotRule(
            "why_not.manual",
            "decision",
            FL_32,
            "Varför inget automatiskt förslag: {count} fynd kräver handläggarens bedömning ({codes}). Utan dem "
            "hade förslaget blivit {would_sv} med {proposed_sv}.",
        ),
        WhyNotRule(
            "why_not.grant_margin",
            "guideline",
            FL_32,
            "Marginal till avslag: föreslaget försörjningsstöd, {proposed_sv}, ligger inom riktlinjens marginal "
            "{margin_sv}. Om hushållets inkomster ökar med mer än {proposed_sv} i månaden blir förslaget avslag.",
        ),
    )
}
CODES = {
    "why_not.reject": "why_not.reject",
    "why_not.reject_even": "why_not.reject",
    "why_not.cost_reduced": "why_not.cost_reduced",
    "why_not.manual": "why_not.manual",
    "why_not.grant_margin": "why_not.grant_margin",
}


@dataclass(frozen=True, slots=True)
class ReducedCost:
    kind_sv: str
    claimed: int
    cap: int
    inputs: tuple[str, ...]


def legal_reference(pack: RulePack, rule: WhyNotRule, day: date) -> str:
    ref = pack.legal_ref_at(rule.legal_reference, day)
    return rule.fallback if ref is None else ref.text


def _step(pack: RulePack, day: date, rule_id: str, inputs: Iterable[str], **tvars: str) -> TraceStep:
    rule = RULES[rule_id]
    return trace_step(
        rule_id,
        pack.id,
        StepKind.FINDING,
        tuple(dict.fromkeys(inputs)),
        rule.explanation.format(**tvars),
        legal_reference(pack, rule, day),
        code=CODES[rule_id],
        severity=Severity.NOTICE,
    )


def why_not_steps(
    *,
    pack: RulePack,
    day: date,
    outcome: str,
    norm: int,
    costs: int,
    income: int,
    proposed: int,
    findings: Iterable[TraceStep],
    reduced: Iterable[ReducedCost],
    margin: ParamValue | None,
) -> list[TraceStep]:
    """The why-not notices of one evaluation (in a fixed order: the basis sorts findings anyway)."""
    steps: list[TraceStep] = []
    need = norm + costs
    result_inputs = (margin.input_id,) if margin is not None else ()
    if proposed == 0:
        excess = income - need
        rule = "why_not.reject" if excess > 0 else "why_not.reject_even"
        steps.append(
            _step(
                pack, day, rule, (),
                income_sv=format_kr_sv(income), need_sv=format_kr_sv(need), excess_sv=format_kr_sv(max(excess, 0)),
            )
        )
    reduced_any = False
    for cost in reduced:
        reduced_any = True
        diff = cost.claimed - cost.cap
        gain = int(pack.formulas.proposed(norm, costs + diff, income)) - proposed  # the pack's own result formula
        if gain > 0:
            effect = f"Om hela kostnaden hade godtagits hade försörjningsstödet blivit {format_kr_sv(gain)} högre."
        else:
            effect = "Även om hela kostnaden hade godtagits hade inkomsterna täckt behovet."
        steps.append(
            _step(
                pack, day, "why_not.cost_reduced", cost.inputs,
                kind_sv=cost.kind_sv, cap_sv=format_kr_sv(cost.cap), claimed_sv=format_kr_sv(cost.claimed),
                diff_sv=format_kr_sv(diff), effect_sv=effect,
            )
        )
    if outcome == "MANUAL":
        manual = [s for s in findings if s.kind is StepKind.FINDING and s.severity is Severity.MANUAL]
        counts = Counter(s.code or s.rule for s in manual)
        codes = ", ".join(f"{c} ×{n}" if n > 1 else c for c, n in sorted(counts.items()))
        would = "REJECT" if proposed == 0 else ("PARTIAL" if reduced_any else "GRANT")
        steps.append(
            _step(
                pack, day, "why_not.manual", (i for s in manual for i in s.inputs),
                count=str(len(manual)), codes=codes, would_sv=WOULD_BE_SV[would], proposed_sv=format_kr_sv(proposed),
            )
        )
    if outcome == "GRANT" and margin is not None and 0 < proposed <= margin.ore:
        steps.append(
            _step(
                pack, day, "why_not.grant_margin", result_inputs,
                proposed_sv=format_kr_sv(proposed), margin_sv=format_kr_sv(margin.ore),
            )
        )
    return steps
