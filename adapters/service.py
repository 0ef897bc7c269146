"""Use cases shared by the CLI, the web app and the batch: one unit of work each."""

from __future__ import annotations

from dataclasses import dataclass

from adapters.driven.clock import SystemClock
from adapters.driven.crash import crash_point
from adapters.driven.db.store import CaseStore
from audit.access import AccessLog
from decision.bundle import CaseBundle
from decision.pipeline import Decided, Pipeline, decision_day
from decision.ports import Clock
from rules.catalog import Catalog
from rules.version import code_version


@dataclass(frozen=True)
class Outcome:
    decided: Decided
    decision_id: str
    created: bool


def decide_and_store(
    bundle: CaseBundle,
    *,
    pipeline: Pipeline,
    catalog: Catalog,
    store: CaseStore,
    access: AccessLog,
    actor: str,
    purpose: str = "handlaggning",
    channel: str = "cli",
    clock: Clock | None = None,
) -> Outcome:
    """Store the bundle (received), fetch if needed (fetched), decide, store the proposal, log access.

    The revision is committed before evaluation, so a crash loses nothing; the decision and its
    audit event are one transaction; the access-log row is committed before anything is shown. The
    clock is read once: the pack is the latest published as of that date, which is recorded with the
    decision (its ``decided_at`` and the ``as_of`` of its audit event).
    """
    at = (clock or pipeline.clock or SystemClock()).now()
    as_of = decision_day(at)
    catalog.pack_for(bundle.application.month, as_of)  # an uncovered month is an input error: store nothing
    stored = store.receive(bundle, actor)
    sealed = pipeline.seal(bundle)
    if sealed is not bundle:
        stored = store.receive(sealed, actor)
    crash_point("after_store")
    decided = pipeline.evaluate(sealed, as_of=as_of)
    decision_id, created = store.save_decision(stored, decided, actor, code_version(), at=at)
    access.record(
        actor, purpose, channel, "decide", f"decision:{decision_id}",
        [m.personnummer for m in sealed.application.household],
    )
    return Outcome(decided, decision_id, created)
