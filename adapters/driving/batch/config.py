"""What a batch run is told (:class:`BatchConfig`) and what it produced (:class:`BatchOutcome`)."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from adapters.driving.batch.worker import CaseResult

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
    db_retry_s: float = 60.0  # FINAID_BATCH_DB_RETRY_S: how long a worker waits for an unreachable database


@dataclass(frozen=True)
class WorkerEnd:
    """How a worker's loop ended: seconds the database was unreachable; whether it stopped early."""

    db_unreachable_s: float = 0.0
    stopped: bool = False
    registry: dict[str, Any] = field(default_factory=dict)  # the worker's RegistryMetrics.snapshot()
    notifications: list[list[Any]] = field(default_factory=list)  # the worker's notifications (NotifyMetrics.since)


@dataclass
class BatchOutcome:
    batch_id: str
    started_at: datetime
    finished_at: datetime
    results: list[CaseResult] = field(default_factory=list)
    report_json: Path | None = None
    report_html: Path | None = None
    db_unreachable_s: float = 0.0  # the longest any worker waited for the database
    stopped: bool = False  # a worker stopped early: the database was unreachable beyond the bound
    registry: list[dict[str, Any]] = field(default_factory=list)  # each worker's registry metrics
    notifications: list[list[Any]] = field(default_factory=list)  # [channel, outcome, n] from every worker

    def ended(self, end: WorkerEnd) -> None:
        self.db_unreachable_s = max(self.db_unreachable_s, end.db_unreachable_s)
        self.stopped = self.stopped or end.stopped
        if end.registry:
            self.registry.append(end.registry)
        self.notifications.extend(end.notifications)

    @property
    def technical_failures(self) -> int:
        return sum(1 for r in self.results if r.status in ("failed", "failed_permanent"))

    @property
    def exit_code(self) -> int:
        return 3 if self.technical_failures or self.stopped else 0


def batch_actor() -> str:
    return f"system:batch:{socket.gethostname()}"
