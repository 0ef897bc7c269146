"""The tables (architecture.md, "Who owns what"), as typed SQLAlchemy 2 models.

Personal data lives only in columns retention can purge (marked ``# personal``); audit and access
rows carry ids, hashes, codes and actors only. Relationships are ``lazy="raise"``: no query hides
in attribute access. The schema is created and changed by Alembic migrations only.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Application(Base):
    """One application (``application.id``) and where it stands."""

    __tablename__ = "application"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    municipality: Mapped[str] = mapped_column(String(4), index=True)
    month: Mapped[str] = mapped_column(String(7), index=True)
    state: Mapped[str] = mapped_column(String(32), index=True)
    state_reason: Mapped[str | None] = mapped_column(String(200))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    protected: Mapped[bool] = mapped_column(Boolean, default=False)
    household_key: Mapped[str | None] = mapped_column(String(64), index=True)  # keyed HMAC, not personal
    current_revision_id: Mapped[str | None] = mapped_column(String(26))
    current_decision_id: Mapped[str | None] = mapped_column(String(26))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    last_note_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    purged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # batch claims: a lease, and an attempt number checked at commit
    claimed_by: Mapped[str | None] = mapped_column(String(128))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    claim_attempt: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    revisions: Mapped[list[Revision]] = relationship(back_populates="application", lazy="raise")


class Revision(Base):
    """A distinct bundle content under an application id (same content twice is idempotent)."""

    __tablename__ = "application_revision"
    __table_args__ = (UniqueConstraint("application_id", "content_hash", name="uq_revision_content"),)

    id: Mapped[str] = mapped_column(String(26), primary_key=True)  # ULID
    application_id: Mapped[str] = mapped_column(ForeignKey("application.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(71))  # sha256:<hex> of the canonical bundle
    sealed: Mapped[bool] = mapped_column(Boolean, default=False)  # registry answers present
    bundle_json: Mapped[str | None] = mapped_column(Text)  # personal
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(128))
    purged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    application: Mapped[Application] = relationship(back_populates="revisions", lazy="raise")


class Evidence(Base):
    """Raw registry envelopes by request id: the evidence behind a fact's ``raw_sha256``."""

    __tablename__ = "registry_evidence"

    request_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    revision_id: Mapped[str | None] = mapped_column(String(26), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    raw: Mapped[bytes | None] = mapped_column(LargeBinary)  # personal
    stored_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    purged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Decision(Base):
    """A proposal: the decision basis with the pack, guideline and code that made it."""

    __tablename__ = "decision"
    __table_args__ = (
        UniqueConstraint("revision_hash", "pack_hash", "guideline_hash", name="uq_decision_inputs"),
        Index("ix_decision_time", "decided_at", "id"),
    )

    id: Mapped[str] = mapped_column(String(26), primary_key=True)  # ULID
    application_id: Mapped[str] = mapped_column(ForeignKey("application.id"), index=True)
    revision_id: Mapped[str] = mapped_column(ForeignKey("application_revision.id"), index=True)
    revision_hash: Mapped[str] = mapped_column(String(71))
    pack_id: Mapped[str] = mapped_column(String(64), index=True)
    pack_hash: Mapped[str] = mapped_column(String(71))
    guideline_id: Mapped[str] = mapped_column(String(64), index=True)
    guideline_hash: Mapped[str] = mapped_column(String(71))
    code_version: Mapped[str] = mapped_column(String(64))
    municipality: Mapped[str] = mapped_column(String(4), index=True)
    month: Mapped[str] = mapped_column(String(7), index=True)
    outcome: Mapped[str] = mapped_column(String(8), index=True)
    proposed_ore: Mapped[int | None] = mapped_column(BigInteger)  # personal (an amount of a person's case)
    basis_hash: Mapped[str] = mapped_column(String(71))
    basis_json: Mapped[str | None] = mapped_column(Text)  # personal
    trace_json: Mapped[str | None] = mapped_column(Text)  # personal
    protected: Mapped[bool] = mapped_column(Boolean, default=False)
    actor: Mapped[str] = mapped_column(String(128))
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    superseded_by: Mapped[str | None] = mapped_column(String(26))
    purged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class DecisionUse(Base):
    """What a decision used, for auditors' queries: rule ids fired, parameters, finding codes.

    ``kind`` is ``rule``, ``param`` or ``finding``; ``decided_at`` is copied so that a page of
    "every decision that used X, by time" is one index range scan.
    """

    __tablename__ = "decision_use"
    __table_args__ = (Index("ix_decision_use_lookup", "kind", "ref", "decided_at", "decision_id"),)

    decision_id: Mapped[str] = mapped_column(ForeignKey("decision.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    ref: Mapped[str] = mapped_column(String(160), primary_key=True)
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AuditEvent(Base):
    """Append-only, hash-chained: ids, hashes, codes and actors — never personal data."""

    __tablename__ = "audit_event"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(128))
    event: Mapped[str] = mapped_column(String(32), index=True)
    subject: Mapped[str] = mapped_column(String(128), index=True)  # e.g. decision:<ulid>
    payload: Mapped[str] = mapped_column(Text)  # canonical JSON of ids, hashes, codes
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class ChainHead(Base):
    """The head of each chain (``audit``, ``access``), locked while appending."""

    __tablename__ = "chain_head"

    chain: Mapped[str] = mapped_column(String(16), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))


class AccessEntry(Base):
    """Who read what, when and why; the person by keyed HMAC. Append-only, hash-chained."""

    __tablename__ = "access_log"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(128))
    purpose: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(128))  # application or decision id
    person_keys: Mapped[str] = mapped_column(Text)  # space-separated HMACs of the household's personnummer
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AccessPerson(Base):
    """Index from a person's HMAC to access-log entries (for a data subject's question)."""

    __tablename__ = "access_person"
    __table_args__ = (Index("ix_access_person", "person_key", "seq"),)

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    person_key: Mapped[str] = mapped_column(String(64), primary_key=True)


class BatchRun(Base):
    """One ``finaid batch run``: who ran it, when, and what it did (counts, report path)."""

    __tablename__ = "batch_run"

    id: Mapped[str] = mapped_column(String(26), primary_key=True)
    host: Mapped[str] = mapped_column(String(128))
    actor: Mapped[str] = mapped_column(String(128))
    workers: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16))
    counts: Mapped[str | None] = mapped_column(Text)
    report_path: Mapped[str | None] = mapped_column(Text)
