"""The workbench's queue under load (issue 17): one partial index over the applications waiting for a sign-off.

Revision ID: 0014
Revises: 0013

``ix_application_queue``: the applications in the queue's states (proposed, awaiting a second signature) by their
current decision, carrying the columns the scope rule and the state filter read (municipality, protected, state).
The queue page counts its rows from this index alone, finds a queued application from a decision (the queue's
oldest-first walk and the finding filter's choices, adapters/driving/web/queries.py) with one probe, and it holds
only the queue — small however many decisions are stored. No data changes; nothing else reads it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

QUEUED = sa.text("state IN ('proposed', 'awaiting_second_signature')")


def upgrade() -> None:
    op.create_index("ix_application_queue", "application", ["current_decision_id"],
                    postgresql_where=QUEUED, postgresql_include=["municipality", "protected", "state"],
                    sqlite_where=QUEUED)


def downgrade() -> None:
    op.drop_index("ix_application_queue", table_name="application")
