"""The keyed name index (search by name, case bundle /2's ``household[].name``).

Revision ID: 0012
Revises: 0011

One row per (application, person, name token), each a keyed HMAC under the access-log key — never the clear
name (decision/names.py). ``finaid_runtime`` may SELECT and INSERT; only ``finaid_purge`` may DELETE, which
gallring does with the case (adapters/driven/db/roles.py, run again here). Applications stored before this
migration have no rows: they are found by personnummer, not by name, until a new revision is stored.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "name_index",
        sa.Column("application_id", sa.String(length=64), nullable=False),
        sa.Column("person_key", sa.String(length=64), nullable=False),
        sa.Column("token_key", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["application_id"], ["application.id"]),
        sa.PrimaryKeyConstraint("application_id", "person_key", "token_key"),
    )
    op.create_index("ix_name_index_token_key", "name_index", ["token_key"])
    from adapters.driven.db import roles

    roles.apply(op.get_bind())  # idempotent: finaid_runtime SELECT, INSERT; finaid_purge also DELETE


def downgrade() -> None:
    op.drop_index("ix_name_index_token_key", table_name="name_index")
    op.drop_table("name_index")
