"""Gallring: personal case content is deleted five years after the last note (SoL 2025:400 16 kap.
1 §; old SoL 12 kap. 1 §), except research-exempt records (SoF 2025:468 13 kap. 1 §).

Ids and hashes are kept and a ``purged`` audit event is written per case, so ``audit verify`` still
passes and reports the deletions as lawful; ``audit why`` says the decision was purged.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import select, update

from adapters.driven.db.engine import Database
from adapters.driven.db.models import Application, Decision, Evidence, Letter, Revision, SignOff
from audit.chain import append_event, now
from decision import personnummer as pnr


@dataclass(frozen=True)
class Exemptions:
    counties: frozenset[str]
    municipalities: frozenset[str]
    birth_days: frozenset[int]

    @staticmethod
    def from_settings() -> Exemptions:
        from adapters.settings import settings

        cfg = settings()

        def split(text: str) -> list[str]:
            return [x.strip() for x in text.split(",") if x.strip()]

        return Exemptions(
            frozenset(split(cfg.retention_exempt_counties)),
            frozenset(split(cfg.retention_exempt_municipalities)),
            frozenset(int(x) for x in split(cfg.retention_exempt_birth_days)),
        )

    def exempt(self, municipality: str, people: list[str]) -> bool:
        if municipality in self.municipalities or municipality[:2] in self.counties:
            return True
        return any(pnr.birth_date(p).day in self.birth_days for p in people)


@dataclass
class PurgeResult:
    purged: list[str] = field(default_factory=list)
    exempt: list[str] = field(default_factory=list)


def purge(db: Database, before: date, exemptions: Exemptions, actor: str, dry_run: bool = False) -> PurgeResult:
    cutoff = datetime(before.year, before.month, before.day, tzinfo=UTC)
    result = PurgeResult()
    with db.read() as s:
        candidates = list(
            s.execute(
                select(Application.id, Application.municipality).where(
                    Application.last_note_at < cutoff, Application.purged_at.is_(None)
                ).order_by(Application.id)
            )
        )
    for app_id, municipality in candidates:
        with db.transaction() as s:
            revisions = list(s.execute(select(Revision).where(Revision.application_id == app_id)).scalars())
            people = sorted({
                m["personnummer"]
                for r in revisions if r.bundle_json
                for m in json.loads(r.bundle_json)["application"]["household"]
            })
            if exemptions.exempt(municipality, people):
                result.exempt.append(app_id)
                continue
            result.purged.append(app_id)
            if dry_run:
                continue
            at = now()
            rev_ids = [r.id for r in revisions]
            decision_ids = list(s.execute(select(Decision.id).where(Decision.application_id == app_id)).scalars())
            s.execute(update(Revision).where(Revision.application_id == app_id).values(bundle_json=None, purged_at=at))
            evidence = len(list(s.execute(
                update(Evidence).where(Evidence.revision_id.in_(rev_ids)).values(raw=None, purged_at=at)
                .returning(Evidence.request_id)
            )))
            s.execute(
                update(Decision)
                .where(Decision.application_id == app_id)
                .values(basis_json=None, trace_json=None, proposed_ore=None, purged_at=at)
            )
            s.execute(
                update(Application).where(Application.id == app_id).values(household_key=None, purged_at=at)
            )
            # sign-offs and letters (append-only: their triggers allow exactly this blanking)
            s.execute(update(SignOff).where(SignOff.application_id == app_id, SignOff.purged_at.is_(None))
                      .values(record_json=None, purged_at=at))
            s.execute(update(Letter).where(Letter.application_id == app_id, Letter.purged_at.is_(None))
                      .values(html=None, pdf=None, purged_at=at))
            append_event(
                s, actor, "purged", f"application:{app_id}",
                {"revisions": rev_ids, "decisions": decision_ids, "evidence": int(evidence or 0),
                 "before": before.isoformat(), "law": "SoL (2025:400) 16 kap. 1 §"},
                at,
            )
    if result.purged and not dry_run and db.engine.dialect.name == "sqlite":
        _checkpoint(db)
    return result


def _checkpoint(db: Database) -> None:
    """Until the write-ahead log is checkpointed, SQLite's main file still holds the old pages: finish the
    deletion on disk (with ``secure_delete`` the freed space is overwritten) and empty the log."""
    raw = db.engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        cur.close()
    finally:
        raw.close()
