"""The e-service's attachments (``etjanst_attachment``, migration 0010): stored with their sha256, listed for the
applicant's draft, for the application's bundle (every file, docs/case-bundle.md "application.attachments") and
for the handler's case page, and read back for a download. The content and the label are personal; retention
blanks them (``etjanst.blank_for_application``, ``etjanst_retention``)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, update
from ulid import ULID

from adapters.driven.db.engine import Database
from adapters.driven.db.etjanst_models import Attachment


@dataclass(frozen=True)
class AttachmentRow:
    id: str
    draft_id: str
    media_type: str
    size: int
    sha256: str
    label: str | None
    created_at: datetime | None = None
    application_id: str | None = None


@dataclass(frozen=True)
class AttachmentFile:
    """A stored file as a download serves it."""

    id: str
    media_type: str
    content: bytes


def _row(r: Attachment) -> AttachmentRow:
    at = r.created_at if r.created_at is None or r.created_at.tzinfo else r.created_at.replace(tzinfo=UTC)
    return AttachmentRow(r.id, r.draft_id, r.media_type, r.size, r.sha256, r.label, at, r.application_id)


class AttachmentStore:
    """Mixed into :class:`adapters.driven.db.etjanst.EtjanstStore` (its ``db`` and ``now``)."""

    db: Database
    now: Callable[[], datetime]

    def add_attachment(self, draft_id: str, media_type: str, content: bytes, label: str | None,
                       application_id: str | None = None) -> AttachmentRow:
        digest = hashlib.sha256(content).hexdigest()
        row = Attachment(id=str(ULID()), draft_id=draft_id, media_type=media_type, size=len(content), sha256=digest,
                         label=label, content=content, created_at=self.now(), application_id=application_id)
        with self.db.transaction() as s:
            s.add(row)
        return AttachmentRow(row.id, draft_id, media_type, len(content), digest, label, row.created_at,
                             application_id)

    def attachments(self, draft_id: str) -> list[AttachmentRow]:
        with self.db.read() as s:
            rows = s.execute(select(Attachment).where(Attachment.draft_id == draft_id, Attachment.purged_at.is_(None))
                             .order_by(Attachment.id)).scalars().all()
            return [_row(r) for r in rows]

    def attachment_content(self, draft_id: str, attachment_id: str) -> tuple[str, bytes] | None:
        with self.db.read() as s:
            row = s.get(Attachment, attachment_id)
            if row is None or row.draft_id != draft_id or row.content is None:
                return None
            return row.media_type, row.content

    def attachments_of_application(self, application_id: str) -> list[AttachmentRow]:
        """Every file of the application, in the order added (ULIDs): the draft's, linked when it was sent, and
        those of the answers to komplettering. Purged files are left out."""
        with self.db.read() as s:
            rows = s.execute(select(Attachment).where(Attachment.application_id == application_id,
                                                      Attachment.purged_at.is_(None))
                             .order_by(Attachment.id)).scalars().all()
            return [_row(r) for r in rows]

    def application_file(self, application_id: str, attachment_id: str) -> AttachmentFile | None:
        """One file of the application, for a download (None: not the application's, or purged)."""
        with self.db.read() as s:
            row = s.get(Attachment, attachment_id)
            if row is None or row.application_id != application_id or row.content is None:
                return None
            return AttachmentFile(row.id, row.media_type, row.content)

    def link_attachments(self, draft_id: str, application_id: str) -> None:
        with self.db.transaction() as s:
            s.execute(update(Attachment).where(Attachment.draft_id == draft_id)
                      .values(application_id=application_id))
