"""Intake stores the members' names as keyed tokens (never in clear); gallring removes them with the case."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from audit.access import name_key, person_key
from decision.names import tokens
from decision.services import intake
from decision.services.retention import Exemptions, purge
from tests.unit.services.conftest import KEY, Clock
from tests.unit.services.fakes import FakeUnitOfWork

V2 = Path(__file__).resolve().parents[3] / "examples" / "bundles-v2"


def _bundle() -> object:
    from decision.validation import parse_bundle

    return parse_bundle(next(V2.glob("21-*.json")).read_bytes())


@pytest.fixture
def sql(tmp_path: Path) -> Iterator[tuple[object, object]]:
    from adapters.driven.db import migrate
    from adapters.driven.db.engine import Database
    from adapters.driven.db.uow import SqlUnitOfWork

    db = Database(f"sqlite:///{tmp_path / 'finaid.db'}")
    migrate.upgrade(db)
    yield SqlUnitOfWork(db, lambda p: person_key(KEY, p), KEY), db
    db.dispose()


def test_intake_indexes_every_named_member_by_keys_only(sql: tuple[object, object]) -> None:
    uow, db = sql
    bundle = _bundle()
    intake.receive(uow, bundle, "user:t", Clock().now())  # type: ignore[arg-type]
    intake.receive(uow, bundle, "user:t", Clock().now())  # type: ignore[arg-type]  # same content: nothing new
    with db.engine.connect() as c:  # type: ignore[attr-defined]
        rows = {tuple(r) for r in c.execute(sa.text("SELECT application_id, person_key, token_key FROM name_index"))}
    app = bundle.application  # type: ignore[attr-defined]
    assert rows == {(app.id, person_key(KEY, m.personnummer), name_key(KEY, t))
                    for m in app.household for t in tokens(str(m.name))}
    dump = " ".join(" ".join(r) for r in rows).casefold()
    assert not any(t in dump for m in app.household for t in tokens(str(m.name)))


def test_gallring_deletes_the_index_rows_with_the_case(sql: tuple[object, object]) -> None:
    uow, db = sql
    intake.receive(uow, _bundle(), "user:t", Clock().now())  # type: ignore[arg-type]
    result = purge(uow, Clock(), date(2100, 1, 1), Exemptions(frozenset(), frozenset(), frozenset()),  # type: ignore[arg-type]
                   "system:gallring")
    assert len(result.purged) == 1
    with db.engine.connect() as c:  # type: ignore[attr-defined]
        assert c.execute(sa.text("SELECT count(*) FROM name_index")).scalar() == 0


def test_the_fake_unit_of_work_indexes_and_purges_alike() -> None:
    uow = FakeUnitOfWork(person_key=True)
    intake.receive(uow, _bundle(), "user:t", Clock().now())  # type: ignore[arg-type]
    assert len(uow.committed.names) == sum(len(tokens(str(m.name))) for m in _bundle().application.household)  # type: ignore[attr-defined]
    purge(uow, Clock(), date(2100, 1, 1), Exemptions(frozenset(), frozenset(), frozenset()), "system:gallring")
    assert uow.committed.names == set()
    assert FakeUnitOfWork().name_key("anna") is None  # no key configured: nothing is indexed
