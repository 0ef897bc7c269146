"""Auditors' questions over decisions: the filters (the query over storage: adapters/driven/db/audit_store.py).

"Every decision that used rule X" is an index range scan on ``decision_use(kind, ref, decided_at,
decision_id)``; protected-identity decisions are counted, not listed.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any


@dataclass(frozen=True)
class Filters:
    rule: str | None = None
    param: str | None = None
    pack: str | None = None
    guideline: str | None = None
    finding: str | None = None
    outcome: str | None = None
    month: str | None = None
    municipality: str | None = None

    def describe(self) -> str:
        return ",".join(f"{f.name}={getattr(self, f.name)}" for f in fields(self) if getattr(self, f.name))


def __getattr__(name: str) -> Any:
    # TEMPORARY (removed when the entry points are rewired, before the merge): ``run_query(session, …)``
    # moved to adapters/driven/db/audit_store.py.
    if name == "run_query":
        from adapters.driven.db.audit_store import run_query

        return run_query
    raise AttributeError(name)
