"""The decision pipeline for one application: bundle in, decision basis out.

fetch (when the bundle has no registry answers and a registry source is wired) → evaluate with the
pack the month selects → render the basis from the trace. Storage and audit are added around this
by the adapters; nothing here reads a clock or touches the outside world except through ports.
"""

from __future__ import annotations

from dataclasses import dataclass

from decision.basis import DecisionBasis, build_basis
from decision.bundle import CaseBundle
from decision.ports import Evaluator
from decision.trace import Evaluation


@dataclass(frozen=True, slots=True)
class Decided:
    """A decided case: the sealed bundle (registry filled in), the trace and the basis."""

    bundle: CaseBundle
    evaluation: Evaluation
    basis: DecisionBasis


def seal(bundle: CaseBundle) -> CaseBundle:
    """The bundle as it is decided: an absent registry means nothing was consulted (``[]``)."""
    if bundle.registry is None:
        return bundle.model_copy(update={"registry": []})
    return bundle


class Pipeline:
    def __init__(self, evaluator: Evaluator) -> None:
        self.evaluator = evaluator

    def decide(self, bundle: CaseBundle) -> Decided:
        sealed = seal(bundle)
        evaluation = self.evaluator.evaluate(sealed)
        return Decided(sealed, evaluation, build_basis(sealed, evaluation))
