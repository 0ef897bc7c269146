"""A partial index on protected-identity decisions.

Revision ID: 0004
Revises: 0003

``audit query`` counts the protected-identity decisions a query matches instead of listing them;
without this index that count scanned the whole ``decision`` table (benchmarks/audit.py).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_decision_protected", "decision", ["decided_at", "id"],
        postgresql_where=sa.text("protected IS true"), sqlite_where=sa.text("protected IS 1"),
    )


def downgrade() -> None:
    op.drop_index("ix_decision_protected", table_name="decision")
