"""``finaid batch run``: workers claim, fetch and decide until nothing is left; then the report.

One worker runs in this process; on PostgreSQL more workers run as separate processes (spawn), each
with its own rule engine and database connections. Progress is a rich bar on a terminal and
structured JSON log lines otherwise.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from adapters.batch.claims import Claims, pending_count
from adapters.batch.worker import CaseResult, LeaseKeeper, Worker
from adapters.db.engine import Database, is_postgres
from adapters.db.models import BatchRun
from adapters.evidence import BufferedEvidenceStore
from audit.chain import now
from decision.errors import ConfigurationError

CHUNK = 20


@dataclass(frozen=True)
class BatchConfig:
    db_url: str
    db_schema: str | None
    workers: int = 1
    limit: int | None = None
    lease_seconds: float = 120.0
    budget: int = 3
    registry_budget: int = 3
    chunk: int = CHUNK
    actor: str = ""
    report_dir: str = "var/reports"
    demo: bool = False


@dataclass
class BatchOutcome:
    batch_id: str
    started_at: datetime
    finished_at: datetime
    results: list[CaseResult] = field(default_factory=list)
    report_json: Path | None = None
    report_html: Path | None = None

    @property
    def technical_failures(self) -> int:
        return sum(1 for r in self.results if r.status in ("failed", "failed_permanent"))

    @property
    def exit_code(self) -> int:
        return 3 if self.technical_failures else 0


def batch_actor() -> str:
    return f"system:batch:{socket.gethostname()}"


def _worker_loop(
    cfg: BatchConfig, worker_id: str, run_started: datetime, reserve: Callable[[int], int],
    emit: Callable[[CaseResult], None],
) -> None:
    from adapters import bootstrap
    from adapters.db.store import CaseStore

    db = Database(cfg.db_url, cfg.db_schema)
    try:
        store = CaseStore(db)
        evidence = BufferedEvidenceStore()
        pipeline = bootstrap.batch_pipeline(db, evidence)
        claims = Claims(db, worker_id, cfg.lease_seconds, run_started)
        worker = Worker(store, pipeline, claims, cfg.actor, cfg.budget, cfg.registry_budget, evidence=evidence)
        keeper = LeaseKeeper(claims, max(cfg.lease_seconds / 3, 0.2))
        try:
            while True:
                n = reserve(cfg.chunk)
                if n <= 0:
                    break
                held = claims.claim(n)
                if not held:
                    break
                keeper.hold(held)
                for result in worker.run_chunk(held):
                    emit(result)
                keeper.hold([])
        finally:
            keeper.stop()
            worker.close()
    finally:
        db.dispose()


def _process_main(cfg: BatchConfig, worker_id: str, run_started: datetime, queue: Any, remaining: Any) -> None:
    def reserve(n: int) -> int:
        if remaining is None:
            return n
        with remaining.get_lock():
            take = min(n, remaining.value)
            remaining.value -= take
            return int(take)

    try:
        _worker_loop(cfg, worker_id, run_started, reserve, lambda r: queue.put(r.to_json()))
    finally:
        queue.put(None)


def run_batch(cfg: BatchConfig, on_result: Callable[[CaseResult, int], None] | None = None) -> BatchOutcome:
    """Decide every claimable application; ``on_result(result, total)`` reports progress."""
    from ulid import ULID

    db = Database(cfg.db_url, cfg.db_schema)
    if cfg.workers > 1 and not is_postgres(db.engine):
        raise ConfigurationError("--workers above 1 needs PostgreSQL (SQLite has one writer at a time)")
    batch_id = str(ULID())
    started = now()
    host = socket.gethostname()
    _refuse_without_registry(db)
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

        _worker_loop(cfg, f"{host}:{os.getpid()}:{batch_id}:0", started, reserve, collect)
    else:
        ctx = mp.get_context("spawn")
        queue = ctx.Queue()
        remaining = ctx.Value("q", cfg.limit) if cfg.limit is not None else None
        procs = [
            ctx.Process(
                target=_process_main,
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
    outcome.finished_at = now()
    from adapters.batch.report import write_report

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


def _refuse_without_registry(db: Database) -> None:
    """Outside demo mode, applications still to be fetched need a configured registry: refuse up front."""
    from sqlalchemy import func, select

    from adapters import bootstrap
    from adapters.db.models import Application, Revision

    if bootstrap.registry_source(None) is not None:
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
