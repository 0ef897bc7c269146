"""The e-service's e-identification against the real OpenID Connect provider (oidc-provider on loopback, see
conftest.py): a citizen signs in on the provider's page and is logged in to the e-service with the personnummer
of the configured claim (``FINAID_ETJANST_PNR_CLAIM``); a login whose ID token lacks the claim is refused in
Swedish, nothing logged in, an audit event. Over HTTP (httpx for the provider's pages, TestClient for the app)."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from adapters.driven.clock import DemoClock
from adapters.driven.db.engine import Database
from adapters.driven.db.etjanst_models import CitizenSession
from adapters.driven.db.models import AuditEvent
from adapters.driven.identity.oidc import OidcClient, OidcConfig
from adapters.driven.virus import ClamdScanner
from adapters.driving.etjanst.app import create_etjanst_app
from adapters.driving.etjanst.config import EtjanstConfig
from adapters.driving.etjanst.identity import OidcCitizens
from tests.integration.etjanst.kit import KEY, TODAY
from tests.integration.oidc.conftest import (
    CLIENT_SECRET,
    ETJANST,
    ETJANST_CLIENT_ID,
    Browser,
    Provider,
    fresh_copy,
)

CLAIM = "personal_number"


def etjanst(db: Database, provider: Provider) -> TestClient:
    """The e-service as ``finaid etjanst serve`` wires its e-identification (app.py), on the test provider."""
    client = OidcClient(OidcConfig(provider.issuer, ETJANST_CLIENT_ID, CLIENT_SECRET, scopes=("openid",),
                                   claims=(CLAIM,)))
    identity = OidcCitizens(client, f"{ETJANST}/login/eid/callback", CLAIM)
    app = create_etjanst_app(EtjanstConfig(demo=False, secure_cookies=False, hmac_key=KEY, login_per_minute=50),
                             db, identity=identity, scanner=ClamdScanner("tcp:127.0.0.1:9"), clock=DemoClock(TODAY))
    return TestClient(app, base_url=ETJANST)


def callback_path(url: str) -> str:
    assert url.startswith(f"{ETJANST}/login/eid/callback?"), url
    return url.removeprefix(ETJANST)


def test_a_citizen_logs_in_with_the_claims_personnummer_and_one_without_it_is_refused(
        provider: Provider, migrated: Path, tmp_path: Path, browser: Browser) -> None:
    db = Database(f"sqlite:///{fresh_copy(migrated, tmp_path)}")
    try:
        app = etjanst(db, provider)
        r = app.get("/login/eid?next=/mina-uppgifter", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith(provider.issuer)
        back = browser.sign_in(r.headers["location"], "medborgare")
        done = app.get(callback_path(back))
        assert done.status_code == 200 and 'content="0;url=/mina-uppgifter"' in done.text
        assert "finaid_etjanst_session" in app.cookies
        assert app.get("/mina-uppgifter").status_code == 200  # logged in
        with db.read() as s:  # as the person the claim names (the session holds the personnummer until it ends)
            assert s.execute(select(CitizenSession.personnummer)).scalars().all() == ["198507092388"]

        other = etjanst(db, provider)
        fresh = Browser()  # another person's browser: no session at the provider yet
        try:
            r = other.get("/login/eid", follow_redirects=False)
            back = fresh.sign_in(r.headers["location"], "utan-nummer")
        finally:
            fresh.close()
        refused = other.get(callback_path(back))
        assert refused.status_code == 403 and "Inloggningen" in refused.text and 'lang="sv"' in refused.text
        assert "finaid_etjanst_session" not in other.cookies
        assert other.get("/", follow_redirects=False).status_code == 303  # still logged out
        with db.read() as s:
            failed = s.execute(select(AuditEvent.payload).where(AuditEvent.event == "etjanst_login_failed")).scalars()
            assert any('"claim"' in p for p in failed)
            assert len(s.execute(select(CitizenSession.id_hash)).all()) == 1  # no session for the refused one
    finally:
        db.dispose()
