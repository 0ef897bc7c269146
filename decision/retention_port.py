"""The gallring repository of the unit of work (decision/uow.py; docs/architecture.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class Retention(Protocol):
    """What gallring reads and blanks (decision/services/retention.py)."""

    def candidates(self, cutoff: datetime) -> list[tuple[str, str]]:
        """(application id, municipality) of unpurged applications whose last note is before ``cutoff``."""
        ...

    def people(self, application_id: str) -> list[str]:
        """The personnummer in any of the application's stored revisions (sorted)."""
        ...

    def blank(self, application_id: str, at: datetime) -> tuple[list[str], list[str], int]:
        """Blank the personal columns of the application, its revisions, evidence, decisions, sign-offs
        and letters; (revision ids, decision ids, number of evidence envelopes)."""
        ...
