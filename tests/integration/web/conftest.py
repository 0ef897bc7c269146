"""Web app fixtures: a decided database (every example bundle) copied per test, the app on it, and
logged-in clients for the demo accounts (FastAPI TestClient over https, so Secure cookies travel).
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from adapters.driven.db import migrate
from adapters.driven.db.access import AccessLog
from adapters.driven.db.engine import Database
from adapters.driven.db.store import CaseStore
from adapters.driving.web.app import WebConfig, create_app
from adapters.driving.web.auth import Identity, load_identity
from adapters.driving.web.demo_accounts import demo_password, ensure_demo
from adapters.driving.web.roles import Role
from audit.access import person_key
from decision.bundle import CaseBundle
from decision.validation import parse_bundle
from tests.decide import Outcome, decide_and_store
from tests.services import SERVICES

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "examples" / "bundles"
KEY = b"finaid-web-test-hmac-key-0123456789"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
INJECTION = "<script>alert('x')</script>\"'; DROP TABLE application; -- <b>fet</b>"


def example(name: str) -> CaseBundle:
    return parse_bundle(next(EXAMPLES.glob(f"{name}-*.json")).read_bytes())


def csrf(html: str) -> str:
    m = CSRF.search(html)
    assert m, "no csrf token in the page"
    return m.group(1)


@pytest.fixture(scope="session")
def decided_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database with every example decided and the demo accounts, made once per session."""
    path = tmp_path_factory.mktemp("web-template") / "finaid.db"
    db = Database(f"sqlite:///{path}")
    migrate.upgrade(db)
    store = CaseStore(db, person_key=lambda p: person_key(KEY, p))
    access = AccessLog(db, KEY)
    pipeline = SERVICES.pipeline
    for file in sorted(EXAMPLES.glob("*.json")):
        decide_and_store(parse_bundle(file.read_bytes()), pipeline=pipeline, catalog=SERVICES.catalog,
                         store=store, access=access, actor="cli:test")
    ensure_demo(db)
    db.dispose()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return path


@dataclass
class Web:
    """One test's database and app, with helpers."""

    __test__ = False

    db: Database
    path: Path
    config: WebConfig
    app: Any = None
    clients: list[TestClient] = field(default_factory=list)

    def make_app(self, **changes: Any) -> Any:
        for k, v in changes.items():
            setattr(self.config, k, v)
        self.app = create_app(self.config, self.db)
        return self.app

    def client(self) -> TestClient:
        c = TestClient(self.app, base_url="https://testserver", raise_server_exceptions=True)
        self.clients.append(c)
        return c

    def login(self, username: str, password: str | None = None, client: TestClient | None = None) -> TestClient:
        c = client or self.client()
        page = c.get("/login")
        r = c.post("/login", data={"csrf_token": csrf(page.text), "username": username,
                                   "password": password if password is not None else demo_password(username),
                                   "next": "/"}, follow_redirects=False)
        assert r.status_code == 303
        return c

    def identity(self, username: str) -> Identity:
        with self.db.read() as s:
            uid = s.execute(sa.text("SELECT id FROM users WHERE username = :u"), {"u": username}).scalar_one()
            ident = load_identity(s, uid, self.config.protected_roles)
        assert ident is not None
        return ident

    @property
    def store(self) -> CaseStore:
        return CaseStore(self.db, person_key=lambda p: person_key(KEY, p))

    def decide(self, bundle: CaseBundle) -> Outcome:
        return decide_and_store(bundle, pipeline=SERVICES.pipeline, catalog=SERVICES.catalog, store=self.store,
                                access=AccessLog(self.db, KEY), actor="cli:test")

    def scalar(self, sql: str, **params: Any) -> Any:
        with self.db.engine.connect() as conn:
            return conn.execute(sa.text(sql), params).scalar()

    def rows(self, sql: str, **params: Any) -> list[Any]:
        with self.db.engine.connect() as conn:
            return list(conn.execute(sa.text(sql), params))

    def line(self, app_id: str, rule: str) -> tuple[int, int]:
        """(index, amount in öre) of the first line of ``rule`` in the case's current proposal."""
        basis = json.loads(self.scalar(
            "SELECT d.basis_json FROM decision d JOIN application a ON a.current_decision_id = d.id WHERE a.id = :i",
            i=app_id))
        for i, line in enumerate(basis["lines"]):
            if line["rule"] == rule:
                whole, _, frac = line["amount"].partition(".")
                return i, int(whole) * 100 + int(frac or 0)
        raise KeyError(rule)

    def decision_id(self, app_id: str) -> str:
        return str(self.scalar("SELECT current_decision_id FROM application WHERE id = :i", i=app_id))

    def state(self, app_id: str) -> str:
        return str(self.scalar("SELECT state FROM application WHERE id = :i", i=app_id))

    def events(self, event: str) -> list[dict[str, Any]]:
        return [json.loads(r[0]) for r in self.rows("SELECT payload FROM audit_event WHERE event = :e ORDER BY seq",
                                                   e=event)]


@pytest.fixture
def web(decided_template: Path, tmp_path: Path) -> Iterator[Web]:
    path = tmp_path / "finaid.db"
    shutil.copy(decided_template, path)
    db = Database(f"sqlite:///{path}")
    config = WebConfig(demo=True, secure_cookies=True, hmac_key=KEY, pdf=False,
                       protected_roles=frozenset({Role.SUPERVISOR}))
    w = Web(db, path, config)
    w.make_app()
    try:
        yield w
    finally:
        for c in w.clients:
            c.close()
        db.dispose()




@pytest.fixture
def ids(web: Web) -> dict[str, str]:
    """Application ids by example number (read from the bundles, not guessed)."""
    out = {}
    for file in EXAMPLES.glob("*.json"):
        out[file.name[:2]] = json.loads(file.read_text())["application"]["id"]
    return out


Login = Callable[[str], TestClient]
