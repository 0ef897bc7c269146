"""Single sign-on in a real browser (Debian's chromium under Playwright): finaid on http://localhost:PORT and the
provider on http://127.0.0.1:PORT are different sites, so this is where SameSite cookies are tried — the login's
cookie must come back on the provider's cross-site redirect, and the Strict session cookie must reach the queue
after it. Then logout, through the provider's own logout page, back to finaid's login page."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from adapters.driven.db.engine import Database
from adapters.driving.web.app import WebConfig, create_app
from adapters.driving.web.config import sso_config
from adapters.settings import Settings
from tests.e2e.browserkit import ARGS, CHROMIUM, NO_CHROMIUM, OUT
from tests.integration.oidc.conftest import BROWSER_CLIENT_ID, GROUP_MAP, USERS, Provider, fresh_copy

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason=NO_CHROMIUM)
KEY = b"finaid-oidc-browser-hmac-key-0123456789"


@pytest.fixture
def finaid(provider: Provider, migrated: Path, tmp_path: Path) -> Iterator[str]:
    import uvicorn

    base = f"http://localhost:{provider.browser_port}"
    db = Database(f"sqlite:///{fresh_copy(migrated, tmp_path)}")
    cfg = Settings(oidc_issuer=provider.issuer, oidc_client_id=BROWSER_CLIENT_ID,
                   oidc_client_secret=provider.client_secret, oidc_group_map=json.dumps(GROUP_MAP),
                   oidc_scopes="openid profile groups", web_url=base)
    config = WebConfig(demo=False, secure_cookies=False, hmac_key=KEY, pdf=False, sso=sso_config(cfg))
    server = uvicorn.Server(uvicorn.Config(create_app(config, db), host="127.0.0.1", port=provider.browser_port,
                                           log_level="error", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=5)
        db.dispose()


def _loopback_only(route: Any) -> None:
    """Nothing leaves the machine: any request to a host other than loopback is refused."""
    host = urlsplit(route.request.url).hostname
    if host in ("127.0.0.1", "localhost"):
        route.continue_()
    else:
        route.abort()


def test_sign_in_and_out_through_the_provider_in_chromium(finaid: str, provider: Provider) -> None:
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            context = browser.new_context()
            context.route("**/*", _loopback_only)
            page = context.new_page()
            page.goto(f"{finaid}/login?next=/queue")
            page.get_by_role("link", name="Logga in med kommunens inloggning").click()
            page.wait_for_url(f"{provider.issuer}/interaction/**")
            page.fill("input[name=login]", "anna")
            page.fill("input[name=password]", str(USERS["anna"]["password"]))
            page.get_by_role("button", name="Logga in").click()
            page.wait_for_url(f"{finaid}/queue", timeout=15000)
            assert "Anna Andersson" in page.content() and "Handläggare" in page.content()
            page.screenshot(path=str(OUT / "sso-queue.png"), full_page=True)
            page.get_by_role("button", name="Logga ut").click()
            page.wait_for_url(f"{provider.issuer}/session/end**")
            page.get_by_role("button", name="Ja, logga ut").click()
            page.wait_for_url(f"{finaid}/login**", timeout=15000)
            assert "Logga in" in page.content()
            page.goto(f"{finaid}/queue")
            page.wait_for_url(f"{finaid}/login**")  # finaid's session has ended
            page.get_by_role("link", name="Logga in med kommunens inloggning").click()
            page.wait_for_url(f"{provider.issuer}/interaction/**")  # and the provider's: it asks again
            assert page.locator("input[name=password]").count() == 1
        finally:
            browser.close()
