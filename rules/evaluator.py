"""The evaluator: decides a validated bundle with the pack its month selects.

Three rulesets run on the engine (``eligibility`` → arithmetic in typed Python → ``findings`` →
``outcome``); every line, finding and outcome becomes one step of a flat trace, each naming its
rule id, pack, legal reference and the input facts it used. A pack may add adjustment lines
(rules/adjustments.py); after the outcome, the "why not" notices (rules/why_not.py) explain what
would have changed the proposal. Implements :class:`decision.ports.Evaluator`; the pack is selected
as of a date the caller passes in (evaluation never reads a clock).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from decision import personnummer as pnr
from decision.bundle import (
    AUTHORITATIVE_SOURCE,
    AnswerStatus,
    CaseBundle,
    CostKind,
    IncomeFact,
    IncomeKind,
    LabourStatus,
    ProtectedIdentityFact,
    RegisteredFact,
    RegistryEntry,
    ResidenceStatusFact,
    Role,
    Source,
)
from decision.errors import RulesError
from decision.money import format_kr_sv
from decision.trace import Evaluation, FactRecord, RulesRef, Severity, StepKind, TraceStep
from decision.validation import age_on, first_of_month
from rules.adjustments import LINE_PREFIXES, Adjustment, AdjustmentContext, IncomeCounted
from rules.catalog import Catalog, Guideline, RulePack
from rules.engine import Match, RuleEngine
from rules.formulas.norm import WITHOUT_LUNCH_MAX_AGE, band_label_sv
from rules.parameters import ParamValue, Status
from rules.why_not import MARGIN_PARAMETER, ReducedCost, why_not_steps

RULESETS = ("eligibility", "findings", "outcome")

SOURCE_SV = {
    "skatteverket": "Skatteverket",
    "forsakringskassan": "Försäkringskassan",
    "pensionsmyndigheten": "Pensionsmyndigheten",
    "arbetsformedlingen": "Arbetsförmedlingen",
    "akassa": "a-kassan",
    "csn": "CSN",
    "migrationsverket": "Migrationsverket",
}
INCOME_SV = {
    "salary": "Lön",
    "sickness_benefit": "Sjukpenning",
    "activity_compensation": "Aktivitetsersättning",
    "parental_benefit": "Föräldrapenning",
    "unemployment_benefit": "Arbetslöshetsersättning",
    "activity_support": "Aktivitetsstöd",
    "establishment_allowance": "Etableringsersättning",
    "student_aid": "Studiemedel",
    "pension": "Pension",
    "housing_allowance": "Bostadsbidrag",
    "child_allowance": "Barnbidrag",
    "maintenance_support": "Underhållsstöd",
    "other": "Annan inkomst",
}
COST_SV = {
    "rent": "Hyran",
    "household_electricity": "Hushållselen",
    "work_travel": "Arbetsresorna",
    "home_insurance": "Hemförsäkringen",
    "union_fee": "Fackföreningsavgiften",
    "unemployment_fund_fee": "A-kasseavgiften",
    "other": "Övrig kostnad",
}
STATUS_SV = {
    "verified": "verifierad",
    "secondary": "en sekundär källa",
    "derived": "härledd",
    "unverified": "ej verifierad",
}
RESIDENCE_SV = {"expired": "tillståndet har gått ut", "none": "inget tillstånd"}
AF_SV = {
    "false": "anger att personen inte är inskriven",
    "none": "har ingen uppgift om inskrivning",
    "unavailable": "svarade inte",
    "missing": "har inte tillfrågats",
}


def persons_sv(n: int) -> str:
    return "1 person" if n == 1 else f"{n} personer"


def person_sv(label: str) -> str:
    if label == "applicant":
        return "sökande"
    if label == "partner":
        return "medsökande"
    return "barn " + label.split(":")[1]


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


class _Vars(dict[str, str]):
    """Template variables; a placeholder the case did not provide is an error, never blank."""

    def __missing__(self, key: str) -> str:
        raise RulesError(f"reason template needs {{{key}}}")


def _reason(template: str, tvars: dict[str, str]) -> str:
    return _sentence(template.format_map(_Vars(tvars)))


@dataclass
class _EngineFact:
    data: dict[str, Any]
    refs: tuple[str, ...]
    vars: dict[str, str] | Callable[[], dict[str, str]]  # lazy: built only when a rule matched
    person: str | None = None
    source: str | None = None


@dataclass
class _Case:
    """Everything one evaluation builds up; thrown away afterwards."""

    bundle: CaseBundle
    pack: RulePack
    guideline: Guideline
    day: date
    labels: list[str]
    ages: list[int]
    label_of: dict[str, str]
    index_of: dict[str, int]
    facts: dict[str, FactRecord] = field(default_factory=dict)
    pending: dict[str, Callable[[], FactRecord]] = field(default_factory=dict)  # built only if cited
    submitted_iso: str = ""
    lines: list[TraceStep] = field(default_factory=list)
    steps: list[TraceStep] = field(default_factory=list)
    params_used: dict[str, ParamValue] = field(default_factory=dict)


class PackEvaluator:
    """Implements ``decision.ports.Evaluator`` over the packs of a :class:`Catalog`."""

    def __init__(self, catalog: Catalog | None = None, engine: RuleEngine | None = None) -> None:
        self.catalog = catalog or Catalog()
        self.engine = engine or RuleEngine()

    # ------------------------------------------------------------------ entry point
    def evaluate(
        self,
        bundle: CaseBundle,
        pack_hash: str | None = None,
        guideline_hash: str | None = None,
        as_of: date | None = None,
    ) -> Evaluation:
        """Decide ``bundle``; with hashes given (replay), exactly those pack and guideline are used.

        Otherwise the latest published pack covering the month (and the municipality's guideline) as of
        ``as_of``, the decision's date, which the caller reads from its clock: evaluation never does.
        """
        app = bundle.application
        pack = self.catalog.pack_by_hash(pack_hash) if pack_hash else self.catalog.pack_for(app.month, as_of)
        guideline = (
            self.catalog.guideline_by_hash(guideline_hash)
            if guideline_hash
            else self.catalog.guideline_for(app.municipality, as_of)
        )
        return self.evaluate_with(bundle, pack, guideline)

    def evaluate_with(self, bundle: CaseBundle, pack: RulePack, guideline: Guideline) -> Evaluation:
        """Decide ``bundle`` with exactly this pack and guideline (replay, drafts in impact analysis, tests)."""
        for name in RULESETS:
            key = f"{pack.engine_key}/{name}"
            if not self.engine.is_registered(key):
                if name not in pack.rulesets:
                    raise RulesError(f"rule pack {pack.id} has no ruleset {name}")
                self.engine.register(key, pack.rulesets[name])
        case = self._case(bundle, pack, guideline)

        # 1. eligibility: conditions the arithmetic depends on
        elig = self._run(case, "eligibility", self._eligibility_facts(case))
        elig_steps = [self._step(case, m, self._last_facts) for m in elig]
        case.steps.extend(elig_steps)
        excluded = {s.person for s in elig_steps if s.rule == "household.young_adult_separate" and s.person}
        jobbstimulans = next((s for s in elig_steps if s.rule == "eligibility.jobbstimulans"), None)

        # 2. arithmetic (typed Python in the pack's formula module)
        in_norm = [i for i, label in enumerate(case.labels) if label not in excluded]
        size = len(in_norm)
        norm_total, lunch_unknown = self._norm(case, in_norm)
        cost_total, cost_facts = self._costs(case, size)
        income_total, income_facts, salary_by_person = self._incomes(case, excluded)
        disregard_total = self._disregards(case, in_norm, salary_by_person, jobbstimulans)
        counted = income_total - disregard_total
        norm_total, cost_total, counted, adjustment_facts = self._adjustments(
            case, size, norm_total, cost_total, counted
        )
        proposed = int(pack.formulas.proposed(norm_total, cost_total, counted))
        self._line(
            case,
            "result.proposed",
            proposed,
            (),
            norm_sv=format_kr_sv(norm_total),
            costs_sv=format_kr_sv(cost_total),
            income_sv=format_kr_sv(counted),
        )

        # 3. findings
        facts = self._finding_facts(case, in_norm, lunch_unknown, cost_facts, income_facts)
        facts.extend(adjustment_facts)
        found = self._run(case, "findings", facts)
        case.steps.extend(self._step(case, m, self._last_facts) for m in found)

        # 4. outcome: the routing, over one result fact
        manual = sum(1 for s in case.steps if s.kind is StepKind.FINDING and s.severity is Severity.MANUAL)
        reduced = sum(1 for s in case.steps if s.code == "cost.reduced")
        result = _EngineFact(
            {"t": "result", "proposed": proposed, "manual": manual, "reduced": reduced}, (), {"manual": str(manual)}
        )
        decided = self._run(case, "outcome", [result])
        if len(decided) != 1:
            raise RulesError(f"expected exactly one outcome rule to fire, got {[m.rule for m in decided]}")
        outcome_step = self._step(case, decided[0], self._last_facts)

        # 5. why not: what would have changed the proposal (rule code outside the packs)
        why = why_not_steps(
            pack=pack,
            day=case.day,
            outcome=outcome_step.value or "",
            norm=norm_total,
            costs=cost_total,
            income=counted,
            proposed=proposed,
            findings=case.steps,
            reduced=[
                ReducedCost(COST_SV[str(f.data["kind"])], int(f.data["claimed"]), int(f.data["cap"]), f.refs)
                for f in cost_facts
                if f.data["t"] == "cost" and int(f.data["cap"]) >= 0 and int(f.data["claimed"]) > int(f.data["cap"])
            ],
            margin=self._param(case, MARGIN_PARAMETER, required=False),
        )
        trace = (*case.lines, *case.steps, outcome_step, *why)
        for ref in dict.fromkeys(i for s in trace for i in s.inputs):  # pending facts: built only if cited
            if ref not in case.facts and ref in case.pending:
                case.facts[ref] = case.pending[ref]()
        return Evaluation(
            pack=RulesRef(pack.id, pack.hash),
            guideline=RulesRef(guideline.id, guideline.hash),
            trace=trace,
            facts=case.facts,
        )

    def _adjustments(
        self, case: _Case, size: int, norm: int, costs: int, income: int
    ) -> tuple[int, int, int, list[_EngineFact]]:
        """Lines a pack's ``formulas.adjustments`` adds (rules/adjustments.py); (norm, costs, income, facts)."""
        hook = getattr(case.pack.formulas, "adjustments", None)
        if hook is None:
            return norm, costs, income, []
        incomes: dict[str, tuple[int, list[str]]] = {}
        for line in case.lines:
            if line.rule.startswith("income.") and line.amount is not None:
                amount, refs = incomes.get(line.rule[len("income."):], (0, []))
                incomes[line.rule[len("income."):]] = (amount + line.amount, refs + list(line.inputs))

        def param(path: str) -> ParamValue | None:
            value = self._param(case, path, required=False)
            if value is not None and isinstance(value.value, int) and value.unit.startswith("SEK"):
                self._use(case, value)  # an amount: a figure that is not verified gets its notice
            return value

        ctx = AdjustmentContext(
            day=case.day,
            size=size,
            norm=norm,
            costs=costs,
            income=income,
            incomes={k: IncomeCounted(a, tuple(dict.fromkeys(r))) for k, (a, r) in incomes.items()},
            param=param,
        )
        facts: list[_EngineFact] = []
        for adj in hook(ctx):
            if not isinstance(adj, Adjustment) or not adj.rule.startswith(LINE_PREFIXES):
                raise RulesError(f"rule pack {case.pack.id}: an adjustment must be a line rule under {LINE_PREFIXES}")
            self._line(case, adj.rule, adj.amount, adj.inputs, **adj.vars)
            if adj.rule.startswith("norm."):
                norm += adj.amount
            elif adj.rule.startswith("cost."):
                costs += adj.amount
            elif adj.rule.startswith("income."):
                income += adj.amount
            else:
                income -= adj.amount
            facts.append(
                _EngineFact(
                    {"t": "adjustment", "rule": adj.rule, "amount": adj.amount},
                    tuple(dict.fromkeys(adj.inputs)),
                    {**adj.vars, "amount": format_kr_sv(adj.amount), "amount_abs": format_kr_sv(abs(adj.amount))},
                )
            )
        return norm, costs, income, facts

    # ------------------------------------------------------------------ engine plumbing
    _last_facts: list[_EngineFact]

    def _run(self, case: _Case, name: str, facts: list[_EngineFact]) -> list[Match]:
        self._last_facts = facts
        matches = self.engine.run(f"{case.pack.engine_key}/{name}", (f.data for f in facts))
        # deterministic order whatever the engine's agenda did
        return sorted(matches, key=lambda m: (m.rule, tuple(str(f["id"]) for f in m.facts)))

    def _step(self, case: _Case, match: Match, facts: list[_EngineFact]) -> TraceStep:
        meta = case.pack.rules.get(match.rule)
        if meta is None:
            raise RulesError(f"rule {match.rule} fired but is not in the manifest of {case.pack.id}")
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
        kind = StepKind(meta.kind)
        return TraceStep(
            rule=match.rule,
            pack=case.pack.id,
            kind=kind,
            inputs=tuple(refs),
            reason=_reason(meta.explanation, tvars),
            legal_reference=case.pack.legal_reference(match.rule, case.day),
            code=meta.code if kind is StepKind.FINDING else None,
            severity=Severity(meta.severity) if kind is StepKind.FINDING and meta.severity else None,
            source=meta.source or source if kind is StepKind.FINDING else None,
            person=person if kind is StepKind.FINDING else None,
            value=match.rule.split(".", 1)[1].upper() if kind is StepKind.OUTCOME else None,
        )

    # ------------------------------------------------------------------ case and facts
    def _case(self, bundle: CaseBundle, pack: RulePack, guideline: Guideline) -> _Case:
        app = bundle.application
        day = first_of_month(app.month)
        labels: list[str] = []
        ages: list[int] = []
        children = 0
        for m in app.household:
            if m.role is Role.CHILD:
                children += 1
                labels.append(f"child:{children}")
            else:
                labels.append(m.role.value)
            ages.append(age_on(pnr.birth_date(m.personnummer), day))
        case = _Case(
            bundle=bundle,
            pack=pack,
            guideline=guideline,
            day=day,
            labels=labels,
            ages=ages,
            label_of={m.personnummer: labels[i] for i, m in enumerate(app.household)},
            index_of={m.personnummer: i for i, m in enumerate(app.household)},
            submitted_iso=app.submitted_at.isoformat(),
        )
        return case

    def _declared(self, case: _Case, pointer: str, kind: str, **kw: Any) -> str:
        if pointer not in case.facts and pointer not in case.pending:
            app = case.bundle.application

            def make() -> FactRecord:
                return FactRecord(
                    id=pointer, kind=kind, source="application", fetched_at=case.submitted_iso, request_id=app.id,
                    **kw,
                )

            case.pending[pointer] = make
        return pointer

    def _member_ref(self, case: _Case, i: int) -> str:
        return self._declared(
            case, f"/application/household/{i}", "age", person=case.labels[i], value=case.ages[i]
        )

    def _registry_ref(self, case: _Case, i: int, entry: RegistryEntry, j: int | None = None) -> str:
        pointer = f"/registry/{i}" if j is None else f"/registry/{i}/facts/{j}"
        if pointer not in case.facts and pointer not in case.pending:
            case.pending[pointer] = lambda: self._registry_fact(case, pointer, entry, j)
        return pointer

    def _registry_fact(self, case: _Case, pointer: str, entry: RegistryEntry, j: int | None) -> FactRecord:
        base: dict[str, Any] = {
            "person": case.label_of[entry.person],
            "source": entry.source.value,
            "fetched_at": entry.fetched_at.isoformat(),
            "request_id": entry.request_id,
        }
        if j is None:
            value = entry.status.value if entry.error is None else f"{entry.status.value}: {entry.error}"
            return FactRecord(id=pointer, kind="registry_answer", value=value, **base)
        fact = entry.facts[j]
        if isinstance(fact, IncomeFact):
            return FactRecord(id=pointer, kind=fact.kind.value, amount=fact.amount, month=fact.month, **base)
        plain: str | bool = fact.value.value if isinstance(fact, ResidenceStatusFact) else fact.value
        return FactRecord(id=pointer, kind=fact.kind, value=plain, **base)

    def _param(self, case: _Case, path: str, *, required: bool = True) -> ParamValue | None:
        owner = "guideline" if path.startswith("guideline.") else "pack"
        params = case.guideline.parameters if owner == "guideline" else case.pack.parameters
        p = params.get(path)
        value = p.at(case.day) if p else None
        if value is None:
            if required:
                raise RulesError(f"parameter {path} has no value for {case.bundle.application.month}")
            return None
        ref = value.input_id
        if ref not in case.facts:
            src = f"riktlinje {case.guideline.id}" if owner == "guideline" else f"regelpaket {case.pack.id}"
            amount = value.value if isinstance(value.value, int) and value.unit.startswith("SEK") else None
            plain: str | int | bool | None
            if amount is not None:
                plain = None
            elif isinstance(value.value, tuple):
                plain = ",".join(value.value)
            else:
                plain = value.value
            case.facts[ref] = FactRecord(
                id=ref, kind="parameter", source=f"{src}: {value.source}", amount=amount, value=plain
            )
        return value

    def _use(self, case: _Case, value: ParamValue) -> str:
        """Record a figure used in an amount (for the 'not verified' notices) and cite it."""
        case.params_used.setdefault(value.input_id, value)
        return value.input_id

    def _line(self, case: _Case, rule: str, amount: int, inputs: Iterable[str], **tvars: str) -> None:
        meta = case.pack.rules.get(rule)
        if meta is None or meta.kind != "line":
            raise RulesError(f"line rule {rule} is not in the manifest of {case.pack.id}")
        case.lines.append(
            TraceStep(
                rule=rule,
                pack=case.pack.id,
                kind=StepKind.LINE,
                inputs=tuple(dict.fromkeys(inputs)),
                reason=_reason(meta.explanation, {"amount": format_kr_sv(amount), **tvars}),
                legal_reference=case.pack.legal_reference(rule, case.day),
                amount=amount,
            )
        )

    # ------------------------------------------------------------------ phase 1 facts
    def _eligibility_facts(self, case: _Case) -> list[_EngineFact]:
        app = case.bundle.application
        period = self._param(case, "jobbstimulans.period_months")
        qualifying = self._param(case, "jobbstimulans.qualifying_months")
        assert period is not None and qualifying is not None
        aid = app.previous_aid
        out = [
            _EngineFact(
                {"t": "params", "jobb_period": period.ore, "jobb_qualifying": qualifying.ore},
                (period.input_id, qualifying.input_id),
                {},
            ),
            _EngineFact(
                {"t": "case", "jobb_used": aid.jobbstimulans_months_used, "consecutive": aid.consecutive_months},
                (
                    self._declared(
                        case, "/application/previous_aid/consecutive_months", "previous_aid",
                        value=aid.consecutive_months,
                    ),
                    self._declared(
                        case, "/application/previous_aid/jobbstimulans_months_used", "jobbstimulans_months_used",
                        value=aid.jobbstimulans_months_used,
                    ),
                ),
                {},
            ),
        ]
        for i, m in enumerate(app.household):
            refs = [self._member_ref(case, i)]
            if m.role is Role.CHILD and case.ages[i] >= 18:
                refs.append(
                    self._declared(
                        case, f"/application/household/{i}/attends_school", "attends_school",
                        person=case.labels[i], value=m.attends_school,
                    )
                )
            out.append(
                _EngineFact(
                    {
                        "t": "member",
                        "person": case.labels[i],
                        "role": m.role.value,
                        "age": case.ages[i],
                        "attends_school": m.attends_school,
                    },
                    tuple(refs),
                    {"person_sv": person_sv(case.labels[i]), "age": str(case.ages[i])},
                    person=case.labels[i],
                )
            )
        return out

    # ------------------------------------------------------------------ arithmetic
    def _norm(self, case: _Case, in_norm: list[int]) -> tuple[int, set[int]]:
        f = case.pack.formulas
        app = case.bundle.application
        has_partner = any(app.household[i].role is Role.PARTNER for i in in_norm)
        total = 0
        lunch_unknown: set[int] = set()
        for i in in_norm:
            m = app.household[i]
            label = case.labels[i]
            if m.role is Role.APPLICANT:
                if has_partner:
                    v = self._param(case, "riksnorm.personal.couple")
                    assert v is not None
                    partner = next(j for j in in_norm if app.household[j].role is Role.PARTNER)
                    refs = [self._member_ref(case, i), self._member_ref(case, partner), self._use(case, v)]
                    self._line(case, "norm.personal.couple", v.ore, refs)
                else:
                    v = self._param(case, "riksnorm.personal.single_adult")
                    assert v is not None
                    refs = [self._member_ref(case, i), self._use(case, v)]
                    self._line(case, "norm.personal.single", v.ore, refs, person_sv=person_sv(label))
                total += v.ore
                continue
            if m.role is Role.PARTNER:
                continue
            age = case.ages[i]
            band = str(f.child_band(age))
            refs = [self._member_ref(case, i)]
            rule = "norm.personal.young_adult" if band == "young_adult_19_20" else "norm.personal.child"
            value = self._param(case, f"riksnorm.personal.{band}")
            assert value is not None
            if m.preschool_lunch and age <= WITHOUT_LUNCH_MAX_AGE:
                refs.append(
                    self._declared(
                        case, f"/application/household/{i}/preschool_lunch", "preschool_lunch",
                        person=label, value=True,
                    )
                )
                lower = self._param(case, f"riksnorm.personal_without_lunch.{band}", required=False)
                if lower is not None:
                    value = lower
                    rule = "norm.personal.child_without_lunch"
                else:
                    lunch_unknown.add(i)
            if m.attends_school and age >= 18:
                refs.append(
                    self._declared(
                        case, f"/application/household/{i}/attends_school", "attends_school",
                        person=label, value=True,
                    )
                )
            refs.append(self._use(case, value))
            self._line(
                case, rule, value.ore, refs,
                person_sv=person_sv(label), age=str(age), band_sv=band_label_sv(band),
            )
            total += value.ore
        size = len(in_norm)
        table: dict[int, int] = {}
        refs = []
        for n in range(1, 8):
            if n == size or (size > 7 and n in (6, 7)):
                v = self._param(case, f"riksnorm.shared.size_{n}")
                assert v is not None
                table[n] = v.ore
                refs.append(self._use(case, v))
        shared = int(f.shared_costs(size, table))
        self._line(case, "norm.shared", shared, refs, size=persons_sv(size))
        return total + shared, lunch_unknown

    def _rent_cap(self, case: _Case, size: int) -> ParamValue | None:
        path = f"guideline.rent_cap.size_{size}" if size <= 4 else "guideline.rent_cap.size_5_plus"
        return self._param(case, path, required=False)

    def _costs(self, case: _Case, size: int) -> tuple[int, list[_EngineFact]]:
        f = case.pack.formulas
        app = case.bundle.application
        groups: dict[CostKind, list[int]] = {}
        order: list[tuple[str, int]] = []
        for i, c in enumerate(app.costs):
            if c.kind is CostKind.OTHER:
                order.append(("other", i))
            else:
                if c.kind not in groups:
                    order.append(("group", i))
                groups.setdefault(c.kind, []).append(i)
        total = 0
        facts: list[_EngineFact] = []
        for what, i in order:
            cost = app.costs[i]
            if what == "other":
                ref = self._declared(
                    case, f"/application/costs/{i}", "other", amount=cost.amount, value=cost.description
                )
                desc = cost.description or ""
                self._line(case, "cost.other", 0, [ref], description=desc, claimed_sv=format_kr_sv(cost.amount))
                facts.append(
                    _EngineFact(
                        {"t": "cost_other", "claimed": cost.amount},
                        (ref,),
                        {"description": desc, "claimed_sv": format_kr_sv(cost.amount)},
                    )
                )
                continue
            rows = groups[cost.kind]
            refs = [
                self._declared(case, f"/application/costs/{r}", cost.kind.value, amount=app.costs[r].amount)
                for r in rows
            ]
            claimed = sum(app.costs[r].amount for r in rows)
            cap_value = self._rent_cap(case, size) if cost.kind is CostKind.RENT else None
            cap = cap_value.ore if cap_value is not None else None
            if cap_value is not None:
                refs.append(cap_value.input_id)
            accepted = int(f.cost_accepted(claimed, cap))
            note = ""
            if cap is not None and accepted < claimed:
                note = f" (begränsat till riktlinjens skäliga nivå för {persons_sv(size)})"
            self._line(
                case, f"cost.{cost.kind.value}", accepted, refs,
                claimed_sv=format_kr_sv(claimed), accepted_sv=format_kr_sv(accepted), cap_note=note,
            )
            total += accepted
            facts.append(
                _EngineFact(
                    {"t": "cost", "kind": cost.kind.value, "claimed": claimed, "cap": -1 if cap is None else cap},
                    tuple(refs),
                    {
                        "kind_sv": COST_SV[cost.kind.value],
                        "claimed_sv": format_kr_sv(claimed),
                        "cap_sv": format_kr_sv(cap or 0),
                        "diff_sv": format_kr_sv(claimed - accepted),
                        "size": persons_sv(size),
                    },
                )
            )
        return total, facts

    def _incomes(
        self, case: _Case, excluded: set[str]
    ) -> tuple[int, list[_EngineFact], dict[str, tuple[int, list[str]]]]:
        app = case.bundle.application
        registry = case.bundle.registry or []
        month = app.month
        answers: dict[tuple[str, str], int] = {(e.source.value, e.person): i for i, e in enumerate(registry)}
        groups: dict[tuple[str, IncomeKind], list[int]] = {}
        for i, inc in enumerate(app.incomes):
            if case.label_of[inc.person] in excluded:
                continue
            groups.setdefault((inc.person, inc.kind), []).append(i)
        # an income the authoritative source reports that the household did not declare
        for e in registry:
            if case.label_of[e.person] in excluded or e.status is not AnswerStatus.OK:
                continue
            for fact in e.facts:
                if isinstance(fact, IncomeFact) and fact.month == month:
                    if AUTHORITATIVE_SOURCE[fact.kind] is e.source:
                        groups.setdefault((e.person, fact.kind), [])
        total = 0
        facts: list[_EngineFact] = []
        salary_by_person: dict[str, tuple[int, list[str]]] = {}
        for (person, kind), rows in groups.items():
            label = case.label_of[person]
            is_child = app.household[case.index_of[person]].role is Role.CHILD
            declared_refs = [
                self._declared(
                    case, f"/application/incomes/{r}", kind.value, person=label, amount=app.incomes[r].amount,
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
                idx = answers.get((authority.value, person))
                if idx is None:
                    consulted = authority.value in self._consulted(case)
                    auth = "not_consulted" if consulted else "no_fact"
                else:
                    entry = registry[idx]
                    if entry.status is AnswerStatus.UNAVAILABLE:
                        auth = "unavailable"
                        refs.append(self._registry_ref(case, idx, entry))
                    else:
                        hits = [
                            j
                            for j, fact in enumerate(entry.facts)
                            if isinstance(fact, IncomeFact) and fact.kind is kind and fact.month == month
                        ]
                        if hits:
                            auth = "confirmed"
                            for j in hits:
                                refs.append(self._registry_ref(case, idx, entry, j))
                                fact = entry.facts[j]
                                assert isinstance(fact, IncomeFact)
                                r_amount += fact.amount
                        else:
                            auth = "no_fact"
                            refs.append(self._registry_ref(case, idx, entry))
            # facts of the same kind from other sources are shown, not counted
            for idx, e in enumerate(registry):
                if e.person != person or e.source is authority or e.status is not AnswerStatus.OK:
                    continue
                for j, fact in enumerate(e.facts):
                    if isinstance(fact, IncomeFact) and fact.kind is kind and fact.month == month:
                        shown.append(self._registry_ref(case, idx, e, j))
            counted = r_amount if auth == "confirmed" else d
            source_sv = SOURCE_SV[authority.value] if authority else "inget register"
            if auth == "confirmed":
                basis_sv = f"enligt {source_sv}"
                if not rows:
                    basis_sv += ", inte uppgiven i ansökan"
            elif auth == "none":
                basis_sv = "enligt ansökan; kan inte kontrolleras mot register"
            elif auth == "unavailable":
                basis_sv = f"enligt ansökan; {source_sv} svarade inte"
            elif auth == "not_consulted":
                basis_sv = f"enligt ansökan; {source_sv} har inte tillfrågats"
            else:
                basis_sv = f"enligt ansökan; inte bekräftad av {source_sv}"
            if shown:
                basis_sv += "; uppgifter från andra källor visas men räknas inte"
            self._line(
                case, f"income.{kind.value}", counted, refs + shown, person_sv=person_sv(label), basis_sv=basis_sv
            )
            total += counted
            if kind is IncomeKind.SALARY:
                prev = salary_by_person.get(label, (0, []))
                salary_by_person[label] = (prev[0] + counted, prev[1] + refs)
            facts.append(
                _EngineFact(
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
                    {
                        "person_sv": person_sv(label),
                        "kind_sv": INCOME_SV[kind.value],
                        "d_sv": format_kr_sv(d),
                        "r_sv": format_kr_sv(r_amount),
                        "diff_sv": format_kr_sv(abs(d - r_amount)),
                        "source_sv": source_sv,
                    },
                    person=label,
                    source=authority.value if authority else None,
                )
            )
        return total, facts, salary_by_person

    def _disregards(
        self,
        case: _Case,
        in_norm: list[int],
        salary_by_person: dict[str, tuple[int, list[str]]],
        jobbstimulans: TraceStep | None,
    ) -> int:
        f = case.pack.formulas
        app = case.bundle.application
        total = 0
        if jobbstimulans is not None:
            pct = self._param(case, "jobbstimulans.disregard_percent")
            assert pct is not None
            elig_refs = list(jobbstimulans.inputs)
            for i in in_norm:
                m = app.household[i]
                label = case.labels[i]
                if m.role is Role.CHILD or label not in salary_by_person:
                    continue
                salary, refs = salary_by_person[label]
                amount = int(f.jobbstimulans_disregard(salary, pct.ore))
                if amount <= 0:
                    continue
                self._line(
                    case, "disregard.jobbstimulans", amount, refs + elig_refs + [pct.input_id],
                    person_sv=person_sv(label),
                    period_month=str(app.previous_aid.jobbstimulans_months_used + 1),
                )
                total += amount
        for i in in_norm:
            m = app.household[i]
            label = case.labels[i]
            if m.role is not Role.CHILD or label not in salary_by_person:
                continue
            salary, refs = salary_by_person[label]
            ytd_rows = [
                r for r, inc in enumerate(app.incomes) if inc.person == m.personnummer and inc.kind is IncomeKind.SALARY
            ]
            ytd = sum(app.incomes[r].year_to_date or 0 for r in ytd_rows)
            ytd_refs = [
                self._declared(
                    case, f"/application/incomes/{r}/year_to_date", "year_to_date", person=label,
                    amount=app.incomes[r].year_to_date,
                )
                for r in ytd_rows
            ]
            pbb = self._param(case, "prisbasbelopp")
            multiple = self._param(case, "child_income.disregard_prisbasbelopp")
            assert pbb is not None and multiple is not None
            counted = int(f.child_salary_counted(salary, ytd, pbb.ore, multiple.ore))
            amount = salary - counted
            if amount <= 0:
                continue
            self._line(
                case, "disregard.child_income", amount,
                refs + ytd_refs + [pbb.input_id, multiple.input_id],
                person_sv=person_sv(label), ytd_sv=format_kr_sv(ytd), pbb_sv=format_kr_sv(pbb.ore * multiple.ore),
            )
            total += amount
        return total

    # ------------------------------------------------------------------ phase 2 facts
    def _consulted(self, case: _Case) -> tuple[str, ...]:
        v = self._param(case, "guideline.registry_sources")
        assert v is not None and isinstance(v.value, tuple)
        return v.value

    def _finding_facts(
        self,
        case: _Case,
        in_norm: list[int],
        lunch_unknown: set[int],
        cost_facts: list[_EngineFact],
        income_facts: list[_EngineFact],
    ) -> list[_EngineFact]:
        app = case.bundle.application
        registry = case.bundle.registry or []
        stale = self._param(case, "registry.stale_after_days")
        buffer = self._param(case, "guideline.asset_buffer")
        tolerance = self._param(case, "guideline.income_tolerance")
        sources = self._param(case, "guideline.registry_sources")
        assert stale is not None and buffer is not None and tolerance is not None and sources is not None
        out: list[_EngineFact] = [
            _EngineFact(
                {"t": "params", "stale_after_s": stale.ore * 86400},
                (stale.input_id,),
                {"limit": str(stale.ore)},
            ),
            _EngineFact(
                {
                    "t": "guideline",
                    "asset_buffer": buffer.ore,
                    "tolerance": tolerance.ore,
                    "example": case.guideline.example,
                },
                (),
                {
                    "buffer_sv": format_kr_sv(buffer.ore),
                    "tolerance_sv": format_kr_sv(tolerance.ore),
                    "guideline_id": case.guideline.id,
                },
            ),
            _EngineFact(
                {"t": "case", "kind": app.kind, "household_changed": app.household_changed},
                (
                    self._declared(case, "/application/kind", "application_kind", value=app.kind),
                    self._declared(
                        case, "/application/household_changed", "household_changed", value=app.household_changed
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
            if m.preschool_lunch and case.ages[i] <= WITHOUT_LUNCH_MAX_AGE:
                out.append(
                    _EngineFact(
                        {
                            "t": "member",
                            "person": case.labels[i],
                            "in_norm": True,
                            "preschool_lunch": True,
                            "age": case.ages[i],
                            "lunch_param": i not in lunch_unknown,
                        },
                        (self._member_ref(case, i), f"/application/household/{i}/preschool_lunch"),
                        {"person_sv": person_sv(case.labels[i]), "year": app.month[:4]},
                        person=case.labels[i],
                    )
                )
        adults = [i for i in in_norm if app.household[i].role is not Role.CHILD]
        consulted = sources.value if isinstance(sources.value, tuple) else ()
        answered = {(e.source.value, e.person) for e in registry}
        # a child's declared income needs its authoritative source like an adult's does
        in_norm_children = {app.household[i].personnummer for i in in_norm} - {
            app.household[i].personnummer for i in adults
        }
        needed_for_child: dict[tuple[str, str], None] = {}
        for inc in app.incomes:
            authority = AUTHORITATIVE_SOURCE[inc.kind]
            if inc.person in in_norm_children and authority is not None and authority.value in consulted:
                needed_for_child[(authority.value, inc.person)] = None
        submitted = app.submitted_at
        for idx, e in enumerate(registry):
            label = case.label_of[e.person]
            i = case.index_of[e.person]
            ref = self._registry_ref(case, idx, e)
            age_s = int((submitted - e.fetched_at).total_seconds())
            out.append(
                _EngineFact(
                    {
                        "t": "answer",
                        "person": label,
                        "source": e.source.value,
                        "status": e.status.value,
                        "needed": app.household[i].role is not Role.CHILD
                        or (e.source.value, e.person) in needed_for_child,
                        "age_s": age_s,
                    },
                    (ref,),
                    {
                        "person_sv": person_sv(label),
                        "source_sv": SOURCE_SV[e.source.value],
                        "error": e.error or "inget svar",
                        "days": str(max(age_s, 0) // 86400),
                    },
                    person=label,
                    source=e.source.value,
                )
            )
            for j, fact in enumerate(e.facts):
                if isinstance(fact, ProtectedIdentityFact):
                    out.append(
                        _EngineFact(
                            {"t": "identity", "person": label, "value": fact.value},
                            (self._registry_ref(case, idx, e, j),),
                            {"person_sv": person_sv(label), "source_sv": SOURCE_SV[e.source.value]},
                            person=label,
                            source=e.source.value,
                        )
                    )
                elif isinstance(fact, ResidenceStatusFact):
                    out.append(
                        _EngineFact(
                            {"t": "residence", "person": label, "status": fact.value.value},
                            (self._registry_ref(case, idx, e, j),),
                            {"person_sv": person_sv(label), "status_sv": RESIDENCE_SV.get(fact.value.value, "")},
                            person=label,
                            source=e.source.value,
                        )
                    )
        missing = [(src, app.household[i].personnummer) for i in adults for src in consulted]
        missing += [key for key in needed_for_child if key not in missing]
        for src, pn in missing:
            if (src, pn) in answered:
                continue
            label = case.label_of[pn]
            out.append(
                _EngineFact(
                    {"t": "answer", "person": label, "source": src, "status": "missing", "needed": True, "age_s": 0},
                    (sources.input_id,),
                    {"person_sv": person_sv(label), "source_sv": SOURCE_SV.get(src, src)},
                    person=label,
                    source=src,
                )
            )
        # labour market, adults only
        lm = {e.person: (k, e) for k, e in enumerate(app.labour_market)}
        af_answers = {e.person: (k, e) for k, e in enumerate(registry) if e.source is Source.ARBETSFORMEDLINGEN}
        for i in adults:
            pn = app.household[i].personnummer
            label = case.labels[i]
            refs: list[str] = []
            if pn in lm:
                k, entry = lm[pn]
                status = entry.status.value
                refs.append(
                    self._declared(case, f"/application/labour_market/{k}", "labour_market", person=label, value=status)
                )
            else:
                status = "missing"
            af = "missing"
            if status == LabourStatus.REGISTERED_AT_AF.value:
                if pn in af_answers:
                    k, e = af_answers[pn]
                    if e.status is AnswerStatus.UNAVAILABLE:
                        af = "unavailable"
                        refs.append(self._registry_ref(case, k, e))
                    else:
                        reg = [j for j, fact in enumerate(e.facts) if isinstance(fact, RegisteredFact)]
                        if reg:
                            fact = e.facts[reg[-1]]
                            assert isinstance(fact, RegisteredFact)
                            af = "true" if fact.value else "false"
                            refs.append(self._registry_ref(case, k, e, reg[-1]))
                        else:
                            af = "none"
                            refs.append(self._registry_ref(case, k, e))
            out.append(
                _EngineFact(
                    {"t": "labour", "person": label, "status": status, "af": af},
                    tuple(refs),
                    {"person_sv": person_sv(label), "af_sv": AF_SV.get(af, "")},
                    person=label,
                    source="arbetsformedlingen" if status == LabourStatus.REGISTERED_AT_AF.value else None,
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
                self._declared(
                    case, f"/application/assets/{k}", a.kind.value, person=case.label_of[a.person], amount=a.value
                )
            )
        out.append(
            _EngineFact(
                {"t": "assets", "total": total_assets},
                (*asset_refs, buffer.input_id),
                {"total_sv": format_kr_sv(total_assets)},
            )
        )
        # every figure used that is not verified gets one notice
        for ref, value in case.params_used.items():
            if value.status is Status.VERIFIED:
                continue
            p = case.pack.parameters.get(value.path) or case.guideline.parameters[value.path]
            out.append(
                _EngineFact(
                    {"t": "param", "path": value.path, "status": value.status.value},
                    (ref,),
                    {
                        "param_sv": p.description_sv,
                        "value_sv": format_kr_sv(value.ore),
                        "since": value.since.isoformat(),
                        "status_sv": STATUS_SV[value.status.value],
                    },
                )
            )
        return out
