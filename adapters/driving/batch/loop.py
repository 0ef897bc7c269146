"""One batch worker's loop: claim a chunk, fetch and decide it, emit each result, until nothing is left."""

from __future__ import annotations

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
            keeper.stop()
            worker.close()
    finally:
        db.dispose()
    return WorkerEnd(round(outage.unreachable_s, 3), outage.gave_up, services.registry_observer.snapshot(),
                     NOTIFICATIONS.since(told_before))
