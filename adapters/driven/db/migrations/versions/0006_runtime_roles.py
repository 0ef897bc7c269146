"""Least privilege on PostgreSQL: the runtime role may no longer DELETE from the case tables, UPDATE the
append-only sign-off tables or blank personal content; it may read ``alembic_version``; a purge role
``finaid_purge`` is the only one that may blank personal content (adapters/driven/db/roles.py,
docs/operations.md). Nothing changes on SQLite.

Revision ID: 0006
Revises: 0004
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from adapters.driven.db import roles

    roles.apply(op.get_bind())  # idempotent; `finaid db upgrade` runs it again and reports what it did


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    op.execute(
        "DO $$ BEGIN IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'finaid_runtime') THEN "
        "GRANT SELECT, INSERT, UPDATE, DELETE ON application, application_revision, registry_evidence, "
        "decision, decision_use, chain_head TO finaid_runtime; "
        "GRANT SELECT, INSERT, UPDATE ON sign_off, letter TO finaid_runtime; END IF; END $$"
    )
