"""The night survives the database going away: bounded waits for a database that cannot be reached.

Every database step of a batch worker (claim, load, store a chunk, mark a failure) is one transaction;
when the connection is lost or refused (:func:`transient`) the step is retried — with a doubling pause
— until it succeeds or ``FINAID_BATCH_DB_RETRY_S`` seconds have passed, then
:class:`DatabaseUnreachable` stops the worker cleanly (the run exits 3 and the next run resumes). The
time the database was unreachable is reported in the morning report (docs/architecture.md).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from decision.errors import FinaidError

T = TypeVar("T")


class DatabaseUnreachable(FinaidError):
    """The database could not be reached within the retry bound: the run stops cleanly (exit 3)."""


def transient(error: BaseException) -> bool:
    """A lost or refused database connection (not a fault of the application being decided)."""
    if isinstance(error, (OperationalError, InterfaceError)):
        return True
    return isinstance(error, DBAPIError) and bool(error.connection_invalidated)


class Outage:
    """Retries database steps within a bound and keeps the seconds the database was unreachable."""

    def __init__(self, bound_s: float, first_pause_s: float = 0.2, max_pause_s: float = 2.0,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.bound_s = bound_s
        self.first_pause_s = first_pause_s
        self.max_pause_s = max_pause_s
        self.sleep = sleep
        self.unreachable_s = 0.0
        self.gave_up = False

    def run(self, step: Callable[[], T]) -> T:
        """``step()``, retried while the database is unreachable, at most ``bound_s`` seconds."""
        down_since: float | None = None
        pause = self.first_pause_s
        while True:
            try:
                result = step()
            except Exception as e:
                if not transient(e):
                    raise
                now = time.monotonic()
                if down_since is None:
                    down_since = now
                if now - down_since >= self.bound_s:
                    self.unreachable_s += now - down_since
                    self.gave_up = True
                    raise DatabaseUnreachable(
                        f"the database was unreachable for more than {self.bound_s:g} s "
                        "(FINAID_BATCH_DB_RETRY_S): the run stops, the next run resumes"
                    ) from e
                self.sleep(min(pause, max(0.0, down_since + self.bound_s - now)))
                pause = min(pause * 2, self.max_pause_s)
                continue
            if down_since is not None:
                self.unreachable_s += time.monotonic() - down_since
            return result
