"""The applicants' e-service: its sessions, drafts kept until sent, attachments and requests for more
information (komplettering; docs/etjanst.md).

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "etjanst_session",
        sa.Column("id_hash", sa.String(64), primary_key=True),
        sa.Column("personnummer", sa.String(12), nullable=True),
        sa.Column("person_key", sa.String(64), nullable=False, index=True),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("last_seen_at", TZ, nullable=False),
        sa.Column("expires_at", TZ, nullable=False),
        sa.Column("ended_at", TZ, nullable=True),
    )
    op.create_table(
        "etjanst_draft",
        sa.Column("id", sa.String(26), primary_key=True),
        sa.Column("applicant_key", sa.String(64), nullable=False, index=True),
        sa.Column("partner_key", sa.String(64), nullable=True, index=True),
        sa.Column("municipality", sa.String(4), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(24), nullable=False, index=True),
        sa.Column("data_json", sa.Text, nullable=True),
        sa.Column("applicant_signed_at", TZ, nullable=True),
        sa.Column("partner_signed_at", TZ, nullable=True),
        sa.Column("application_id", sa.String(64), nullable=True, index=True),
        sa.Column("sent_at", TZ, nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.Column("purged_at", TZ, nullable=True),
    )
    op.create_table(
        "etjanst_attachment",
        sa.Column("id", sa.String(26), primary_key=True),
        sa.Column("draft_id", sa.String(26), nullable=False, index=True),
        sa.Column("application_id", sa.String(64), nullable=True, index=True),
        sa.Column("media_type", sa.String(32), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("label", sa.String(200), nullable=True),
        sa.Column("content", sa.LargeBinary, nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("purged_at", TZ, nullable=True),
    )
    op.create_table(
        "etjanst_request",
        sa.Column("id", sa.String(26), primary_key=True),
        sa.Column("application_id", sa.String(64), nullable=False, index=True),
        sa.Column("message", sa.Text, nullable=True),
        sa.Column("due_date", sa.String(10), nullable=False),
        sa.Column("requested_by", sa.String(128), nullable=False),
        sa.Column("requested_at", TZ, nullable=False),
        sa.Column("answer", sa.Text, nullable=True),
        sa.Column("answered_at", TZ, nullable=True),
        sa.Column("purged_at", TZ, nullable=True),
    )
    from adapters.driven.db import roles

    roles.apply(op.get_bind())  # finaid_runtime: full DML on these tables (no append-only content)


def downgrade() -> None:
    op.drop_table("etjanst_request")
    op.drop_table("etjanst_attachment")
    op.drop_table("etjanst_draft")
    op.drop_table("etjanst_session")
