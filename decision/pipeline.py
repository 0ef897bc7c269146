"""The decision pipeline for one application: bundle in, decision basis out.

fetch (when the bundle has no registry answers and a registry source is wired) → evaluate with the
pack the month selects as of the decision's date → render the basis from the trace. Storage and
audit are added around this by the adapters; nothing here reads a clock or touches the outside world
except through ports (the injected ``Clock`` gives the decision's date when the caller passes none).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from decision.basis import DecisionBasis, build_basis
from decision.bundle import CaseBundle
from decision.ports import Clock, EarlierDecision, Evaluator, RegistrySource
from decision.trace import Evaluation

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def decision_day(at: datetime) -> date:
    """The date a decision is made on, in Sweden: a pack published on D applies from D 00:00 Swedish time."""
    return at.astimezone(STOCKHOLM).date()


@dataclass(frozen=True, slots=True)
class Decided:
    """A decided case: the sealed bundle (registry filled in), the trace and the basis.

    ``as_of`` is the date the pack and guideline were selected as of (None when they were pinned, as
    in replay, or chosen without a date); the adapters record it with the decision.
    """

    bundle: CaseBundle
    evaluation: Evaluation
    basis: DecisionBasis
    as_of: date | None = None
    earlier: EarlierDecision | None = None  # a supplementary application: what it was decided against


class Pipeline:
    """Decides bundles. Without a registry source, an absent ``registry`` is decided as ``[]``."""

    def __init__(
        self, evaluator: Evaluator, registry: RegistrySource | None = None, clock: Clock | None = None
    ) -> None:
        self.evaluator = evaluator
        self.registry = registry
        self.clock = clock

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
        self,
        sealed: CaseBundle,
        pack_hash: str | None = None,
        guideline_hash: str | None = None,
        as_of: date | None = None,
        earlier: EarlierDecision | None = None,
    ) -> Decided:
        """Decide a sealed bundle (its registry present): the pure, replayable part.

        The pack is selected as of ``as_of``; when it is not given and nothing is pinned, as of the
        injected clock's date (read here, once, never inside evaluation). ``earlier`` is the signed
        decision a supplementary application is decided against (found by the deciding service).
        """
        if as_of is None and not (pack_hash and guideline_hash) and self.clock is not None:
            as_of = decision_day(self.clock.now())
        evaluation = self.evaluator.evaluate(sealed, pack_hash, guideline_hash, as_of, earlier=earlier)
        return Decided(sealed, evaluation, build_basis(sealed, evaluation), as_of, earlier)

    def decide(self, bundle: CaseBundle, as_of: date | None = None) -> Decided:
        return self.evaluate(self.seal(bundle), as_of=as_of)

    async def decide_async(self, bundle: CaseBundle, as_of: date | None = None) -> Decided:
        return self.evaluate(await self.seal_async(bundle), as_of=as_of)
