"""The old entry to ``case decide`` (kept until the entry points call decision/services/deciding.py)."""

from __future__ import annotations

from adapters.driven.clock import SystemClock
from adapters.driven.crash import crash_point
from adapters.driven.db.store import CaseStore
from decision.bundle import CaseBundle
from decision.pipeline import Pipeline
from decision.ports import AccessRecorder, Clock
from decision.services import deciding
from decision.services.deciding import Outcome
from rules.catalog import Catalog
from rules.version import code_version

__all__ = ["Outcome", "decide_and_store"]


def decide_and_store(
    bundle: CaseBundle,
    *,
    pipeline: Pipeline,
    catalog: Catalog,
    store: CaseStore,
    access: AccessRecorder,
    actor: str,
    purpose: str = "handlaggning",
    channel: str = "cli",
    clock: Clock | None = None,
) -> Outcome:
    """``decision.services.deciding.decide`` on the store's unit of work."""
    return deciding.decide(
        store.uow(), pipeline, catalog, access, clock or pipeline.clock or SystemClock(), bundle, actor=actor,
        code_version=code_version(), purpose=purpose, channel=channel, after_store=lambda: crash_point("after_store"),
    )
