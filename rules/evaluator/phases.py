"""The evaluator's phases: eligibility → lines → findings → outcome → why not.

Three rulesets run on the engine (``eligibility`` → arithmetic in typed Python → ``findings`` →
``outcome``); every line, finding and outcome becomes one step of a flat trace, each naming its
rule id, pack, legal reference and the recorded reads it cites (rules/evaluator/context.py). A pack
may add adjustment lines (rules/adjustments.py); after the outcome, the "why not" notices
(rules/why_not.py) explain what would have changed the proposal. :class:`PackEvaluator` implements
:class:`decision.ports.Evaluator`; the pack is selected as of a date the caller passes in
(evaluation never reads a clock). See docs/architecture.md and docs/rule-engine.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from decision.basis import DecisionBasis
from decision.bundle import CaseBundle
from decision.errors import RulesError
from decision.money import format_kr_sv
from decision.overrides import LineOverride, Recomputed
from decision.ports import EarlierDecision
from decision.trace import Evaluation, RulesRef, Severity, StepKind, TraceStep, trace_step
from rules.catalog import Catalog, Guideline, RulePack
from rules.engine import Match, RuleEngine
from rules.evaluator.bundle2 import decide_v3
from rules.evaluator.context import Context
from rules.evaluator.facts import EngineFact, eligibility_facts, finding_facts
from rules.evaluator.incomes import income_lines
from rules.evaluator.labels import COST_SV, reason
from rules.evaluator.lines import adjustment_lines, cost_lines, disregard_lines, norm_lines
from rules.evaluator.overrides import recompute
from rules.evaluator.plausibility import total_facts, total_refs
from rules.evaluator.subject import subject_run, uses_subjects
from rules.why_not import MARGIN_PARAMETER, ReducedCost, why_not_steps

RULESETS = ("eligibility", "findings", "outcome")


class PackEvaluator:
    """Implements ``decision.ports.Evaluator`` over the packs of a :class:`Catalog`."""

    def __init__(self, catalog: Catalog | None = None, engine: RuleEngine | None = None) -> None:
        self.catalog = catalog or Catalog()
        self.engine = engine or RuleEngine()

    # ------------------------------------------------------------------ entry points
    def evaluate(
        self,
        bundle: CaseBundle,
        pack_hash: str | None = None,
        guideline_hash: str | None = None,
        as_of: date | None = None,
        earlier: EarlierDecision | None = None,
    ) -> Evaluation:
        """Decide ``bundle``; with hashes given (replay), exactly those pack and guideline are used.

        Otherwise the latest published pack covering the month (and the municipality's guideline) as of
        ``as_of``, the decision's date, which the caller reads from its clock: evaluation never does.
        ``earlier`` is the household's signed decision for the month, for a supplementary application.
        """
        app = bundle.application
        pack = self.catalog.pack_by_hash(pack_hash) if pack_hash else self.catalog.pack_for(app.month, as_of)
        guideline = (
            self.catalog.guideline_by_hash(guideline_hash)
            if guideline_hash
            else self.catalog.guideline_for(app.municipality, as_of)
        )
        return self.evaluate_with(bundle, pack, guideline, earlier)

    def apply_overrides(
        self, bundle: CaseBundle, basis: DecisionBasis, overrides: Sequence[LineOverride]
    ) -> Recomputed:
        """The proposal's lines with the handler's overrides, recomputed as trace steps by the PINNED pack
        of ``basis`` (its own result formula, the one grouping of lines): rules/evaluator/overrides.py."""
        return recompute(self.catalog.pack_by_hash(basis.rules.hash), bundle, basis, overrides)

    def evaluate_with(
        self, bundle: CaseBundle, pack: RulePack, guideline: Guideline, earlier: EarlierDecision | None = None
    ) -> Evaluation:
        """Decide ``bundle`` with exactly this pack and guideline (replay, drafts in impact analysis, tests).

        A bundle version the pack does not accept is invalid input naming the pack; a pack that accepts
        case bundle /2 decides with the v3 evaluator (rules/evaluator/bundle2.py)."""
        Catalog.check_accepts(pack, bundle.schema_)
        for name in RULESETS:
            key = f"{pack.engine_key}/{name}"
            if not self.engine.is_registered(key):
                if name not in pack.rulesets:
                    raise RulesError(f"rule pack {pack.id} has no ruleset {name}")
                self.engine.register(key, pack.rulesets[name])
        if pack.bundle2:
            run = self._subject_run if uses_subjects(pack) else self._run
            return decide_v3(run, _step, bundle, pack, guideline, earlier)
        ctx = Context.start(bundle, pack, guideline)

        # 1. eligibility: conditions the arithmetic depends on
        elig_steps = self._fire(ctx, "eligibility", eligibility_facts(ctx))
        ctx.steps.extend(elig_steps)
        excluded = {s.person for s in elig_steps if s.rule == "household.young_adult_separate" and s.person}
        jobbstimulans = next((s for s in elig_steps if s.rule == "eligibility.jobbstimulans"), None)

        # 2. arithmetic (typed Python in the pack's formula module)
        in_norm = [i for i, label in enumerate(ctx.labels) if label not in excluded]
        size = len(in_norm)
        norm_total, lunch_unknown = norm_lines(ctx, in_norm)
        cost_total, cost_facts = cost_lines(ctx, size)
        income_total, income_facts, salary_by_person = income_lines(ctx, excluded)
        disregard_total = disregard_lines(ctx, in_norm, salary_by_person, jobbstimulans)
        counted = income_total - disregard_total
        norm_total, cost_total, counted, adjustment_facts = adjustment_lines(
            ctx, size, norm_total, cost_total, counted
        )
        proposed = int(pack.formulas.proposed(norm_total, cost_total, counted))
        ctx.line(
            "result.proposed",
            proposed,
            total_refs(ctx),
            norm_sv=format_kr_sv(norm_total),
            costs_sv=format_kr_sv(cost_total),
            income_sv=format_kr_sv(counted),
        )

        # 3. findings
        facts = finding_facts(ctx, in_norm, lunch_unknown, cost_facts, income_facts)
        facts.extend(adjustment_facts)
        facts.extend(total_facts(ctx, proposed))
        ctx.steps.extend(self._fire(ctx, "findings", facts))

        # 4. outcome: the routing, over one result fact
        manual = sum(1 for s in ctx.steps if s.kind is StepKind.FINDING and s.severity is Severity.MANUAL)
        reduced = sum(1 for s in ctx.steps if s.code == "cost.reduced")
        result = EngineFact(
            {"t": "result", "proposed": proposed, "manual": manual, "reduced": reduced}, (), {"manual": str(manual)}
        )
        decided = self._run(ctx, "outcome", [result])
        if len(decided) != 1:
            raise RulesError(f"expected exactly one outcome rule to fire, got {[m.rule for m in decided]}")
        outcome_step = _step(ctx, decided[0], [result])

        # 5. why not: what would have changed the proposal (rule code outside the packs)
        why = why_not_steps(
            pack=pack,
            day=ctx.day,
            outcome=outcome_step.value or "",
            norm=norm_total,
            costs=cost_total,
            income=counted,
            proposed=proposed,
            findings=ctx.steps,
            reduced=[
                ReducedCost(COST_SV[str(f.data["kind"])], int(f.data["claimed"]), int(f.data["cap"]), f.refs)
                for f in cost_facts
                if f.data["t"] == "cost" and int(f.data["cap"]) >= 0 and int(f.data["claimed"]) > int(f.data["cap"])
            ],
            margin=ctx.param(MARGIN_PARAMETER, required=False),
        )
        trace = (*ctx.lines, *ctx.steps, outcome_step, *why)
        return Evaluation(
            pack=RulesRef(pack.id, pack.hash),
            guideline=RulesRef(guideline.id, guideline.hash),
            trace=trace,
            facts=ctx.cited_facts(trace),
        )

    # ------------------------------------------------------------------ engine plumbing
    def _run(self, ctx: Context, name: str, facts: list[EngineFact]) -> list[Match]:
        matches = self.engine.run(f"{ctx.pack.engine_key}/{name}", (f.data for f in facts))
        # deterministic order whatever the engine's agenda did
        return sorted(matches, key=lambda m: (m.rule, tuple(str(f["id"]) for f in m.facts)))

    def _subject_run(self, ctx: Context, name: str, facts: list[EngineFact]) -> list[Match]:
        """``_run`` for a pack whose rulesets match subject facts (rules/evaluator/subject.py)."""
        return subject_run(self.engine, ctx, name, facts)

    def _fire(self, ctx: Context, name: str, facts: list[EngineFact]) -> list[TraceStep]:
        """Run ruleset ``name`` over ``facts``: one step per rule that fired, in a deterministic order."""
        return [_step(ctx, m, facts) for m in self._run(ctx, name, facts)]


_KINDS = {k.value: k for k in StepKind}  # the enums by value without an Enum call per step
_SEVERITIES = {s.value: s for s in Severity}


def _step(ctx: Context, match: Match, facts: list[EngineFact]) -> TraceStep:
    meta = ctx.pack.rules.get(match.rule)
    if meta is None:
        raise RulesError(f"rule {match.rule} fired but is not in the manifest of {ctx.pack.id}")
    refs: list[str] = []
    tvars: dict[str, str] = {}
    person = source = None
    for f in match.facts:
        ef = facts[int(str(f["id"])[1:])]
        for r in ef.refs:
            if r not in refs:
                refs.append(r)
        tvars.update(ef.vars() if callable(ef.vars) else ef.vars)
        person = person or ef.person
        source = source or ef.source
    kind = _KINDS.get(meta.kind) or StepKind(meta.kind)
    finding = kind is StepKind.FINDING
    return trace_step(
        match.rule,
        ctx.pack.id,
        kind,
        tuple(refs),
        reason(meta.explanation, tvars),
        ctx.legal_reference(match.rule),
        code=meta.code if finding else None,
        severity=(_SEVERITIES.get(meta.severity) or Severity(meta.severity)) if finding and meta.severity else None,
        source=meta.source or source if finding else None,
        person=person if finding else None,
        value=match.rule.split(".", 1)[1].upper() if kind is StepKind.OUTCOME else None,
    )
