"""Single sign-on and a second factor: who a user is at the identity provider (issuer and subject, unique
together) and the local-password users' TOTP (RFC 6238) secret — encrypted, never in logs — with when it was
enrolled and the last time step used (a code is accepted once). Re-grants ``finaid_runtime`` and
``finaid_purge`` (``users`` is theirs in full, adapters/driven/db/roles.py).

Revision ID: 0009
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from adapters.driven.db import roles

    op.add_column("users", sa.Column("idp_issuer", sa.String(255), nullable=True))
    op.add_column("users", sa.Column("idp_subject", sa.String(255), nullable=True))
    op.add_column("users", sa.Column("totp_secret", sa.String(255), nullable=True))
    op.add_column("users", sa.Column("totp_enrolled_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("users", sa.Column("totp_last_step", sa.BigInteger(), nullable=True))
    op.create_index("ix_users_idp", "users", ["idp_issuer", "idp_subject"], unique=True)
    roles.apply(op.get_bind())  # idempotent: the runtime and purge roles keep their grants on users


def downgrade() -> None:
    op.drop_index("ix_users_idp", table_name="users")
    with op.batch_alter_table("users") as batch:
        for column in ("totp_last_step", "totp_enrolled_at", "totp_secret", "idp_subject", "idp_issuer"):
            batch.drop_column(column)
