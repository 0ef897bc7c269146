"""A real OpenID Connect provider on loopback: panva's ``oidc-provider`` (npm, its package-lock committed in
provider/), run with the machine's Node by ``provider/provider.mjs`` on a free port, once per test session.

``make test`` installs it with ``npm ci`` (target ``oidc-provider``); without Node, npm or the installed
package these tests skip, saying which. The provider's users and their groups are below; the browser's part
(the provider's login page, its redirects) is driven with httpx by :func:`sign_in`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pytest

from tests.integration.ops.guide import steps

PROVIDER = Path(__file__).resolve().parent / "provider"
CLIENT_ID = "finaid"  # the client id and secret the operations guide's example settings name
CLIENT_SECRET = "byt-ut-klienthemlighet"  # noqa: S105 - the loopback test provider's (a placeholder in the guide)
APP = "https://testserver"  # the handlers' app under FastAPI's TestClient
BROWSER_CLIENT_ID = "finaid-browser"  # the handlers' app served to chromium (test_sso_browser.py)
REDIRECT = f"{APP}/login/oidc/callback"
AFTER_LOGOUT = f"{APP}/login"
USERS = {
    "anna": {"password": "anna-lösen", "name": "Anna Andersson", "groups": ["fs-handlaggare-nord", "alla-anstallda"]},
    "bertil": {"password": "bertil-lösen", "name": "Bertil Berg", "groups": ["fs-arbetsledare"]},
    "cecilia": {"password": "cecilia-lösen", "name": "Cecilia Claesson", "groups": ["alla-anstallda"]},
    # citizens of the e-service's e-identification (tests/integration/oidc/test_etjanst_eid.py)
    "medborgare": {"password": "medborgare-lösen", "name": "Maja Medborgare", "personal_number": "19850709-2388"},
    "utan-nummer": {"password": "utan-nummer-lösen", "name": "Utan Nummer"},
}
ETJANST = "https://testserver"  # the e-service under FastAPI's TestClient (its own app; the same test host)
ETJANST_CLIENT_ID = "finaid-etjanst"
# the group map is the operations guide's example (docs/operations.md "Single sign-on"), as written
GROUP_MAP = json.loads(steps()["sso-group-map"][1])


@pytest.fixture(scope="session")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty finaid database at the newest schema with units nord and syd, made once; tests copy it."""
    from adapters.driven.db import migrate
    from adapters.driven.db.engine import Database
    from adapters.driving.web.accounts import set_unit

    path = tmp_path_factory.mktemp("oidc-template") / "finaid.db"
    db = Database(f"sqlite:///{path}")
    migrate.upgrade(db)
    set_unit(db, "nord", "Försörjningsstöd Nord", [("1287", "")], "test")
    set_unit(db, "syd", "Försörjningsstöd Syd", [("0380", "")], "test")
    db.dispose()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return path


def fresh_copy(template: Path, folder: Path) -> Path:
    path = folder / "finaid.db"
    shutil.copy(template, path)
    return path


@dataclass(frozen=True)
class Provider:
    issuer: str
    browser_port: int  # where the browser test serves finaid (http://localhost:PORT, registered as a second client)
    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _skip_reason() -> str | None:
    if shutil.which("node") is None:
        return "node is not installed (the OIDC tests run the npm package oidc-provider with Node 20+)"
    if not (PROVIDER / "node_modules" / "oidc-provider" / "package.json").is_file():
        return ("oidc-provider is not installed: `make test` runs `npm ci` in tests/integration/oidc/provider "
                "(or run it there yourself; npm was " + ("found" if shutil.which("npm") else "not found") + ")")
    return None


@pytest.fixture(scope="session")
def provider() -> Iterator[Provider]:
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    port, browser_port = _free_port(), _free_port()
    clients = [{
        "client_id": client_id, "client_secret": CLIENT_SECRET, "redirect_uris": [f"{app}/login/oidc/callback"],
        "post_logout_redirect_uris": [f"{app}/login"], "grant_types": ["authorization_code"],
        "response_types": ["code"], "token_endpoint_auth_method": "client_secret_basic",
    } for client_id, app in ((CLIENT_ID, APP), (BROWSER_CLIENT_ID, f"http://localhost:{browser_port}"))]
    clients.append({"client_id": ETJANST_CLIENT_ID, "client_secret": CLIENT_SECRET,
                    "redirect_uris": [f"{ETJANST}/login/eid/callback"], "grant_types": ["authorization_code"],
                    "response_types": ["code"], "token_endpoint_auth_method": "client_secret_basic"})
    env = {**os.environ, "OIDC_PORT": str(port), "OIDC_CLIENTS": json.dumps(clients), "OIDC_USERS": json.dumps(USERS)}
    proc = subprocess.Popen(["node", "provider.mjs"], cwd=PROVIDER, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()  # "ready ISSUER" once it listens (or EOF when it died)
        if not line.startswith("ready "):
            proc.kill()
            _, err = proc.communicate(timeout=10)
            pytest.fail(f"the OIDC test provider did not start: {line}{err[-2000:]}")
        yield Provider(issuer=line.split()[1], browser_port=browser_port)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class Browser:
    """The provider's side of a browser: its cookies (the provider's session) and its login page."""

    def __init__(self) -> None:
        self.http = httpx.Client(follow_redirects=False, timeout=15)

    def close(self) -> None:
        self.http.close()

    def follow(self, url: str, until: str, limit: int = 10) -> str:
        """Follow the provider's redirects from ``url`` until a Location starts with ``until`` (returned)
        or a page answers (returned as ``page:<url>``)."""
        for _ in range(limit):
            r = self.http.get(url)
            if r.status_code in (302, 303):
                url = urljoin(url, r.headers["location"])
                if url.startswith(until):
                    return url
                continue
            assert r.status_code == 200, (r.status_code, r.text[:500])
            return f"page:{url}"
        raise AssertionError("too many redirects")

    def sign_in(self, authorize_url: str, login: str, password: str | None = None) -> str:
        """From the app's redirect to the provider until the provider sends the browser back to the app:
        the callback URL (with code and state). Signs in on the provider's login page when it asks."""
        found = self.follow(authorize_url, APP)
        if not found.startswith("page:"):
            return found  # the provider's session was still alive: no login page
        page_url = found.removeprefix("page:")
        page = self.http.get(page_url)
        action = re.search(r'<form method="post" action="([^"]+)"', page.text)
        assert action, page.text[:500]
        pw = password if password is not None else str(USERS[login]["password"])
        r = self.http.post(urljoin(page_url, action.group(1)), data={"login": login, "password": pw})
        assert r.status_code in (302, 303), (r.status_code, r.text[:500])
        return self.follow(urljoin(page_url, r.headers["location"]), APP)

    def end_session(self, logout_url: str) -> str:
        """The provider's logout page: confirm ("Yes, sign me out") and return where it sends the browser."""
        r = self.http.get(logout_url)
        assert r.status_code == 200, (r.status_code, r.text[:500])
        form = re.search(r'<form[^>]*action="([^"]+)"[^>]*>(.*?)</form>', r.text, re.S)
        assert form, r.text[:800]
        fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form.group(2)))
        r = self.http.post(urljoin(logout_url, form.group(1)), data={**fields, "logout": "yes"})
        assert r.status_code in (302, 303), (r.status_code, r.text[:500])
        return urljoin(logout_url, r.headers["location"])


@pytest.fixture
def browser() -> Iterator[Browser]:
    b = Browser()
    try:
        yield b
    finally:
        b.close()


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
