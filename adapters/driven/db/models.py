"""The tables (docs/architecture.md, "Who owns what"), as typed SQLAlchemy 2 models.

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
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Application(Base):
    """One application (``application.id``) and where it stands."""

    __tablename__ = "application"
    __table_args__ = (  # the queue's states (migration 0014; adapters/driving/web/queries.py)
        Index("ix_application_queue", "current_decision_id",
              postgresql_where=text("state IN ('proposed', 'awaiting_second_signature')"),
              postgresql_include=["municipality", "protected", "state"],
              sqlite_where=text("state IN ('proposed', 'awaiting_second_signature')")),
    )

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
    # a handler's day (migration 0008): the user the case is assigned to ("Mina ärenden")
    assigned_to: Mapped[str | None] = mapped_column(String(26), index=True)
    assigned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

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
        Index("ix_decision_protected", "decided_at", "id", postgresql_where=text("protected IS true"),
              sqlite_where=text("protected IS 1")),  # protected decisions are counted, not listed
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


class DecisionEarlier(Base):
    """The signed decision a supplementary application's decision was decided against (case bundle /2,
    decision/services/supplementary.py): stored with the decision so that replay passes the same one.

    Append-only; one row per decision of a supplementary application, none for any other decision.
    """

    __tablename__ = "decision_earlier"

    decision_id: Mapped[str] = mapped_column(ForeignKey("decision.id"), primary_key=True)
    earlier_decision_id: Mapped[str] = mapped_column(String(26), index=True)
    month: Mapped[str] = mapped_column(String(7))
    total_ore: Mapped[int | None] = mapped_column(BigInteger)  # personal (what the household was decided)
    signed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


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


# ---------------------------------------------------------------------------------------------------
# Human sign-off (migration 0003): users, roles, units, sessions, API tokens, sign-offs and letters.
# Users, roles, units, sessions and tokens are administration; sign_off, sign_off_override and letter
# are append-only (retention may only blank their personal columns).


class User(Base):
    """A person who logs in to the web app (handler, supervisor, auditor, administrator)."""

    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(26), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(128))
    title: Mapped[str | None] = mapped_column(String(128))
    password_hash: Mapped[str | None] = mapped_column(String(256))  # argon2; None for SSO-only accounts
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)  # refused outside demo mode
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # single sign-on: who this is at the identity provider (migration 0009); None for local accounts
    idp_issuer: Mapped[str | None] = mapped_column(String(255))
    idp_subject: Mapped[str | None] = mapped_column(String(255))
    # the second factor of a local password (RFC 6238): the secret encrypted (identity/totp.py), enrolled when
    # the first code was right, the last time step accepted (each code once)
    totp_secret: Mapped[str | None] = mapped_column(String(255))
    totp_enrolled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)

    __table_args__ = (Index("ix_users_idp", "idp_issuer", "idp_subject", unique=True),)


class RoleRow(Base):
    __tablename__ = "roles"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    description: Mapped[str] = mapped_column(String(200))


class UserRole(Base):
    __tablename__ = "user_roles"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True)
    role: Mapped[str] = mapped_column(ForeignKey("roles.name"), primary_key=True)


class Unit(Base):
    """A unit of the social services (enhet): handlers see the cases of their units."""

    __tablename__ = "units"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(128))


class UnitArea(Base):
    """Which unit handles a municipality (and, where the case system gives one, a district)."""

    __tablename__ = "unit_areas"

    municipality: Mapped[str] = mapped_column(String(4), primary_key=True)
    district: Mapped[str] = mapped_column(String(64), primary_key=True, default="")
    unit_id: Mapped[str] = mapped_column(ForeignKey("units.id"), index=True)


class UserUnit(Base):
    __tablename__ = "user_units"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True)
    unit_id: Mapped[str] = mapped_column(ForeignKey("units.id"), primary_key=True)


class WebSession(Base):
    """A server-side session; the cookie holds a random token, the table its keyed hash."""

    __tablename__ = "web_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ApiToken(Base):
    """A calling system's token (stored as sha256), its scopes and rate limit."""

    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(String(26), primary_key=True)
    client: Mapped[str] = mapped_column(String(64), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[str] = mapped_column(String(200))  # space-separated
    rate_per_minute: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(128))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SignOff(Base):
    """One sign-off action on a proposal (approve, amend, reject, return, countersign, refuse, auto).

    Append-only. ``record_json`` (finaid.signed-decision/1, docs/signed-decision.md) holds personal
    content and is blanked by retention; ``record_hash`` stays.
    """

    __tablename__ = "sign_off"

    id: Mapped[str] = mapped_column(String(26), primary_key=True)
    application_id: Mapped[str] = mapped_column(ForeignKey("application.id"), index=True)
    decision_id: Mapped[str] = mapped_column(ForeignKey("decision.id"), index=True)
    proposal_hash: Mapped[str] = mapped_column(String(71))
    action: Mapped[str] = mapped_column(String(16), index=True)
    first_id: Mapped[str | None] = mapped_column(String(26))  # the sign-off a countersign/refusal answers
    actor: Mapped[str] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    outcome: Mapped[str | None] = mapped_column(String(16))  # beviljat | delvis_beviljat | avslag
    final: Mapped[bool] = mapped_column(Boolean, default=False)  # this row completes a decision
    needs_second: Mapped[bool] = mapped_column(Boolean, default=False)
    protected: Mapped[bool] = mapped_column(Boolean, default=False)
    municipality: Mapped[str] = mapped_column(String(4), index=True)
    month: Mapped[str] = mapped_column(String(7), index=True)
    record_hash: Mapped[str] = mapped_column(String(71))
    record_json: Mapped[str | None] = mapped_column(Text)  # personal
    purged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SignOffOverride(Base):
    """What a sign-off changed, by rule and reason code (no amounts): the override statistics."""

    __tablename__ = "sign_off_override"

    sign_off_id: Mapped[str] = mapped_column(ForeignKey("sign_off.id"), primary_key=True)
    rule: Mapped[str] = mapped_column(String(160), primary_key=True)
    reason_code: Mapped[str] = mapped_column(String(64), primary_key=True)


class Letter(Base):
    """A decision letter (HTML and PDF) with its hashes and the template set's hash. Append-only."""

    __tablename__ = "letter"

    id: Mapped[str] = mapped_column(String(26), primary_key=True)
    sign_off_id: Mapped[str] = mapped_column(ForeignKey("sign_off.id"), index=True)
    application_id: Mapped[str] = mapped_column(ForeignKey("application.id"), index=True)
    html: Mapped[str | None] = mapped_column(Text)  # personal
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary)  # personal
    html_sha256: Mapped[str] = mapped_column(String(71))
    pdf_sha256: Mapped[str | None] = mapped_column(String(71))
    template_hash: Mapped[str] = mapped_column(String(71))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    purged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
