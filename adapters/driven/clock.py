"""The real clock (``decision.ports.Clock``): the one place a decision's time is read."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from decision.ports import Clock

STOCKHOLM = ZoneInfo("Europe/Stockholm")


class SystemClock:
    """The decision's clock: the time now, in UTC (``decision.pipeline.decision_day`` makes it a Swedish date)."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock stopped at one instant (tests, ``finaid rules which``, reproducing a past decision)."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


def utc_now() -> datetime:
    """The time now, in UTC: the system clock's reading, for tools and tests only (never on a use path)."""
    return datetime.now(UTC)


def read(clock: Clock | None) -> datetime:
    """Read a clock once: the one the bootstrap handed down (every entry point passes it); the system's for
    tools and tests that call an adapter without one."""
    return (clock if clock is not None else SystemClock()).now()


class DemoClock:
    """Demo mode's clock when ``FINAID_TODAY`` is set: that date, with the system's time of day in
    Europe/Stockholm (so time still moves and ``decision_day`` is always that date), returned in UTC."""

    def __init__(self, today: date) -> None:
        self.today = today

    def now(self) -> datetime:
        local = datetime.now(STOCKHOLM)
        return datetime.combine(self.today, local.time(), STOCKHOLM).astimezone(UTC)
