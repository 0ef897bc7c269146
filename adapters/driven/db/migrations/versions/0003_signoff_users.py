"""Human sign-off: users, roles, units, sessions, API tokens, sign-offs, overrides and letters.

Revision ID: 0003
Revises: 0002

``sign_off``, ``sign_off_override`` and ``letter`` are append-only like the audit tables: triggers
refuse DELETE, and refuse UPDATE except the one retention makes — blanking the personal columns and
setting ``purged_at`` while every other column stays as it was.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

ROLES = (
    ("handler", "Handläggare: prövar förslag och fattar beslut i sin enhets ärenden"),
    ("supervisor", "Arbetsledare: som handläggare, och andra underskrift (fyra ögon), överprövningsstatistik"),
    ("auditor", "Granskare: läser ärenden, händelser och åtkomstloggen; ändrar inget"),
    ("administrator", "Administratör: hanterar användare och roller; ingen roll i ärenden"),
)

# table -> (columns that must never change, personal columns retention may blank)
APPEND_ONLY: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "sign_off": (
        ("id", "application_id", "decision_id", "proposal_hash", "action", "first_id", "actor", "role", "at",
         "outcome", "final", "needs_second", "protected", "municipality", "month", "record_hash"),
        ("record_json",),
    ),
    "sign_off_override": (("sign_off_id", "rule", "reason_code"), ()),
    "letter": (
        ("id", "sign_off_id", "application_id", "html_sha256", "pdf_sha256", "template_hash", "created_at"),
        ("html", "pdf"),
    ),
}


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.String(26), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("display_name", sa.String(128), nullable=False),
        sa.Column("title", sa.String(128), nullable=True),
        sa.Column("password_hash", sa.String(256), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username"),
    )
    roles = op.create_table(
        "roles",
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("description", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.bulk_insert(roles, [{"name": n, "description": d} for n, d in ROLES])
    op.create_table(
        "user_roles",
        sa.Column("user_id", sa.String(26), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("role", sa.String(32), sa.ForeignKey("roles.name"), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "role"),
    )
    op.create_table(
        "units",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "unit_areas",
        sa.Column("municipality", sa.String(4), nullable=False),
        sa.Column("district", sa.String(64), nullable=False, server_default=""),
        sa.Column("unit_id", sa.String(64), sa.ForeignKey("units.id"), nullable=False),
        sa.PrimaryKeyConstraint("municipality", "district"),
    )
    op.create_index("ix_unit_areas_unit_id", "unit_areas", ["unit_id"])
    op.create_table(
        "user_units",
        sa.Column("user_id", sa.String(26), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("unit_id", sa.String(64), sa.ForeignKey("units.id"), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "unit_id"),
    )
    op.create_table(
        "web_sessions",
        sa.Column("id_hash", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(26), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id_hash"),
    )
    op.create_index("ix_web_sessions_user_id", "web_sessions", ["user_id"])
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.String(26), nullable=False),
        sa.Column("client", sa.String(64), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("scopes", sa.String(200), nullable=False),
        sa.Column("rate_per_minute", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(128), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_api_tokens_client", "api_tokens", ["client"])
    op.create_table(
        "sign_off",
        sa.Column("id", sa.String(26), nullable=False),
        sa.Column("application_id", sa.String(64), sa.ForeignKey("application.id"), nullable=False),
        sa.Column("decision_id", sa.String(26), sa.ForeignKey("decision.id"), nullable=False),
        sa.Column("proposal_hash", sa.String(71), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("first_id", sa.String(26), nullable=True),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("final", sa.Boolean(), nullable=False),
        sa.Column("needs_second", sa.Boolean(), nullable=False),
        sa.Column("protected", sa.Boolean(), nullable=False),
        sa.Column("municipality", sa.String(4), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("record_hash", sa.String(71), nullable=False),
        sa.Column("record_json", sa.Text(), nullable=True),
        sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    for col in ("application_id", "decision_id", "action", "at", "municipality", "month"):
        op.create_index(f"ix_sign_off_{col}", "sign_off", [col])
    op.create_table(
        "sign_off_override",
        sa.Column("sign_off_id", sa.String(26), sa.ForeignKey("sign_off.id"), nullable=False),
        sa.Column("rule", sa.String(160), nullable=False),
        sa.Column("reason_code", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("sign_off_id", "rule", "reason_code"),
    )
    op.create_table(
        "letter",
        sa.Column("id", sa.String(26), nullable=False),
        sa.Column("sign_off_id", sa.String(26), sa.ForeignKey("sign_off.id"), nullable=False),
        sa.Column("application_id", sa.String(64), sa.ForeignKey("application.id"), nullable=False),
        sa.Column("html", sa.Text(), nullable=True),
        sa.Column("pdf", sa.LargeBinary(), nullable=True),
        sa.Column("html_sha256", sa.String(71), nullable=False),
        sa.Column("pdf_sha256", sa.String(71), nullable=True),
        sa.Column("template_hash", sa.String(71), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_letter_sign_off_id", "letter", ["sign_off_id"])
    op.create_index("ix_letter_application_id", "letter", ["application_id"])
    _append_only()


def _purge_only(kept: tuple[str, ...], personal: tuple[str, ...], old: str, new: str, same: str) -> str:
    """The condition under which an UPDATE is the lawful purge (and nothing else)."""
    if not personal:
        return "FALSE" if same == "IS NOT DISTINCT FROM" else "0"
    parts = [f"{new}.{c} {same} {old}.{c}" for c in kept]
    parts += [f"{new}.{c} IS NULL" for c in personal]
    parts.append(f"{new}.purged_at IS NOT NULL")
    return " AND ".join(parts)


def _append_only() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for table, (kept, personal) in APPEND_ONLY.items():
            allowed = _purge_only(kept, personal, "OLD", "NEW", "IS")
            op.execute(
                f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} WHEN NOT ({allowed}) "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            )
        return
    for table, (kept, personal) in APPEND_ONLY.items():
        allowed = _purge_only(kept, personal, "OLD", "NEW", "IS NOT DISTINCT FROM")
        op.execute(
            f"CREATE OR REPLACE FUNCTION finaid_{table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN IF TG_OP = 'UPDATE' AND ({allowed}) THEN RETURN NEW; END IF; "
            f"RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$"
        )
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION finaid_{table}_append_only()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION finaid_append_only()"
        )
    op.execute(
        "DO $$ BEGIN IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'finaid_runtime') THEN "
        "GRANT SELECT, INSERT ON sign_off_override TO finaid_runtime; "
        "GRANT SELECT, INSERT, UPDATE ON sign_off, letter TO finaid_runtime; "
        "GRANT SELECT, INSERT, UPDATE, DELETE ON users, roles, user_roles, units, unit_areas, user_units, "
        "web_sessions, api_tokens TO finaid_runtime; "
        "END IF; END $$"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY:
            op.execute(f"DROP FUNCTION IF EXISTS finaid_{table}_append_only() CASCADE")
    for table in ("letter", "sign_off_override", "sign_off", "api_tokens", "web_sessions", "user_units",
                  "unit_areas", "units", "user_roles", "roles", "users"):
        op.drop_table(table)
