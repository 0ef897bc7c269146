"""Auditors' questions over decisions: the filters (the query over storage: adapters/driven/db/audit_store.py).

"Every decision that used rule X" is an index range scan on ``decision_use(kind, ref, decided_at,
decision_id)``; protected-identity decisions are counted, not listed.
"""

from __future__ import annotations

from dataclasses import dataclass, fields


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

