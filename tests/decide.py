"""The tests' way to decide and store one bundle: the ``deciding.decide`` use case on a store's unit of work
(what ``finaid case decide`` runs), with the keyword shape the tests have always used."""

from __future__ import annotations

from adapters.driven.clock import SystemClock
from adapters.driven.db.store import CaseStore
from decision.bundle import CaseBundle
from decision.pipeline import Decided, Pipeline
from decision.ports import AccessRecorder, Clock
from decision.services import deciding, intake
from decision.services.deciding import Outcome
from decision.services.intake import PackCoverage
from decision.uow import Stored
from rules.version import code_version

__all__ = ["Outcome", "decide_and_store", "receive", "save_decision"]


def decide_and_store(
    bundle: CaseBundle, *, pipeline: Pipeline, catalog: PackCoverage, store: CaseStore, access: AccessRecorder,
    actor: str, purpose: str = "handlaggning", channel: str = "cli", clock: Clock | None = None,
) -> Outcome:
    return deciding.decide(store.uow(), pipeline, catalog, access, clock or pipeline.clock or SystemClock(), bundle,
                           actor=actor, code_version=code_version(), purpose=purpose, channel=channel)


def receive(store: CaseStore, bundle: CaseBundle, actor: str, clock: Clock | None = None) -> Stored:
    """Store a bundle as a revision (the intake use case's ``receive``, committed on its own)."""
    return intake.receive(store.uow(), bundle, actor, (clock or SystemClock()).now())


def save_decision(store: CaseStore, revision: Stored, decided: Decided, actor: str, version: str,
                  clock: Clock | None = None) -> tuple[str, bool]:
    """Store a proposal decided outside the use case (a test's doctored evaluation); (decision id, created)."""
    return deciding.store_one(store.uow(), revision, decided, actor, version, (clock or SystemClock()).now())
