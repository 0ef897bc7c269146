"""Gallring: personal case content is deleted five years after the last note (SoL 2025:400 16 kap.
1 §; old SoL 12 kap. 1 §), except research-exempt records (SoF 2025:468 13 kap. 1 §).

Journal notes and kommunicering (their text) go with the case. Ids and hashes are kept and a ``purged``
audit event is written per case (one transaction each), so
``audit verify`` still passes and reports the deletions as lawful; ``audit why`` says the decision was
purged (docs/audit.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from decision import personnummer as pnr
from decision.ports import Clock
from decision.uow import UnitOfWork

LAW = "SoL (2025:400) 16 kap. 1 §"


@dataclass(frozen=True)
class Exemptions:
    counties: frozenset[str]
    municipalities: frozenset[str]
    birth_days: frozenset[int]

    def exempt(self, municipality: str, people: list[str]) -> bool:
        if municipality in self.municipalities or municipality[:2] in self.counties:
            return True
        return any(pnr.birth_date(p).day in self.birth_days for p in people)


@dataclass
class PurgeResult:
    purged: list[str] = field(default_factory=list)
    exempt: list[str] = field(default_factory=list)


def purge(uow: UnitOfWork, clock: Clock, before: date, exemptions: Exemptions, actor: str,
          dry_run: bool = False) -> PurgeResult:
    """Purge every application whose last note is before ``before`` and that is not exempt."""
    cutoff = datetime(before.year, before.month, before.day, tzinfo=UTC)
    at = clock.now()
    result = PurgeResult()
    with uow:
        candidates = uow.retention.candidates(cutoff)
    for app_id, municipality in candidates:
        with uow:
            if exemptions.exempt(municipality, uow.retention.people(app_id)):
                result.exempt.append(app_id)
                continue
            result.purged.append(app_id)
            if dry_run:
                continue
            revisions, decisions, evidence = uow.retention.blank(app_id, at)
            casework = uow.casework.blank(app_id, at)  # journal notes and kommunicering are personal data too
            uow.audit.append([(actor, "purged", f"application:{app_id}", {
                "revisions": revisions, "decisions": decisions, "evidence": evidence, "casework": casework,
                "before": before.isoformat(), "law": LAW,
            })], at)
            uow.commit()
    return result
