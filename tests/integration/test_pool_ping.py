"""PostgreSQL connections are pinged only after sitting idle in the pool (adapters/driven/db/engine.py): an idle
connection whose server process is gone is replaced before use; a connection in steady use is not pinged (no
round trip per checkout), and when it breaks the pool connects anew on the next checkout."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from adapters.driven.db.engine import make_engine
from tests.integration.conftest import PG_URL

pytestmark = pytest.mark.pg


def _kill(url: str, pid: int) -> None:
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as conn:
        assert conn.execute(sa.text("SELECT pg_terminate_backend(:p)"), {"p": pid}).scalar_one()
    admin.dispose()


def _backend(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one())


@pytest.fixture()
def url() -> str:
    if not PG_URL:
        pytest.skip("FINAID_TEST_PG_URL is not set")
    return PG_URL


def test_an_idle_connection_to_a_gone_server_process_is_replaced_before_use(url: str) -> None:
    engine = make_engine(url, ping_after_idle_s=0.0)  # every checkout counts as idle here
    try:
        first = _backend(engine)
        _kill(url, first)
        second = _backend(engine)  # the ping failed, the pool connected anew: no error reaches the caller
        assert second != first
    finally:
        engine.dispose()


def test_a_connection_in_steady_use_is_not_pinged_and_a_break_is_recovered_on_the_next_checkout(url: str) -> None:
    engine = make_engine(url, ping_after_idle_s=3600.0)
    try:
        first = _backend(engine)
        assert _backend(engine) == first  # the same pooled connection
        _kill(url, first)
        with pytest.raises(sa.exc.OperationalError):  # not pinged: the dead connection is used and fails
            _backend(engine)
        assert _backend(engine) != first  # the disconnect invalidated the pool: a new connection
    finally:
        engine.dispose()
