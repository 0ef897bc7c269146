"""One batch worker's loop: claim a chunk, fetch and decide it, emit each result, until nothing is left."""

from __future__ import annotations

import gc
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from adapters.driven.db.access import AccessLog
from adapters.driven.db.claims import Claims
from adapters.driven.db.engine import Database
from adapters.driven.evidence import BufferedEvidenceStore
from adapters.driving.batch.config import BatchConfig, WorkerEnd
from adapters.driving.batch.outage import DatabaseUnreachable, Outage
from adapters.driving.batch.worker import CaseResult, LeaseKeeper, Worker

YOUNG_THRESHOLD = 2000
"""Allocations between two collections of the youngest generation while a worker runs (Python's default: 700)."""

if TYPE_CHECKING:
    from adapters.bootstrap import Services


def worker_loop(
    cfg: BatchConfig, services: Services, worker_id: str, run_started: datetime, reserve: Callable[[int], int],
    emit: Callable[[CaseResult], None],
) -> WorkerEnd:
    """Work with this worker's own database connections and rule engine (``services`` built for the worker).

    A database that cannot be reached is waited for (``cfg.db_retry_s``, adapters/driving/batch/outage.py);
    beyond that the worker stops cleanly: what it holds is released by its lease, the next run resumes.
    """
    from adapters.driven.db.store import CaseStore
    from adapters.driven.notify import NOTIFICATIONS

    told_before = NOTIFICATIONS.snapshot()  # this worker's notifications are what it adds (automated decisions)
    # A young-generation collection every 2 000 allocations instead of 700 while the worker starts and runs:
    # loading the packs and deciding a chunk allocate heavily (parsed rules, envelopes, facts, the trace). In
    # night.py (400 cases) the collector's CPU fell from ≈ 220 to ≈ 187 ms (433 → 144 young collections).
    thresholds = gc.get_threshold()
    gc.set_threshold(max(thresholds[0], YOUNG_THRESHOLD), *thresholds[1:])
    db = Database(cfg.db_url, cfg.db_schema)
    outage = Outage(cfg.db_retry_s)
    try:
        store = CaseStore(db, person_key=services.store.person_key)  # the household key (a supplement's earlier)
        evidence = BufferedEvidenceStore()
        pipeline = services.batch_pipeline(db, evidence)
        claims = Claims(db, worker_id, cfg.lease_seconds, run_started)
        access = AccessLog(db, services.hmac_key, services.clock.now)  # the night's registry reads
        worker = Worker(store, pipeline, claims, cfg.actor, cfg.budget, cfg.registry_budget, evidence=evidence,
                        outage=outage, access=access)
        keeper = LeaseKeeper(claims, max(cfg.lease_seconds / 3, 0.2))
        # What the worker is built from (modules, rule packs, engines, settings: ~150 000 objects) lives as long
        # as it does. Moved out of the collector's generations, it is no longer walked by every full collection
        # (≈ 90 ms each, about one per hundred cases; ≈ 0.9 ms CPU per case in benchmarks/night.py). Not
        # collected first: at this point that finds a handful of unreachable objects and costs ≈ 70 ms.
        gc.freeze()
        try:
            while True:
                n = reserve(cfg.chunk)
                if n <= 0:
                    break
                held = outage.run(lambda n=n: claims.claim(n))  # type: ignore[misc]
                if not held:
                    break
                keeper.hold(held)
                for result in worker.run_chunk(held):
                    emit(result)
                keeper.hold([])
        except DatabaseUnreachable:
            pass  # outage.gave_up says so
        finally:
            gc.unfreeze()  # back to the oldest generation: collected as usual once the worker is gone
            keeper.stop()
            worker.close()
    finally:
        db.dispose()
        gc.set_threshold(*thresholds)
    return WorkerEnd(round(outage.unreachable_s, 3), outage.gave_up, services.registry_observer.snapshot(),
                     NOTIFICATIONS.since(told_before))
