"""Progress of a batch: a rich bar on a terminal, JSON log lines (structlog) otherwise."""

from __future__ import annotations

import time
from types import TracebackType
from typing import Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from adapters.driven.logging import configure, get_logger
from adapters.driving.batch.worker import CaseResult


class Reporter:
    def __init__(self, tty: bool) -> None:
        self.tty = tty
        self.done_n = 0
        self.manual = 0
        self.failed = 0
        self.start = time.perf_counter()
        self.last_log = 0.0
        self.progress: Progress | None = None
        self.task: Any = None
        if not tty:
            configure(json_logs=True)
        self.log = get_logger(component="batch")

    def __enter__(self) -> Reporter:
        if self.tty:
            self.progress = Progress(
                TextColumn("[bold]Nattkörning"), BarColumn(), MofNCompleteColumn(),
                TextColumn("{task.fields[rate]} ärenden/s"), TimeRemainingColumn(),
                TextColumn("MANUAL {task.fields[manual]}  fel {task.fields[failed]}"),
            )
            self.progress.__enter__()
            self.task = self.progress.add_task("batch", total=None, rate="–", manual=0, failed=0)
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None) -> None:
        if self.progress is not None:
            self.progress.__exit__(et, ev, tb)

    def on_result(self, result: CaseResult, total: int) -> None:
        self.done_n += 1
        self.manual += result.outcome == "MANUAL"
        self.failed += result.status in ("failed", "failed_permanent")
        elapsed = time.perf_counter() - self.start
        rate = self.done_n / elapsed if elapsed > 0 else 0.0
        if self.progress is not None:
            self.progress.update(self.task, completed=self.done_n, total=total, rate=f"{rate:.1f}",
                                 manual=self.manual, failed=self.failed)
        elif elapsed - self.last_log >= 2.0 or self.done_n == total:
            self.last_log = elapsed
            self.log.info("batch.progress", done=self.done_n, total=total, rate=round(rate, 2),
                          manual=self.manual, failed=self.failed)

    def done(self, outcome: Any, seconds: float) -> None:
        self.log.info(
            "batch.done", batch_id=outcome.batch_id, cases=len(outcome.results), seconds=round(seconds, 2),
            manual=self.manual, failed=self.failed, exit_code=outcome.exit_code,
            db_unreachable_s=round(outcome.db_unreachable_s), stopped=outcome.stopped,
        )
