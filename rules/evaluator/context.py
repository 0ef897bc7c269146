"""The evaluation context: one case being decided, and the record of every fact and parameter it read.

Reading goes through the context only: :meth:`Context.param` records a parameter read as a fact
(``param:…``), :meth:`Context.declared` and :meth:`Context.registry_ref` record a bundle fact (built
only if a step cites it), each returning the id a step cites. A step can cite nothing else:
:meth:`Context.line` refuses an input that was not recorded, and :meth:`Context.cited_facts` turns
the records the trace cites into the evaluation's facts — so a citation is never forgotten nor
invented (the way openfisca-core's tracer records parameter reads). See docs/architecture.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from decision import personnummer as pnr
from decision.bundle import CaseBundle, IncomeFact, RegistryEntry, ResidenceStatusFact, Role
from decision.errors import RulesError
from decision.money import format_kr_sv
from decision.trace import FactRecord, StepKind, TraceStep, fact_record, trace_step
from decision.validation import age_on, first_of_month
from rules.catalog import Guideline, RulePack
from rules.evaluator.labels import reason
from rules.parameters import ParamValue

# Pure per-pack work, the same for every case of a pack (or guideline) and day; keyed by id and content hash,
# so a draft or a changed pack never shares an entry. Never per-person data: a case's own reads live on
# its Context. Bounded by packs × months × parameters (or rules).
_PARAMS: dict[tuple[str, str, str, date], tuple[ParamValue, FactRecord] | None] = {}
_LEGAL: dict[tuple[str, str, str, date], str] = {}
# a recorded read not yet built: (kind, keyword fields) of a declared fact, or (registry answer, fact index)
Pending = tuple[str, dict[str, Any]] | tuple[RegistryEntry, int | None]


@dataclass
class Context:
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
    pending: dict[str, Pending] = field(default_factory=dict)  # built only if cited (Context._build)
    submitted_iso: str = ""
    application_id: str = ""  # what a declared fact's request_id is
    lines: list[TraceStep] = field(default_factory=list)
    steps: list[TraceStep] = field(default_factory=list)
    params_used: dict[str, ParamValue] = field(default_factory=dict)

    @classmethod
    def start(cls, bundle: CaseBundle, pack: RulePack, guideline: Guideline) -> Context:
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
        return cls(
            bundle=bundle,
            pack=pack,
            guideline=guideline,
            day=day,
            labels=labels,
            ages=ages,
            label_of={m.personnummer: labels[i] for i, m in enumerate(app.household)},
            index_of={m.personnummer: i for i, m in enumerate(app.household)},
            submitted_iso=app.submitted_at.isoformat(),
            application_id=app.id,
        )

    # ------------------------------------------------------------------ recorded reads
    def recorded(self, ref: str) -> bool:
        return ref in self.facts or ref in self.pending

    def declared(self, pointer: str, kind: str, **kw: Any) -> str:
        """A fact of the application (its JSON pointer), recorded; built only if a step cites it."""
        if pointer not in self.facts and pointer not in self.pending:
            self.pending[pointer] = (kind, kw)
        return pointer

    def member_ref(self, i: int) -> str:
        return self.declared(f"/application/household/{i}", "age", person=self.labels[i], value=self.ages[i])

    def registry_ref(self, i: int, entry: RegistryEntry, j: int | None = None) -> str:
        """A registry answer (or its fact ``j``), recorded; built only if a step cites it."""
        pointer = f"/registry/{i}" if j is None else f"/registry/{i}/facts/{j}"
        if pointer not in self.facts and pointer not in self.pending:
            self.pending[pointer] = (entry, j)
        return pointer

    def _build(self, pointer: str, what: Pending) -> FactRecord:
        """The fact a recorded read stands for (:meth:`declared` or :meth:`registry_ref`), built when cited."""
        first, second = what
        if isinstance(first, str):  # declared: (kind, keyword fields)
            assert isinstance(second, dict)
            return fact_record(
                pointer, first, "application", fetched_at=self.submitted_iso,
                request_id=self.application_id, **second,
            )
        assert isinstance(second, int | None)
        return self._registry_fact(pointer, first, second)

    def _registry_fact(self, pointer: str, entry: RegistryEntry, j: int | None) -> FactRecord:
        person, source = self.label_of[entry.person], entry.source.value
        fetched_at, request_id = entry.fetched_at.isoformat(), entry.request_id
        if j is None:
            value = entry.status.value if entry.error is None else f"{entry.status.value}: {entry.error}"
            return fact_record(pointer, "registry_answer", source, person, None, value, None, fetched_at, request_id)
        fact = entry.facts[j]
        if isinstance(fact, IncomeFact):
            return fact_record(
                pointer, fact.kind.value, source, person, fact.amount, None, fact.month, fetched_at, request_id
            )
        plain: str | bool = fact.value.value if isinstance(fact, ResidenceStatusFact) else fact.value
        return fact_record(pointer, fact.kind, source, person, None, plain, None, fetched_at, request_id)

    def param(self, path: str, *, required: bool = True) -> ParamValue | None:
        """The pack's (or, under ``guideline.``, the guideline's) parameter in force, recorded as a fact."""
        owner = self.guideline if path.startswith("guideline.") else self.pack
        key = (owner.id, owner.hash, path, self.day)
        try:
            resolved = _PARAMS[key]
        except KeyError:
            resolved = _PARAMS[key] = self._resolve(path)
        if resolved is None:
            if required:
                raise RulesError(f"parameter {path} has no value for {self.bundle.application.month}")
            return None
        value, record = resolved
        if record.id not in self.facts:
            self.facts[record.id] = record
        return value

    def _resolve(self, path: str) -> tuple[ParamValue, FactRecord] | None:
        """A parameter's value on the case's day and the fact that records it: the same for every case of
        the pack (or guideline) and month, so :data:`_PARAMS` keeps it."""
        owner = "guideline" if path.startswith("guideline.") else "pack"
        params = self.guideline.parameters if owner == "guideline" else self.pack.parameters
        p = params.get(path)
        value = p.at(self.day) if p else None
        if value is None:
            return None
        src = f"riktlinje {self.guideline.id}" if owner == "guideline" else f"regelpaket {self.pack.id}"
        amount = value.value if isinstance(value.value, int) and value.unit.startswith("SEK") else None
        plain: str | int | bool | None
        if amount is not None:
            plain = None
        elif isinstance(value.value, tuple):
            plain = ",".join(value.value)
        else:
            plain = value.value
        ref = value.input_id
        return value, FactRecord(id=ref, kind="parameter", source=f"{src}: {value.source}", amount=amount, value=plain)

    def need(self, path: str) -> ParamValue:
        """A parameter the evaluation cannot do without (recorded like :meth:`param`)."""
        value = self.param(path)
        assert value is not None
        return value

    def use(self, value: ParamValue) -> str:
        """Record a figure used in an amount (for the 'not verified' notices) and cite it."""
        self.params_used.setdefault(value.input_id, value)
        return value.input_id

    def consulted(self) -> tuple[str, ...]:
        """The registry sources the guideline says are consulted."""
        v = self.need("guideline.registry_sources")
        assert isinstance(v.value, tuple)
        return v.value

    # ------------------------------------------------------------------ citing
    def legal_reference(self, rule: str) -> str:
        """The legal reference of a rule of the pack on the case's day (the same for every case of the month)."""
        key = (self.pack.id, self.pack.hash, rule, self.day)
        text = _LEGAL.get(key)
        if text is None:
            text = _LEGAL[key] = self.pack.legal_reference(rule, self.day)
        return text

    def line(self, rule: str, amount: int, inputs: Iterable[str], **tvars: str) -> None:
        """One line of the calculation; every input must be a recorded read."""
        meta = self.pack.rules.get(rule)
        if meta is None or meta.kind != "line":
            raise RulesError(f"line rule {rule} is not in the manifest of {self.pack.id}")
        cited = tuple(dict.fromkeys(inputs))
        facts, pending = self.facts, self.pending
        unrecorded = [ref for ref in cited if ref not in facts and ref not in pending]
        if unrecorded:
            raise RulesError(f"line {rule} cites what the evaluation did not read: {', '.join(unrecorded)}")
        self.lines.append(
            trace_step(
                rule,
                self.pack.id,
                StepKind.LINE,
                cited,
                reason(meta.explanation, {"amount": format_kr_sv(amount), **tvars}),
                self.legal_reference(rule),
                amount,
            )
        )

    def cited_facts(self, trace: Iterable[TraceStep]) -> dict[str, FactRecord]:
        """The evaluation's facts: the parameters read, and the bundle facts the trace cites (built now)."""
        facts, pending = self.facts, self.pending
        for s in trace:
            for ref in s.inputs:
                if ref not in facts:
                    what = pending.get(ref)
                    if what is not None:
                        facts[ref] = self._build(ref, what)
        return facts
