"""Handlers sign in through the municipality's identity provider (a real oidc-provider on loopback): the round
trip lands in the queue with the role and units the group map gives, a person in no mapped group is refused in
Swedish, and logout ends finaid's session and the provider's."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from adapters.driven.db.engine import Database
from adapters.driving.web.accounts import add_user
from adapters.driving.web.app import WebConfig, create_app
from adapters.driving.web.config import sso_config
from adapters.settings import Settings
from tests.integration.oidc.conftest import AFTER_LOGOUT, APP, GROUP_MAP, REDIRECT, Browser, Provider, fresh_copy

KEY = b"finaid-oidc-test-hmac-key-0123456789"
CONTINUE = re.compile(r'<meta http-equiv="refresh" content="0;url=([^"]+)">')
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class App:
    __test__ = False

    def __init__(self, db: Database, client: TestClient) -> None:
        self.db, self.client = db, client

    def scalar(self, sql: str, **params: Any) -> Any:
        with self.db.engine.connect() as conn:
            return conn.execute(sa.text(sql), params).scalar()

    def events(self, event: str) -> list[dict[str, Any]]:
        with self.db.engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT payload FROM audit_event WHERE event = :e ORDER BY seq"), {"e": event})
            return [json.loads(r[0]) for r in rows]

    def roles(self, username: str) -> list[str]:
        with self.db.engine.connect() as conn:
            return sorted(conn.execute(sa.text(
                "SELECT r.role FROM user_roles r JOIN users u ON u.id = r.user_id WHERE u.username = :u"),
                {"u": username}).scalars())

    def units(self, username: str) -> list[str]:
        with self.db.engine.connect() as conn:
            return sorted(conn.execute(sa.text(
                "SELECT x.unit_id FROM user_units x JOIN users u ON u.id = x.user_id WHERE u.username = :u"),
                {"u": username}).scalars())

    def sign_in(self, browser: Browser, login: str, next_path: str = "/queue") -> Any:
        """The handler's browser: finaid's SSO link, the provider's login page, back to finaid's callback."""
        r = self.client.get(f"/login/oidc?next={next_path}", follow_redirects=False)
        assert r.status_code == 303, r.text
        back = browser.sign_in(r.headers["location"], login)
        assert back.startswith(REDIRECT), back
        parts = urlsplit(back)
        return self.client.get(f"{parts.path}?{parts.query}", follow_redirects=False)


@pytest.fixture
def app(provider: Provider, migrated: Path, tmp_path: Path) -> Iterator[App]:
    db = Database(f"sqlite:///{fresh_copy(migrated, tmp_path)}")
    cfg = Settings(oidc_issuer=provider.issuer, oidc_client_id=provider.client_id,
                   oidc_client_secret=provider.client_secret, oidc_group_map=json.dumps(GROUP_MAP),
                   oidc_scopes="openid profile groups", web_url=APP)
    config = WebConfig(demo=False, secure_cookies=True, hmac_key=KEY, pdf=False, sso=sso_config(cfg))
    client = TestClient(create_app(config, db), base_url=APP)
    try:
        yield App(db, client)
    finally:
        client.close()
        db.dispose()


def test_a_handler_signs_in_through_the_provider_and_lands_in_the_queue(app: App, browser: Browser) -> None:
    page = app.client.get("/login")
    assert "Logga in med kommunens inloggning" in page.text
    r = app.sign_in(browser, "anna")
    assert r.status_code == 200
    target = CONTINUE.search(r.text)
    assert target and target.group(1) == "/queue"
    queue = app.client.get("/queue", follow_redirects=False)
    assert queue.status_code == 200
    assert "Anna Andersson" in queue.text and "Handläggare" in queue.text
    assert app.roles("anna") == ["handler"] and app.units("anna") == ["nord"]
    assert app.scalar("SELECT password_hash FROM users WHERE username = 'anna'") is None
    assert app.events("login")  # a session began, as after a password login


def test_the_groups_give_the_supervisor_both_units(app: App, browser: Browser) -> None:
    assert app.sign_in(browser, "bertil").status_code == 200
    assert app.roles("bertil") == ["supervisor"] and app.units("bertil") == ["nord", "syd"]
    assert "Arbetsledare" in app.client.get("/queue").text


def test_a_person_in_no_mapped_group_is_refused_in_swedish(app: App, browser: Browser) -> None:
    r = app.sign_in(browser, "cecilia")
    assert r.status_code == 403
    assert "Du har inte behörighet till finaid" in html.unescape(r.text)
    assert "ingen grupp som ger en roll i finaid" in html.unescape(r.text)
    assert app.client.get("/queue", follow_redirects=False).status_code == 303  # no session
    assert app.events("login_failed")[-1] == {"reason": "no_mapped_group", "method": "oidc"}
    assert app.scalar("SELECT count(*) FROM users") == 0  # nobody is created for a refused person


def test_logout_ends_finaids_session_and_the_providers(app: App, browser: Browser) -> None:
    assert app.sign_in(browser, "anna").status_code == 200
    page = app.client.get("/queue")
    csrf = CSRF.search(page.text)
    assert csrf
    r = app.client.post("/logout", data={"csrf_token": csrf.group(1)}, follow_redirects=False)
    assert r.status_code == 200
    onward = CONTINUE.search(r.text)
    assert onward, r.text
    logout_url = html.unescape(onward.group(1))
    assert logout_url.startswith(browser_issuer(logout_url)) and "id_token_hint=" in logout_url
    assert app.client.get("/queue", follow_redirects=False).status_code == 303  # finaid's session has ended
    after = browser.end_session(logout_url)
    assert after.startswith(AFTER_LOGOUT)
    # the provider's session has ended too: signing in again shows its login page
    r = app.client.get("/login/oidc", follow_redirects=False)
    assert browser.follow(r.headers["location"], APP).startswith("page:")
    assert app.events("logout")


def browser_issuer(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/session/end"


def test_a_local_account_with_the_same_name_is_never_taken_over(app: App, browser: Browser) -> None:
    add_user(app.db, "anna", "Anna Lokal", "ett tillräckligt långt lösenord", ["auditor"], [], "test")
    assert app.sign_in(browser, "anna").status_code == 200
    assert app.roles("anna") == ["auditor"]  # the local account is untouched
    sso_name = app.scalar("SELECT username FROM users WHERE idp_subject = 'anna'")
    assert sso_name.startswith("sso-") and app.roles(sso_name) == ["handler"]


def test_a_forged_callback_is_refused(app: App) -> None:
    r = app.client.get("/login/oidc/callback?code=abc&state=xyz", follow_redirects=False)
    assert r.status_code == 400
    assert "misslyckades" in html.unescape(r.text)
    assert app.client.get("/queue", follow_redirects=False).status_code == 303


def test_a_group_taken_away_at_the_provider_takes_the_role_away(migrated: Path, tmp_path: Path) -> None:
    """The map is applied at every sign-in (sso.sign_in directly, with claims as the provider would validate)."""
    from adapters.driven.identity.oidc import Claims
    from adapters.driving.web.sso import sign_in

    db = Database(f"sqlite:///{fresh_copy(migrated, tmp_path)}")
    cfg = Settings(oidc_issuer="https://login.kommun.se/realms/finaid", oidc_client_id="finaid",
                   oidc_client_secret="x" * 32, oidc_group_map=json.dumps(GROUP_MAP), web_url=APP)
    sso = sso_config(cfg)
    assert sso is not None

    def claims(*groups: str) -> Claims:
        return Claims(issuer=sso.oidc.issuer, subject="s-1", groups=groups, id_token="t",
                      claims={"preferred_username": "dora", "name": "Dora Dahl"})

    site = App(db, None)  # type: ignore[arg-type]
    try:
        assert sign_in(db, claims("fs-handlaggare-nord", "fs-arbetsledare"), sso).ok
        assert site.roles("dora") == ["handler", "supervisor"] and site.units("dora") == ["nord", "syd"]
        assert sign_in(db, claims("fs-handlaggare-nord"), sso).ok
        assert site.roles("dora") == ["handler"] and site.units("dora") == ["nord"]
        refused = sign_in(db, claims("alla-anstallda"), sso)
        assert not refused.ok and refused.failure == "no_mapped_group"
        assert site.roles("dora") == [] and site.units("dora") == []
        changes = site.events("roles_changed")
        assert changes[-1] == {"before": ["handler"], "after": []}
    finally:
        db.dispose()
