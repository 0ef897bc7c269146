"""The applicants' e-service's tables (migration 0010; the contact for notifications 0013): its sessions, the
drafts kept until sent, the attachments (stored with their sha256) and where a person wants to be notified.
Personal content is marked ``# personal``; retention blanks it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from adapters.driven.db.models import Base


class CitizenSession(Base):
    """An applicant's server-side session: the cookie holds a random token, the table its keyed hash."""

    __tablename__ = "etjanst_session"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    personnummer: Mapped[str | None] = mapped_column(String(12))  # personal; blanked when the session ends
    person_key: Mapped[str] = mapped_column(String(64), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Draft(Base):
    """An application being written in the e-service; kept until sent (then it names its application)."""

    __tablename__ = "etjanst_draft"

    id: Mapped[str] = mapped_column(String(26), primary_key=True)  # ULID
    applicant_key: Mapped[str] = mapped_column(String(64), index=True)  # keyed HMAC, not personal
    partner_key: Mapped[str | None] = mapped_column(String(64), index=True)
    municipality: Mapped[str] = mapped_column(String(4))
    month: Mapped[str] = mapped_column(String(7))
    kind: Mapped[str] = mapped_column(String(16))  # first | reapplication | supplementary
    status: Mapped[str] = mapped_column(String(24), index=True)  # draft | awaiting_partner | sent | discarded
    data_json: Mapped[str | None] = mapped_column(Text)  # personal
    applicant_signed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    partner_signed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    application_id: Mapped[str | None] = mapped_column(String(64), index=True)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    purged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Attachment(Base):
    """A document an applicant uploaded: checked by content, images re-encoded, kept with its sha256."""

    __tablename__ = "etjanst_attachment"

    id: Mapped[str] = mapped_column(String(26), primary_key=True)  # ULID; the cost's ``document``
    draft_id: Mapped[str] = mapped_column(String(26), index=True)
    application_id: Mapped[str | None] = mapped_column(String(64), index=True)
    media_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    label: Mapped[str | None] = mapped_column(String(200))  # personal (what the applicant called it)
    content: Mapped[bytes | None] = mapped_column(LargeBinary)  # personal
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    purged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class InformationRequest(Base):
    """A handler's request for more information (komplettering) and the applicant's answer."""

    __tablename__ = "etjanst_request"

    id: Mapped[str] = mapped_column(String(26), primary_key=True)  # ULID
    application_id: Mapped[str] = mapped_column(String(64), index=True)
    message: Mapped[str | None] = mapped_column(Text)  # personal
    due_date: Mapped[str] = mapped_column(String(10))  # YYYY-MM-DD
    requested_by: Mapped[str] = mapped_column(String(128))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    answer: Mapped[str | None] = mapped_column(Text)  # personal
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    purged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Contact(Base):
    """Where an applicant wants to be told that something happened (migration 0013): given under Mina uppgifter
    → Avisering, keyed by the person's keyed HMAC; removed by the person, blanked by retention."""

    __tablename__ = "etjanst_contact"

    person_key: Mapped[str] = mapped_column(String(64), primary_key=True)  # keyed HMAC, not personal
    email: Mapped[str | None] = mapped_column(String(254))  # personal
    mobile: Mapped[str | None] = mapped_column(String(16))  # personal (E.164, +46…)
    consented_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    purged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
