"""The earlier decision a supplementary application (case bundle /2) was decided against.

Revision ID: 0011
Revises: 0010

One row per decision of a supplementary application (``decision_earlier``): the signed decision it was
decided against, with the total decided and when it was signed, so that replay passes the same one
(decision/services/supplementary.py). Append-only for ``finaid_runtime``; only ``finaid_purge`` may blank
the amount (adapters/driven/db/roles.py, run again here).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "decision_earlier",
        sa.Column("decision_id", sa.String(length=26), nullable=False),
        sa.Column("earlier_decision_id", sa.String(length=26), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("total_ore", sa.BigInteger(), nullable=True),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["decision_id"], ["decision.id"]),
        sa.PrimaryKeyConstraint("decision_id"),
    )
    op.create_index("ix_decision_earlier_earlier_decision_id", "decision_earlier", ["earlier_decision_id"])
    from adapters.driven.db import roles

    roles.apply(op.get_bind())  # idempotent: finaid_runtime SELECT, INSERT; finaid_purge may blank total_ore


def downgrade() -> None:
    op.drop_index("ix_decision_earlier_earlier_decision_id", table_name="decision_earlier")
    op.drop_table("decision_earlier")
