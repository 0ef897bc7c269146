"""The applicant's contact for notifications (Mina uppgifter → Avisering; docs/etjanst.md).

Revision ID: 0013
Revises: 0012

One row per person who gave an e-mail address or a mobile number, keyed by the keyed HMAC of the personnummer
(the access log's); the address and number are personal content: the person removes them, retention blanks
them (adapters/driven/db/etjanst_retention.py). The runtime role gets its grants by ``roles.apply``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "etjanst_contact",
        sa.Column("person_key", sa.String(64), primary_key=True),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("mobile", sa.String(16), nullable=True),
        sa.Column("consented_at", TZ, nullable=True),
        sa.Column("updated_at", TZ, nullable=False),
        sa.Column("purged_at", TZ, nullable=True),
    )
    from adapters.driven.db import roles

    roles.apply(op.get_bind())  # idempotent: the new table's grants


def downgrade() -> None:
    op.drop_table("etjanst_contact")
