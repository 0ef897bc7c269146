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


def test_a_contact_for_notifications_is_blanked_when_nothing_of_the_person_is_kept(tmp_path: Path) -> None:
    """Retention blanks a person's e-mail address and mobile number once their cases are purged and they have no
    draft left (and the contact is older than the draft retention); a person with a kept case or draft, or a
    contact given recently, keeps it. One audit event counts them (no person, no address)."""
    from adapters.driven.db.etjanst_contact import ContactStore, purge_contacts
    from adapters.driven.db.etjanst_models import Contact
    from adapters.driven.db.models import Application

    db = Database(f"sqlite:///{tmp_path / 'finaid.db'}")
    migrate.upgrade(db)
    try:
        old = NOW - timedelta(days=40)
        contacts = ContactStore(db, lambda: old)
        for key in ("gone", "case", "draft", "partner"):
            contacts.save(key * 4, f"{key}@example.se", "+46701234567")
        ContactStore(db, lambda: NOW).save("recent" * 4, "recent@example.se", None)
        with db.transaction() as s:
            for app_id, key, purged in (("A-GONE", "gone", NOW), ("A-CASE", "case", None)):
                s.add(Application(id=app_id, municipality="1287", month="2026-11", state="signed",
                                  household_key=None if purged else key * 4, created_at=old, updated_at=old,
                                  last_note_at=old, purged_at=purged))
            s.add(_draft("D-KEPT", "draft", 3))
            s.add(_draft("D-PARTNER", "awaiting_partner", 3))
        with db.transaction() as s:
            s.get(Draft, "D-KEPT").applicant_key = "draft" * 4  # type: ignore[union-attr]
            s.get(Draft, "D-PARTNER").partner_key = "partner" * 4  # type: ignore[union-attr]
        before = NOW - timedelta(days=30)
        assert purge_contacts(db, before, NOW, "user:admin", dry_run=True) == 1
        assert contacts.get("gone" * 4) is not None  # a dry run
        assert purge_contacts(db, before, NOW, "user:admin") == 1
        assert contacts.get("gone" * 4) is None
        with db.read() as s:
            row = s.get(Contact, "gone" * 4)
            assert row is not None and row.email is None and row.mobile is None and row.purged_at is not None
            [event] = s.execute(select(AuditEvent).where(AuditEvent.event == "contacts_purged")).scalars()
            assert json.loads(event.payload)["count"] == 1 and "example.se" not in event.payload
        for key in ("case", "draft", "partner", "recent"):
            assert contacts.get(key * 4) is not None, key
        assert purge_contacts(db, before, NOW, "user:admin") == 0  # done once
    finally:
        db.dispose()
