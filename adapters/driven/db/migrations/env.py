"""Alembic environment: runs on the connection finaid hands it (see adapters/driven/db/migrate.py)."""

from __future__ import annotations

from alembic import context

from adapters.driven.db import (
    models_casework,  # noqa: F401  (its tables share Base)
    names,  # noqa: F401  (the name index shares Base)
)
from adapters.driven.db.models import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
