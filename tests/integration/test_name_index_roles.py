"""The keyed name index on PostgreSQL (migration 0012): ``finaid_runtime`` may SELECT and INSERT only;
``finaid_purge`` may also DELETE (gallring) and nothing else more; ``roles.check`` agrees (``finaid doctor``)."""

from __future__ import annotations

import pytest

from adapters.driven.db import roles
from tests.integration.conftest import TestDatabase


def test_the_name_index_is_insert_only_for_the_runtime_role_and_deleted_only_by_the_purge_role(
        database: TestDatabase) -> None:
    if database.backend != "postgresql":
        pytest.skip("roles are PostgreSQL's")
    if database.scalar("SELECT count(*) FROM pg_roles WHERE rolname IN ('finaid_runtime', 'finaid_purge')") != 2:
        pytest.skip("the roles do not exist (the migrating user lacks CREATEROLE)")
    table = f"{database.schema}.name_index"
    for role, deletes in (("finaid_runtime", False), ("finaid_purge", True)):
        privileges = {p: database.scalar("SELECT has_table_privilege(:r, :t, :p)", r=role, t=table, p=p)
                      for p in ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE")}
        assert privileges == {"SELECT": True, "INSERT": True, "UPDATE": False, "DELETE": deletes, "TRUNCATE": False}
    with database.db.engine.connect() as conn:
        assert "name_index" in roles._tables(conn)  # the check looked at it
        assert [p for p in roles.check(conn) if "name_index" in p] == []
