"""The decision pipeline for one application: bundle in, decision basis out.

fetch (when the bundle has no registry answers and a registry source is wired) → evaluate with the
pack the month selects → render the basis from the trace. Storage and audit are added around this
by the adapters; nothing here reads a clock or touches the outside world except through ports.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from decision.basis import DecisionBasis, build_basis
from decision.bundle import CaseBundle
from decision.ports import Evaluator, RegistrySource
from decision.trace import Evaluation


@dataclass(frozen=True, slots=True)
class Decided:
    """A decided case: the sealed bundle (registry filled in), the trace and the basis."""

    bundle: CaseBundle
    evaluation: Evaluation
    basis: DecisionBasis


class Pipeline:
    """Decides bundles. Without a registry source, an absent ``registry`` is decided as ``[]``."""

    def __init__(self, evaluator: Evaluator, registry: RegistrySource | None = None) -> None:
        self.evaluator = evaluator
        self.registry = registry

    async def seal_async(self, bundle: CaseBundle) -> CaseBundle:
        """The bundle as it is decided: registry answers fetched when absent (``[]`` without a source)."""
        if bundle.registry is not None:
            return bundle
        entries = await self.registry.fetch(bundle) if self.registry is not None else []
        return bundle.model_copy(update={"registry": entries})

    def seal(self, bundle: CaseBundle) -> CaseBundle:
        if bundle.registry is not None:
            return bundle
        return asyncio.run(self.seal_async(bundle))

    def evaluate(
        self, sealed: CaseBundle, pack_hash: str | None = None, guideline_hash: str | None = None
    ) -> Decided:
        """Decide a sealed bundle (its registry present): the pure, replayable part."""
        evaluation = self.evaluator.evaluate(sealed, pack_hash, guideline_hash)
        return Decided(sealed, evaluation, build_basis(sealed, evaluation))

    def decide(self, bundle: CaseBundle) -> Decided:
        return self.evaluate(self.seal(bundle))

    async def decide_async(self, bundle: CaseBundle) -> Decided:
        return self.evaluate(await self.seal_async(bundle))
