"""Batch claims (lease, attempt number) on applications, and the batch_run table.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("application") as batch:
        batch.add_column(sa.Column("claimed_by", sa.String(length=128), nullable=True))
        batch.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("claim_attempt", sa.Integer(), nullable=False, server_default="0"))
        batch.create_index("ix_application_claimable", ["state", "lease_until", "updated_at"])
    op.create_table(
        "batch_run",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("host", sa.String(length=128), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("workers", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("counts", sa.Text(), nullable=True),
        sa.Column("report_path", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_batch_run_started_at", "batch_run", ["started_at"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "DO $$ BEGIN IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'finaid_runtime') THEN "
            "GRANT SELECT, INSERT, UPDATE, DELETE ON batch_run TO finaid_runtime; END IF; END $$"
        )


def downgrade() -> None:
    op.drop_index("ix_batch_run_started_at", table_name="batch_run")
    op.drop_table("batch_run")
    with op.batch_alter_table("application") as batch:
        batch.drop_index("ix_application_claimable")
        batch.drop_column("claim_attempt")
        batch.drop_column("lease_until")
        batch.drop_column("claimed_by")
