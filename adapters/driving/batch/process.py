"""The entry point of a batch worker process (``multiprocessing`` spawn): it builds its own services with the
bootstrap — one of the entry points allowed to (adapters/bootstrap.py) — and runs the worker loop."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from adapters.bootstrap import Services, bootstrap
from adapters.driving.batch.config import BatchConfig, WorkerEnd
from adapters.driving.batch.loop import worker_loop


def worker_services() -> Services:
    """A worker's own services, from the same ``FINAID_*`` settings as the run that started it."""
    return bootstrap()


def process_main(cfg: BatchConfig, worker_id: str, run_started: datetime, queue: Any, remaining: Any) -> None:
    def reserve(n: int) -> int:
        if remaining is None:
            return n
        with remaining.get_lock():
            take = min(n, remaining.value)
            remaining.value -= take
            return int(take)

    end = WorkerEnd(0.0, True)  # a worker that dies on its way stopped early
    try:
        end = worker_loop(cfg, worker_services(), worker_id, run_started, reserve, lambda r: queue.put(r.to_json()))
    finally:
        queue.put({"end": asdict(end)})
