"""The trace: one flat list of steps, the single product of an evaluation.

The decision basis, the letter, ``audit why`` and the auditor's view are renderings of this list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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
