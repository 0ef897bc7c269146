"""Drafts never sent are purged by retention: their typed content and their attachments' content and labels are
blanked once unchanged for the configured days; a sent draft, a recent one and an attachment that reached an
application are left to the case purge. One audit event names the drafts (no person)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from adapters.driven.db import migrate
from adapters.driven.db.engine import Database
from adapters.driven.db.etjanst_models import Attachment, Draft
from adapters.driven.db.etjanst_retention import purge_unsent_drafts
from adapters.driven.db.models import AuditEvent
from adapters.settings import Settings

NOW = datetime(2026, 12, 3, 3, tzinfo=UTC)


def _draft(draft_id: str, status: str, days_ago: int, application_id: str | None = None) -> Draft:
    at = NOW - timedelta(days=days_ago)
    return Draft(id=draft_id, applicant_key="k" * 64, partner_key=None, municipality="1287", month="2027-01",
                 kind="reapplication", status=status, data_json=json.dumps({"costs": [{"description": "Busskort"}]}),
                 application_id=application_id, created_at=at, updated_at=at)


def test_unsent_drafts_older_than_the_setting_are_blanked(tmp_path: Path) -> None:
    assert Settings.model_fields["etjanst_draft_retention_days"].default == 30
    db = Database(f"sqlite:///{tmp_path / 'finaid.db'}")
    migrate.upgrade(db)
    try:
        with db.transaction() as s:
            s.add_all([_draft("OLD-DRAFT", "draft", 40), _draft("OLD-PARTNER", "awaiting_partner", 31),
                       _draft("RECENT", "draft", 3), _draft("SENT", "sent", 90, application_id="ET-SENT")])
            s.add_all([Attachment(id=f"ATT-{d}", draft_id=d, media_type="application/pdf", size=4, sha256="ab" * 32,
                                  label="Hyresavi", content=b"%PDF", created_at=NOW, application_id=app)
                       for d, app in (("OLD-DRAFT", None), ("RECENT", None), ("SENT", "ET-SENT"))])
        before = NOW - timedelta(days=30)
        assert purge_unsent_drafts(db, before, NOW, "user:admin", dry_run=True) == ["OLD-DRAFT", "OLD-PARTNER"]
        with db.read() as s:
            assert s.get(Draft, "OLD-DRAFT").data_json is not None  # type: ignore[union-attr]  # a dry run
        assert purge_unsent_drafts(db, before, NOW, "user:admin") == ["OLD-DRAFT", "OLD-PARTNER"]
        with db.read() as s:
            drafts = {d.id: d for d in s.execute(select(Draft)).scalars()}
            assert drafts["OLD-DRAFT"].data_json is None and drafts["OLD-DRAFT"].purged_at is not None
            assert drafts["OLD-PARTNER"].data_json is None
            assert drafts["RECENT"].data_json is not None and drafts["SENT"].data_json is not None
            files = {a.id: a for a in s.execute(select(Attachment)).scalars()}
            assert files["ATT-OLD-DRAFT"].content is None and files["ATT-OLD-DRAFT"].label is None
            assert files["ATT-OLD-DRAFT"].sha256 == "ab" * 32  # the hash stays as evidence
            assert files["ATT-RECENT"].content == b"%PDF" and files["ATT-SENT"].content == b"%PDF"
            [event] = s.execute(select(AuditEvent).where(AuditEvent.event == "drafts_purged")).scalars()
            assert json.loads(event.payload)["drafts"] == ["OLD-DRAFT", "OLD-PARTNER"]
            assert "Busskort" not in event.payload
        assert purge_unsent_drafts(db, before, NOW, "user:admin") == []  # done once
    finally:
        db.dispose()
