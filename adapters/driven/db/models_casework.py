"""The casework tables (migration 0007): journal notes, kommunicering and changed decisions; append-only like
the sign-off tables (retention may only blank their personal columns). decision/casework.py.

Kept apart from models.py (the module-size limit); they share its ``Base`` — whatever needs every table's
metadata imports this module too (the migrations' env.py, the coverage test)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from adapters.driven.db.models import Base


class CaseNote(Base):
    """A journal note (journalanteckning): never edited; a correction is a new note referring to the earlier."""

    __tablename__ = "case_note"

    id: Mapped[str] = mapped_column(String(26), primary_key=True)
    application_id: Mapped[str] = mapped_column(ForeignKey("application.id"), index=True)
    author: Mapped[str] = mapped_column(String(128))
    author_name: Mapped[str | None] = mapped_column(String(128))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    refers_to: Mapped[str | None] = mapped_column(String(26))
    text_sha256: Mapped[str] = mapped_column(String(71))
    text: Mapped[str | None] = mapped_column(Text)  # personal
    purged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class CommunicationStep(Base):
    """One step of a kommunicering (FL 25 §): sent, closed (answer or none) or skipped (with the exception)."""

    __tablename__ = "communication"

    id: Mapped[str] = mapped_column(String(26), primary_key=True)
    application_id: Mapped[str] = mapped_column(ForeignKey("application.id"), index=True)
    decision_id: Mapped[str] = mapped_column(ForeignKey("decision.id"), index=True)
    step: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(128))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    refers_to: Mapped[str | None] = mapped_column(String(26))
    reply_by: Mapped[str | None] = mapped_column(String(10))  # ISO date, Europe/Stockholm
    origin_state: Mapped[str | None] = mapped_column(String(32))
    outcome: Mapped[str | None] = mapped_column(String(32))
    content_sha256: Mapped[str] = mapped_column(String(71))  # of items_json and text
    items_json: Mapped[str | None] = mapped_column(Text)  # personal
    text: Mapped[str | None] = mapped_column(Text)  # personal
    purged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class DecisionChange(Base):
    """A signed decision replaced by a new one on the same proposal (rättelse FL 36 §, ändring 37 §)."""

    __tablename__ = "decision_change"

    id: Mapped[str] = mapped_column(String(26), primary_key=True)
    application_id: Mapped[str] = mapped_column(ForeignKey("application.id"), index=True)
    decision_id: Mapped[str] = mapped_column(ForeignKey("decision.id"))
    old_sign_off_id: Mapped[str] = mapped_column(ForeignKey("sign_off.id"), unique=True)
    new_sign_off_id: Mapped[str] = mapped_column(ForeignKey("sign_off.id"), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    ground: Mapped[str | None] = mapped_column(String(32))
    disadvantage: Mapped[bool] = mapped_column(Boolean)
    actor: Mapped[str] = mapped_column(String(128))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
