"""``finaid batch run``: workers claim, fetch and decide until nothing is left; then the report.

One worker runs in this process; on PostgreSQL more workers run as separate processes (spawn), each
with its own rule engine and database connections (adapters/driving/batch/process.py builds their services).
Progress is a rich bar on a terminal and structured JSON log lines otherwise.

The run keeps a lease on its ``batch_run`` row (adapters/driving/batch/heartbeat.py): a run whose
process was killed is shown as ``abandoned`` by ``batch status`` once the lease has passed, and the next
run records it so. A database that goes away is waited for within ``FINAID_BATCH_DB_RETRY_S``; beyond
that the run stops cleanly (exit 3) and still writes its report.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import socket
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from adapters.driven.db.claims import pending_count
from adapters.driven.db.engine import Database, is_postgres
from adapters.driven.db.models import BatchRun
from adapters.driving.batch.config import CHUNK, BatchConfig, BatchOutcome, WorkerEnd, batch_actor
from adapters.driving.batch.heartbeat import Heartbeat, close_abandoned
from adapters.driving.batch.loop import worker_loop
from adapters.driving.batch.outage import DatabaseUnreachable, Outage
from adapters.driving.batch.process import process_main, worker_services
from adapters.driving.batch.report import write_report
from adapters.driving.batch.worker import CaseResult
from decision.errors import ConfigurationError

if TYPE_CHECKING:
    from adapters.bootstrap import Services

__all__ = ["CHUNK", "BatchConfig", "BatchOutcome", "batch_actor", "run_batch"]


def run_batch(
    cfg: BatchConfig, on_result: Callable[[CaseResult, int], None] | None = None, services: Services | None = None
) -> BatchOutcome:
    """Decide every claimable application; ``on_result(result, total)`` reports progress.

    ``services``: the caller's, for the worker in this process; without them (benchmarks) that worker builds
    its own like a spawned one (adapters/driving/batch/process.py).
    """
    from ulid import ULID

    db = Database(cfg.db_url, cfg.db_schema)
    if cfg.workers > 1 and not is_postgres(db.engine):
        raise ConfigurationError("--workers above 1 needs PostgreSQL (SQLite has one writer at a time)")
    batch_id = str(ULID())
    services = services or worker_services()
    started = services.clock.now()  # the bootstrap's clock: the run's start is the cutoff for retrying failures
    host = socket.gethostname()
    _refuse_without_registry(db, services)
    close_abandoned(db, started)
    with db.transaction() as s:
        s.add(BatchRun(id=batch_id, host=host, actor=cfg.actor, workers=cfg.workers, started_at=started,
                       status="running"))
    heartbeat = Heartbeat(db, batch_id, cfg.lease_seconds)
    try:
        outcome = _run(cfg, db, services, BatchOutcome(batch_id, started, started), host, on_result)
    finally:
        heartbeat.stop()
    _finish(db, cfg, outcome)
    db.dispose()
    return outcome


def _run(cfg: BatchConfig, db: Database, services: Services, outcome: BatchOutcome, host: str,
         on_result: Callable[[CaseResult, int], None] | None) -> BatchOutcome:
    started, batch_id = outcome.started_at, outcome.batch_id
    total = pending_count(db, started)
    if cfg.limit is not None:
        total = min(total, cfg.limit)

    def collect(r: CaseResult) -> None:
        outcome.results.append(r)
        if on_result is not None:
            on_result(r, total)

    if cfg.workers <= 1:
        left = [cfg.limit if cfg.limit is not None else 1 << 62]

        def reserve(n: int) -> int:
            take = min(n, left[0])
            left[0] -= take
            return take

        outcome.ended(worker_loop(cfg, services, f"{host}:{os.getpid()}:{batch_id}:0", started, reserve, collect))
    else:
        ctx = mp.get_context("spawn")
        queue = ctx.Queue()
        remaining = ctx.Value("q", cfg.limit) if cfg.limit is not None else None
        procs = [
            ctx.Process(
                target=process_main,
                args=(cfg, f"{host}:{os.getpid()}:{batch_id}:{i}", started, queue, remaining),
                daemon=False,
            )
            for i in range(cfg.workers)
        ]
        for p in procs:
            p.start()
        _collect(procs, queue, collect, outcome)
    outcome.finished_at = services.clock.now()
    outcome.report_json, outcome.report_html = write_report(db, cfg, outcome, host)
    return outcome


def _collect(procs: list[Any], queue: Any, collect: Callable[[CaseResult], None], outcome: BatchOutcome) -> None:
    """Results from the worker processes until each has ended; a killed worker counts as stopped early."""
    import queue as queues

    ended = 0
    while ended < len(procs):
        try:
            item = queue.get(timeout=1.0)
        except queues.Empty:
            if all(not p.is_alive() for p in procs):  # killed without a word: what it held, its lease frees
                outcome.ended(WorkerEnd(0.0, True))
                break
            continue
        if "end" in item:
            ended += 1
            outcome.ended(WorkerEnd(**item["end"]))
            continue
        collect(CaseResult(**item))
    for p in procs:
        p.join()


def _finish(db: Database, cfg: BatchConfig, outcome: BatchOutcome) -> None:
    """Record how the run ended; with the database still unreachable, the lease marks it abandoned later."""

    def record() -> None:
        with db.transaction() as s:
            run = s.get(BatchRun, outcome.batch_id)
            assert run is not None
            run.finished_at = outcome.finished_at
            run.status = "stopped" if outcome.stopped else "failed" if outcome.technical_failures else "done"
            run.counts = json.dumps(_counts(outcome))
            run.report_path = str(outcome.report_html)

    try:
        Outage(cfg.db_retry_s if not outcome.stopped else 0.0).run(record)
    except DatabaseUnreachable:
        pass


def _refuse_without_registry(db: Database, services: Services) -> None:
    """Outside demo mode, applications still to be fetched need a configured registry: refuse up front."""
    from sqlalchemy import func, select

    from adapters.driven.db.models import Application, Revision

    if services.registry_source(None) is not None:
        return
    with db.read() as s:
        unsealed = s.execute(
            select(func.count())
            .select_from(Application)
            .join(Revision, Revision.id == Application.current_revision_id)
            .where(Application.state.in_(("received", "failed")), Revision.sealed.is_(False))
        ).scalar_one()
    if unsealed:
        raise ConfigurationError(
            f"{unsealed} application(s) have no registry answers yet and no registry is configured: set "
            "FINAID_SSBTEK_URL with its certificate, key and CA (docs/registry.md), or FINAID_MODE=demo"
        )


def _counts(outcome: BatchOutcome) -> dict[str, Any]:
    from collections import Counter

    results = outcome.results
    return {
        "db_unreachable_s": outcome.db_unreachable_s,
        "cases": len(results),
        "statuses": dict(Counter(r.status for r in results)),
        "outcomes": dict(Counter(r.outcome for r in results if r.outcome)),
    }


def elapsed(start: float) -> float:
    return time.perf_counter() - start
