"""Local passwords outside demo mode need a second factor (TOTP, RFC 6238): enrolment at the first login (the
secret shown once, stored encrypted), a code at every login, a wrong or reused code refused, lockout, and
``finaid users totp-reset``. Demo mode keeps the demo accounts password-only. Pure HTTP (FastAPI's TestClient)."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from adapters.driven.db.engine import Database
from adapters.driven.identity import totp
from adapters.driving.web.accounts import add_user
from adapters.driving.web.app import WebConfig, create_app
from adapters.driving.web.auth import AuthError
from adapters.driving.web.demo_accounts import demo_password
from adapters.driving.web.second_factor import reset
from tests.integration.oidc.conftest import fresh_copy

KEY = b"finaid-totp-test-hmac-key-0123456789"
PASSWORD = "ett tillräckligt långt lösenord"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
SECRET = re.compile(r"<code>([A-Z2-7]{32})</code>")
FINAID = Path(sys.executable).with_name("finaid")


class Site:
    __test__ = False

    def __init__(self, db: Database, path: Path, demo: bool = False) -> None:
        self.db, self.path = db, path
        self.client = TestClient(create_app(WebConfig(demo=demo, secure_cookies=True, hmac_key=KEY, pdf=False), db),
                                 base_url="https://testserver")

    def password(self, username: str, password: str = PASSWORD) -> Any:
        page = self.client.get("/login")
        return self.client.post("/login", data={"csrf_token": CSRF.search(page.text).group(1),  # type: ignore[union-attr]
                                                "username": username, "password": password, "next": "/queue"},
                                follow_redirects=False)

    def code(self, code: str) -> Any:
        page = self.client.get("/login/totp?next=/queue")
        token = CSRF.search(page.text)
        assert token, page.text
        return self.client.post("/login/totp", data={"csrf_token": token.group(1), "code": code, "next": "/queue"},
                                follow_redirects=False)

    def post_code(self, page_text: str, code: str) -> Any:
        """The code typed into the page just shown (no new page first: an enrolment page keeps its secret)."""
        token = CSRF.search(page_text)
        assert token
        return self.client.post("/login/totp", data={"csrf_token": token.group(1), "code": code, "next": "/queue"},
                                follow_redirects=False)

    def logged_in(self) -> bool:
        return self.client.get("/queue", follow_redirects=False).status_code == 200

    def logout(self) -> None:
        page = self.client.get("/queue")
        self.client.post("/logout", data={"csrf_token": CSRF.search(page.text).group(1)})  # type: ignore[union-attr]

    def user(self, username: str) -> Any:
        with self.db.engine.connect() as conn:
            return conn.execute(sa.text("SELECT * FROM users WHERE username = :u"), {"u": username}).mappings().one()

    def reasons(self) -> list[str]:
        with self.db.engine.connect() as conn:
            return [r[0] for r in conn.execute(sa.text(
                "SELECT payload FROM audit_event WHERE event = 'login_failed' ORDER BY seq"))]


@pytest.fixture
def site(migrated: Path, tmp_path: Path) -> Iterator[Site]:
    path = fresh_copy(migrated, tmp_path)
    db = Database(f"sqlite:///{path}")
    add_user(db, "kim", "Kim Handläggare", PASSWORD, ["handler"], ["nord"], "test")
    s = Site(db, path)
    try:
        yield s
    finally:
        s.client.close()
        db.dispose()


def _now() -> datetime:
    return datetime.now(UTC)


def _enrol(site: Site) -> str:
    r = site.password("kim")
    assert r.status_code == 303 and r.headers["location"].startswith("/login/totp")
    page = site.client.get(r.headers["location"])
    secret = SECRET.search(page.text)
    assert secret, page.text
    assert 'src="data:image/svg+xml' in page.text  # the QR code, drawn in the page
    r = site.post_code(page.text, totp.code_at(secret.group(1), _now()))
    assert r.status_code == 303 and r.headers["location"] == "/queue", r.text
    return secret.group(1)


def test_the_first_login_enrols_and_a_right_code_logs_in(site: Site) -> None:
    r = site.password("kim")
    assert r.status_code == 303 and r.headers["location"] == "/login/totp?next=/queue"
    assert not site.logged_in()  # the password alone opens nothing
    page = site.client.get("/login/totp?next=/queue")
    secret = SECRET.search(page.text)
    assert secret, page.text
    wrong = site.post_code(page.text, "000000" if totp.code_at(secret.group(1), _now()) != "000000" else "111111")
    assert wrong.status_code == 422 and "Koden stämde inte" in html.unescape(wrong.text)
    assert secret.group(1) in wrong.text  # the same secret again (the app holds it already)
    r = site.post_code(wrong.text, totp.code_at(secret.group(1), _now()))
    assert r.status_code == 303 and site.logged_in()
    row = site.user("kim")
    assert row["totp_enrolled_at"] is not None and row["totp_secret"].startswith("v1:")
    assert secret.group(1) not in row["totp_secret"]  # stored encrypted
    with site.db.engine.connect() as conn:
        events = " ".join(r[0] for r in conn.execute(sa.text("SELECT payload FROM audit_event")))
    assert secret.group(1) not in events


def test_a_later_login_asks_for_a_code_and_refuses_a_wrong_or_reused_one(site: Site) -> None:
    secret = _enrol(site)
    site.logout()
    assert site.password("kim").status_code == 303
    page = site.client.get("/login/totp?next=/queue")
    assert "Engångskod" in page.text and secret not in page.text and "<img" not in page.text  # shown once only
    used = totp.code_at(secret, _now())
    r = site.code(used)  # the code the enrolment used: each code counts once
    assert r.status_code == 303 and "failed=1" in r.headers["location"]
    assert not site.logged_in()
    assert '"totp_wrong"' in site.reasons()[-1]
    r = site.code(totp.code_at(secret, _now() + timedelta(seconds=30)))  # the next step's code (drift allowed)
    assert r.status_code == 303 and r.headers["location"] == "/queue" and site.logged_in()


def test_wrong_codes_lock_the_account_like_wrong_passwords(site: Site) -> None:
    secret = _enrol(site)
    site.logout()
    assert site.password("kim").status_code == 303
    right = totp.code_at(secret, _now() + timedelta(seconds=30))
    wrong = "123456" if right != "123456" else "654321"
    for _ in range(5):
        site.code(wrong)
    assert site.user("kim")["locked_until"] is not None
    r = site.code(right)  # even the right code is refused while locked
    assert not site.logged_in() and "failed=1" in r.headers["location"]


def test_no_pending_password_no_code_page(site: Site) -> None:
    r = site.client.get("/login/totp", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    r = site.client.post("/login/totp", data={"csrf_token": "x", "code": "123456"}, follow_redirects=False)
    assert r.status_code == 303 and not site.logged_in()


def test_finaid_users_totp_reset_makes_the_next_login_enrol_again(site: Site) -> None:
    _enrol(site)
    env = {k: v for k, v in os.environ.items() if not k.startswith("FINAID_")}
    env.update(FINAID_DB_URL=f"sqlite:///{site.path}", FINAID_HMAC_KEY=KEY.decode(), FINAID_ACTOR="cli:operator")
    r = subprocess.run([str(FINAID), "users", "totp-reset", "kim"], capture_output=True, text=True, env=env,
                       timeout=120, check=False)
    assert r.returncode == 0, r.stderr
    assert "kim: TOTP cleared" in r.stderr
    assert not site.logged_in()  # the reset ended the session
    assert site.user("kim")["totp_secret"] is None
    assert site.password("kim").status_code == 303
    assert SECRET.search(site.client.get("/login/totp").text)  # a new enrolment
    with pytest.raises(AuthError, match="no user named ingen"):
        reset(site.db, "ingen", "cli:operator")


def test_demo_mode_keeps_the_demo_accounts_password_only(migrated: Path, tmp_path: Path) -> None:
    path = fresh_copy(migrated, tmp_path)
    db = Database(f"sqlite:///{path}")
    site = Site(db, path, demo=True)
    try:
        r = site.password("handlaggare1", demo_password("handlaggare1"))
        assert r.status_code == 303 and r.headers["location"] == "/queue" and site.logged_in()
    finally:
        site.client.close()
        db.dispose()


def test_the_secret_box_refuses_another_key_or_another_users_row() -> None:
    box = totp.SecretBox(KEY)
    sealed = box.seal("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", "user-1")
    assert box.open(sealed, "user-1") == "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    assert box.open(sealed, "user-2") is None
    assert totp.SecretBox(b"another-key-0123456789").open(sealed, "user-1") is None
    at = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    code = totp.code_at("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", at)
    step = totp.verify("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", code, at)
    assert step == int(at.timestamp()) // 30
    assert totp.verify("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", code, at, last_step=step) is None
    assert totp.verify("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", code, at + timedelta(minutes=2)) is None
    assert totp.verify("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", "12a456", at) is None
