"""Casework: journal notes (``case_note``), kommunicering (``communication``) and changed decisions
(``decision_change``, rättelse and ändring after a decision). All three are append-only like the sign-off
tables: triggers refuse DELETE, and refuse UPDATE except retention's blanking of the personal text (with
``purged_at``); the runtime role may SELECT and INSERT only, the purge role may blank the personal columns
(adapters/driven/db/roles.py re-grants on every table).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# table -> (columns that never change, personal columns retention may blank)
APPEND_ONLY: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "case_note": (("id", "application_id", "author", "author_name", "at", "refers_to", "text_sha256"), ("text",)),
    "communication": (("id", "application_id", "decision_id", "step", "actor", "at", "refers_to", "reply_by",
                       "origin_state", "outcome", "content_sha256"), ("items_json", "text")),
    "decision_change": (("id", "application_id", "decision_id", "old_sign_off_id", "new_sign_off_id", "kind",
                         "ground", "disadvantage", "actor", "at"), ()),
}


def upgrade() -> None:
    op.create_table(
        "case_note",
        sa.Column("id", sa.String(26), primary_key=True),
        sa.Column("application_id", sa.String(64), sa.ForeignKey("application.id"), nullable=False),
        sa.Column("author", sa.String(128), nullable=False),
        sa.Column("author_name", sa.String(128), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("refers_to", sa.String(26), nullable=True),
        sa.Column("text_sha256", sa.String(71), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_case_note_application_id", "case_note", ["application_id"])
    op.create_table(
        "communication",
        sa.Column("id", sa.String(26), primary_key=True),
        sa.Column("application_id", sa.String(64), sa.ForeignKey("application.id"), nullable=False),
        sa.Column("decision_id", sa.String(26), sa.ForeignKey("decision.id"), nullable=False),
        sa.Column("step", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("refers_to", sa.String(26), nullable=True),
        sa.Column("reply_by", sa.String(10), nullable=True),
        sa.Column("origin_state", sa.String(32), nullable=True),
        sa.Column("outcome", sa.String(32), nullable=True),
        sa.Column("content_sha256", sa.String(71), nullable=False),
        sa.Column("items_json", sa.Text(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_communication_application_id", "communication", ["application_id"])
    op.create_index("ix_communication_decision_id", "communication", ["decision_id"])
    op.create_table(
        "decision_change",
        sa.Column("id", sa.String(26), primary_key=True),
        sa.Column("application_id", sa.String(64), sa.ForeignKey("application.id"), nullable=False),
        sa.Column("decision_id", sa.String(26), sa.ForeignKey("decision.id"), nullable=False),
        sa.Column("old_sign_off_id", sa.String(26), sa.ForeignKey("sign_off.id"), nullable=False, unique=True),
        sa.Column("new_sign_off_id", sa.String(26), sa.ForeignKey("sign_off.id"), nullable=False, unique=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("ground", sa.String(32), nullable=True),
        sa.Column("disadvantage", sa.Boolean(), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_decision_change_application_id", "decision_change", ["application_id"])
    _append_only()
    from adapters.driven.db import roles

    roles.apply(op.get_bind())  # the runtime and purge roles' grants on the new tables


def _allowed(kept: tuple[str, ...], personal: tuple[str, ...], same: str) -> str:
    """The condition under which an UPDATE is the lawful purge (and nothing else)."""
    if not personal:
        return "FALSE" if same == "IS NOT DISTINCT FROM" else "0"
    parts = [f"NEW.{c} {same} OLD.{c}" for c in kept]
    parts += [f"NEW.{c} IS NULL" for c in personal]
    parts.append("NEW.purged_at IS NOT NULL")
    return " AND ".join(parts)


def _append_only() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table, (kept, personal) in APPEND_ONLY.items():
            op.execute(f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
                       f"WHEN NOT ({_allowed(kept, personal, 'IS')}) "
                       f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END")
            op.execute(f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
                       f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END")
        return
    for table, (kept, personal) in APPEND_ONLY.items():
        op.execute(
            f"CREATE OR REPLACE FUNCTION finaid_{table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN IF TG_OP = 'UPDATE' AND ({_allowed(kept, personal, 'IS NOT DISTINCT FROM')}) THEN RETURN NEW; "
            f"END IF; RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$"
        )
        op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                   f"FOR EACH ROW EXECUTE FUNCTION finaid_{table}_append_only()")
        op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                   "FOR EACH STATEMENT EXECUTE FUNCTION finaid_append_only()")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY:
            op.execute(f"DROP FUNCTION IF EXISTS finaid_{table}_append_only() CASCADE")
    for table in ("decision_change", "communication", "case_note"):
        op.drop_table(table)
