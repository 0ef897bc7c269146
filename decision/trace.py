"""The trace: one flat list of steps, the single product of an evaluation.

The decision basis, the letter, ``audit why`` and the auditor's view are renderings of this list.
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass, field, fields, make_dataclass
from enum import StrEnum
from typing import Any


class StepKind(StrEnum):
    LINE = "line"  # an amount in the calculation (norm, cost, income, disregard, result)
    FINDING = "finding"  # something the handler must judge (manual) or should know (notice)
    ELIGIBILITY = "eligibility"  # a condition that held (e.g. jobbstimulans applies)
    OUTCOME = "outcome"  # the routing of the proposal


class Severity(StrEnum):
    MANUAL = "manual"
    NOTICE = "notice"


@dataclass(frozen=True, slots=True)
class TraceStep:
    rule: str
    pack: str
    kind: StepKind
    inputs: tuple[str, ...]
    reason: str
    legal_reference: str | None
    amount: int | None = None  # öre, for lines
    code: str | None = None  # for findings
    severity: Severity | None = None
    source: str | None = None
    person: str | None = None
    value: str | None = None  # outcome, or the condition's result

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "pack": self.pack,
            "kind": self.kind.value,
            "inputs": list(self.inputs),
            "reason": self.reason,
            "legal_reference": self.legal_reference,
            "amount": self.amount,
            "code": self.code,
            "severity": self.severity.value if self.severity else None,
            "source": self.source,
            "person": self.person,
            "value": self.value,
        }


@dataclass(frozen=True, slots=True)
class FactRecord:
    """One input with its provenance; ``id`` is its JSON pointer in the bundle or ``param:…``."""

    id: str
    kind: str
    source: str
    person: str | None = None
    amount: int | None = None
    value: str | int | bool | None = None
    month: str | None = None
    fetched_at: str | None = None
    request_id: str | None = None


def _mutable_twin(cls: type) -> Any:
    """A plain (not frozen) slots dataclass with ``cls``'s fields in ``cls``'s order: the same memory layout, so
    an instance it builds can become a ``cls`` by ``obj.__class__ = cls`` (CPython checks the layouts match)."""
    return make_dataclass(
        f"_{cls.__name__}Fields",
        [(f.name, f.type) if f.default is MISSING else (f.name, f.type, field(default=f.default)) for f in fields(cls)],
        slots=True,
        eq=False,
        repr=False,
    )


# A frozen dataclass's __init__ sets each field through object.__setattr__ (a call per field, ≈ 5× a plain
# assignment); an evaluation builds dozens of steps and facts. The builders below give the very same frozen
# objects (equal, hashable, immutable: tests/unit/test_trace_build.py) at the cost of a plain dataclass.
_StepFields = _mutable_twin(TraceStep)
_FactFields = _mutable_twin(FactRecord)


def trace_step(
    rule: str,
    pack: str,
    kind: StepKind,
    inputs: tuple[str, ...],
    reason: str,
    legal_reference: str | None,
    amount: int | None = None,
    code: str | None = None,
    severity: Severity | None = None,
    source: str | None = None,
    person: str | None = None,
    value: str | None = None,
) -> TraceStep:
    """``TraceStep(...)``, built as a plain dataclass and then made the frozen one."""
    step: TraceStep = _StepFields(
        rule, pack, kind, inputs, reason, legal_reference, amount, code, severity, source, person, value
    )
    step.__class__ = TraceStep
    return step


def fact_record(
    id: str,  # noqa: A002 - the field's name
    kind: str,
    source: str,
    person: str | None = None,
    amount: int | None = None,
    value: str | int | bool | None = None,
    month: str | None = None,
    fetched_at: str | None = None,
    request_id: str | None = None,
) -> FactRecord:
    """``FactRecord(...)``, built as a plain dataclass and then made the frozen one."""
    record: FactRecord = _FactFields(id, kind, source, person, amount, value, month, fetched_at, request_id)
    record.__class__ = FactRecord
    return record


@dataclass(frozen=True, slots=True)
class RulesRef:
    id: str
    hash: str


@dataclass(frozen=True, slots=True)
class Evaluation:
    """What an evaluator returns: which rules were used, the trace, and every fact it can cite."""

    pack: RulesRef
    guideline: RulesRef
    trace: tuple[TraceStep, ...]
    facts: dict[str, FactRecord] = field(default_factory=dict)
    # the packs that accept case bundle /2 write a decision basis /2 (decision/basis2.py)
    basis_schema: str = "finaid.decision-basis/1"
