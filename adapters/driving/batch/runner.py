"""``finaid batch run``: workers claim, fetch and decide until nothing is left; then the report.

One worker runs in this process; on PostgreSQL more workers run as separate processes (spawn), each
with its own rule engine and database connections (adapters/driving/batch/process.py builds their services).
Progress is a rich bar on a terminal and structured JSON log lines otherwise.
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
from adapters.driving.batch.config import CHUNK, BatchConfig, BatchOutcome, batch_actor
from adapters.driving.batch.loop import worker_loop
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
    with db.transaction() as s:
        s.add(BatchRun(id=batch_id, host=host, actor=cfg.actor, workers=cfg.workers, started_at=started,
                       status="running"))
    total = pending_count(db, started)
    if cfg.limit is not None:
        total = min(total, cfg.limit)
    outcome = BatchOutcome(batch_id, started, started)

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

        worker_loop(cfg, services, f"{host}:{os.getpid()}:{batch_id}:0", started, reserve, collect)
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
        done = 0
        while done < len(procs):
            item = queue.get()
            if item is None:
                done += 1
                continue
            collect(CaseResult(**item))
        for p in procs:
            p.join()
    outcome.finished_at = services.clock.now()
    outcome.report_json, outcome.report_html = write_report(db, cfg, outcome, host)
    with db.transaction() as s:
        run = s.get(BatchRun, batch_id)
        assert run is not None
        run.finished_at = outcome.finished_at
        run.status = "failed" if outcome.technical_failures else "done"
        run.counts = json.dumps(_counts(outcome.results))
        run.report_path = str(outcome.report_html)
    db.dispose()
    return outcome


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


def _counts(results: list[CaseResult]) -> dict[str, Any]:
    from collections import Counter

    return {
        "cases": len(results),
        "statuses": dict(Counter(r.status for r in results)),
        "outcomes": dict(Counter(r.outcome for r in results if r.outcome)),
    }


def elapsed(start: float) -> float:
    return time.perf_counter() - start
