"""The lease of a batch run: its ``batch_run`` row says until when the run is known to be alive.

While a run works, a background thread renews ``lease_until`` (kept in the row's ``counts`` JSON; no schema
change) every third of the lease. A run still ``running`` whose lease has passed was killed: ``batch
status`` shows it as ``abandoned`` (:func:`shown_status`) and the next run records it so
(:func:`close_abandoned`). Its applications are claimed again once their own leases pass.
"""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta

from sqlalchemy import select

from adapters.driven.clock import SystemClock
from adapters.driven.db.engine import Database
from adapters.driven.db.models import BatchRun

_LEASES = SystemClock()  # leases run on the wall clock, like the claims (adapters/driven/db/claims.py)


def _lease_until(counts: str | None) -> datetime | None:
    try:
        value = json.loads(counts).get("lease_until") if counts else None
        return datetime.fromisoformat(value) if isinstance(value, str) else None
    except (ValueError, AttributeError):
        return None


def shown_status(status: str, counts: str | None, at: datetime) -> str:
    """``abandoned`` for a run still ``running`` whose lease has passed (or that never had one)."""
    if status != "running":
        return status
    until = _lease_until(counts)
    return "abandoned" if until is None or until < at else status


def close_abandoned(db: Database, at: datetime) -> None:
    """Record every run still ``running`` past its lease as ``abandoned``."""
    with db.transaction() as s:
        for run in s.execute(select(BatchRun).where(BatchRun.status == "running")).scalars():
            if shown_status(run.status, run.counts, at) == "abandoned":
                run.status = "abandoned"


class Heartbeat:
    """Renews a run's lease from a background thread until :meth:`stop`."""

    def __init__(self, db: Database, batch_id: str, lease_seconds: float) -> None:
        self.db = db
        self.batch_id = batch_id
        self.lease = timedelta(seconds=max(lease_seconds, 1.0))
        self._stop = threading.Event()
        self.beat()
        self._thread = threading.Thread(target=self._loop, daemon=True, name="batch-heartbeat")
        self._thread.start()

    def beat(self) -> None:
        with self.db.transaction() as s:
            run = s.get(BatchRun, self.batch_id)
            if run is not None and run.status == "running":
                run.counts = json.dumps({"lease_until": (_LEASES.now() + self.lease).isoformat()})

    def _loop(self) -> None:
        while not self._stop.wait(self.lease.total_seconds() / 3):
            try:
                self.beat()
            except Exception:  # noqa: BLE001, S110 - a missed beat only risks the run being shown abandoned
                pass

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
