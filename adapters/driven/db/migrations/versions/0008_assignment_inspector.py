"""A handler's day: who a case is assigned to ("Mina ärenden"; take / hand over) and the inspector role.

``application.assigned_to`` (a user id) and ``assigned_at``: set by taking a case or handing it over
(adapters/driven/db/assignments.py), each an audit event (``case_taken``, ``case_handed_over``). Not
personal data (a user id of the municipality's own staff). The ``inspector`` role (IVO, JO: tillsyn,
read-only, a stated purpose before every case; docs/roles.md). On PostgreSQL the runtime role's grants are
applied again so that it may update the new columns (adapters/driven/db/roles.py).

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

INSPECTOR = ("inspector", "Tillsynsgranskare (IVO, JO): läser ärenden för tillsyn efter angivet syfte; ändrar inget")


def upgrade() -> None:
    from adapters.driven.db import roles

    with op.batch_alter_table("application") as batch_op:
        batch_op.add_column(sa.Column("assigned_to", sa.String(26), nullable=True))
        batch_op.add_column(sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_application_assigned_to", ["assigned_to"], unique=False)
    table = sa.table("roles", sa.column("name", sa.String), sa.column("description", sa.String))
    op.bulk_insert(table, [{"name": INSPECTOR[0], "description": INSPECTOR[1]}])
    roles.apply(op.get_bind())  # the runtime role may update the new columns (idempotent)


def downgrade() -> None:
    op.execute("DELETE FROM user_roles WHERE role = 'inspector'")
    op.execute("DELETE FROM roles WHERE name = 'inspector'")
    with op.batch_alter_table("application") as batch_op:
        batch_op.drop_index("ix_application_assigned_to")
        batch_op.drop_column("assigned_at")
        batch_op.drop_column("assigned_to")
