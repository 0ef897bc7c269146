"""The use-case tests run twice: on the in-memory fake unit of work (no I/O) and on the SQLAlchemy unit of
work over a SQLite file — asserting the same rows and events, so the fake cannot drift from the adapter."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.unit.services.fakes import FakeUnitOfWork

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "examples" / "bundles"
AT = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
KEY = b"services-test-hmac-key-0123456789"


class Clock:
    """A stopped clock that counts its reads (a use case reads it once)."""

    def __init__(self, at: datetime = AT) -> None:
        self.at = at
        self.reads = 0

    def now(self) -> datetime:
        self.reads += 1
        return self.at


class Access:
    """``decision.ports.AccessRecorder`` recording in memory."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, str, str]] = []

    def record(self, actor: str, purpose: str, channel: str, action: str, subject: str, personnummer: Any) -> None:
        self.rows.append((actor, purpose, channel, action, subject))


@dataclass
class Env:
    """A unit of work and a uniform view of what it committed."""

    kind: str
    uow: Any
    db: Any = None

    def applications(self) -> dict[str, dict[str, Any]]:
        cols = ("state", "state_reason", "attempts", "current_decision_id", "current_revision_id", "protected")
        if self.kind == "fake":
            return {i: {c: r[c] for c in cols} for i, r in self.uow.committed.applications.items()}
        with self.db.read() as s:
            rows = s.execute(sa.text(f"SELECT id, {', '.join(cols)} FROM application")).all()
        return {r[0]: {c: (bool(v) if c == "protected" else v) for c, v in zip(cols, r[1:], strict=True)}
                for r in rows}

    def events(self) -> list[tuple[str, str]]:
        """(event, subject kind and the application or decision it names) in chain order."""
        if self.kind == "fake":
            rows = [(e["event"], e["subject"], e["payload"]) for e in self.uow.committed.audit]
        else:
            with self.db.read() as s:
                rows = [(e, sub, json.loads(p)) for e, sub, p in
                        s.execute(sa.text("SELECT event, subject, payload FROM audit_event ORDER BY seq")).all()]
        return [(e, sub) for e, sub, _ in rows]

    def payloads(self) -> list[dict[str, Any]]:
        if self.kind == "fake":
            return [e["payload"] for e in self.uow.committed.audit]
        with self.db.read() as s:
            return [json.loads(p) for (p,) in s.execute(sa.text("SELECT payload FROM audit_event ORDER BY seq"))]

    def table(self, name: str) -> list[dict[str, Any]]:
        if self.kind == "fake":
            t = self.uow.committed
            return list({"application_revision": t.revisions, "decision": t.decisions,
                         "registry_evidence": t.evidence, "sign_off": t.signoffs, "letter": t.letters}[name].values()) \
                if name != "sign_off_override" else list(t.overrides)
        with self.db.read() as s:
            return [dict(r._mapping) for r in s.execute(sa.text(f"SELECT * FROM {name}"))]  # noqa: S608

    def is_open(self) -> bool:
        """A transaction is open (the fake's copy, or the SQL unit of work's session)."""
        return bool(self.uow.is_open if self.kind == "fake" else self.uow._session is not None)

    def count(self, name: str) -> int:
        return len(self.table(name))


@pytest.fixture(params=["fake", "sqlite"])
def env(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Env]:
    if request.param == "fake":
        yield Env("fake", FakeUnitOfWork())
        return
    from adapters.driven.db import migrate
    from adapters.driven.db.engine import Database
    from adapters.driven.db.uow import SqlUnitOfWork

    db = Database(f"sqlite:///{tmp_path / 'finaid.db'}")
    migrate.upgrade(db)
    yield Env("sqlite", SqlUnitOfWork(db, access_key=KEY), db)
    db.dispose()


def example(name: str) -> Any:
    from decision.validation import parse_bundle

    path = next(EXAMPLES.glob(f"{name}*.json"))
    return parse_bundle(path.read_bytes())
