"""Gallring of the e-service's drafts that were never sent: they belong to no application, so the case purge
(decision/services/retention.py) never reaches them. ``finaid retention purge`` blanks a draft's typed content
and its attachments' content and labels ``FINAID_ETJANST_DRAFT_RETENTION_DAYS`` after the draft was last
changed (ids, hashes and times are kept); one audit event ``drafts_purged`` names the drafts, never a person."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from adapters.driven.db.engine import Database
from adapters.driven.db.etjanst_models import Attachment, Draft
from adapters.driven.db.trail import append_event

UNSENT = ("draft", "awaiting_partner", "discarded")


def purge_unsent_drafts(db: Database, before: datetime, at: datetime, actor: str, dry_run: bool = False) -> list[str]:
    """Blank every unsent draft last changed before ``before`` (and its attachments); the drafts' ids."""
    with db.transaction() as s:
        ids = list(s.execute(select(Draft.id).where(Draft.status.in_(UNSENT), Draft.application_id.is_(None),
                                                    Draft.purged_at.is_(None), Draft.updated_at < before)
                             .order_by(Draft.id)).scalars())
        if dry_run or not ids:
            return ids
        s.execute(update(Draft).where(Draft.id.in_(ids)).values(data_json=None, purged_at=at))
        s.execute(update(Attachment).where(Attachment.draft_id.in_(ids), Attachment.application_id.is_(None))
                  .values(content=None, label=None, purged_at=at))
        append_event(s, actor, "drafts_purged", "etjanst:drafts",
                     {"drafts": ids, "before": before.isoformat(), "reason": "never_sent"}, at)
    return ids
