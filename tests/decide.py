"""The tests' way to decide and store one bundle: the ``deciding.decide`` use case on a store's unit of work
(what ``finaid case decide`` runs), with the keyword shape the tests have always used."""

from __future__ import annotations

from adapters.driven.clock import SystemClock
from adapters.driven.db.store import CaseStore
from decision.bundle import CaseBundle
from decision.pipeline import Pipeline
from decision.ports import AccessRecorder, Clock
from decision.services import deciding
from decision.services.deciding import Outcome
from decision.services.intake import PackCoverage
from rules.version import code_version

__all__ = ["Outcome", "decide_and_store"]


def decide_and_store(
    bundle: CaseBundle, *, pipeline: Pipeline, catalog: PackCoverage, store: CaseStore, access: AccessRecorder,
    actor: str, purpose: str = "handlaggning", channel: str = "cli", clock: Clock | None = None,
) -> Outcome:
    return deciding.decide(store.uow(), pipeline, catalog, access, clock or pipeline.clock or SystemClock(), bundle,
                           actor=actor, code_version=code_version(), purpose=purpose, channel=channel)
