"""The real clock (``decision.ports.Clock``): the one place a decision's time is read."""

from __future__ import annotations

from datetime import UTC, datetime


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
    """The time now, in UTC, for tools and tests that stand outside a use case (a use case takes a Clock)."""
    return datetime.now(UTC)
