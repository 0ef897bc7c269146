"""Every link of a morning report made in production mode answers 200 for a logged-in handler, over TLS
(issue 12 item 8): the web app in production mode (no demo accounts, Secure cookies) served by uvicorn
with a test certificate made here for 127.0.0.1, ``FINAID_WEB_URL`` its https address, a handler account
made as an administrator would, and each link followed with certificate verification on."""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest

from adapters.driven.db.engine import Database
from adapters.driven.identity import totp
from adapters.driving.web.accounts import add_user, set_unit
from adapters.driving.web.app import WebConfig, create_app
from tests.e2e.browserkit import KEY, decided_database, serve
from tests.e2e.pages import app_id, morning_report

PASSWORD = "ett-langt-losenord-for-test-2026"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def test_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (an IP subject alternative name) and its key, as PEM files."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "finaid test")])
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(start)
            .not_valid_after(start + dt.timedelta(days=3650))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


test_certificate.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test


@dataclass
class Site:
    url: str
    db: Database
    folder: Path
    cert: Path


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("tls")
    db = decided_database(folder / "finaid.db")
    set_unit(db, "nord", "Försörjningsstöd Nord", [(m, "") for m in ("1287", "1280", "0180", "1480", "2480")],
             "user:admin.test")
    set_unit(db, "syd", "Försörjningsstöd Syd", [("0380", "")], "user:admin.test")
    add_user(db, "hanna.nord", "Hanna Nord", PASSWORD, ["handler"], ["nord"], "user:admin.test")
    add_user(db, "hugo.syd", "Hugo Syd", PASSWORD, ["handler"], ["syd"], "user:admin.test")
    cert, key = test_certificate(folder)
    app = create_app(WebConfig(demo=False, secure_cookies=True, hmac_key=KEY), db)
    try:
        with serve(app, tls=(cert, key)) as url:
            yield Site(url, db, folder, cert)
    finally:
        db.dispose()


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.links.append(href)


TOTP_SECRET = re.compile(r"<code>([A-Z2-7]{32})</code>")


def _login(site: Site, username: str) -> httpx.Client:
    """A client that trusts only the test certificate, logged in (Secure cookies travel over https only)."""
    c = httpx.Client(verify=ssl.create_default_context(cafile=str(site.cert)), timeout=30)
    page = c.get(f"{site.url}/login")
    token = CSRF.search(page.text)
    assert page.status_code == 200 and token
    r = c.post(f"{site.url}/login", data={"csrf_token": token.group(1), "username": username,
                                          "password": PASSWORD, "next": "/"})
    assert r.status_code == 303 and "Secure" in r.headers["set-cookie"], r.headers
    # production: a local password needs its second factor; the first login enrols (the secret shown once)
    assert r.headers["location"].startswith("/login/totp"), r.headers
    page = c.get(f"{site.url}{r.headers['location']}")
    secret, token = TOTP_SECRET.search(page.text), CSRF.search(page.text)
    assert page.status_code == 200 and secret and token, page.text
    r = c.post(f"{site.url}/login/totp", data={"csrf_token": token.group(1), "next": "/",
                                               "code": totp.code_at(secret.group(1), datetime.now(UTC))})
    assert r.status_code == 303 and not r.headers["location"].startswith("/login"), r.headers
    return c


def test_every_link_of_a_production_morning_report_answers_200_over_tls(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    from adapters.settings import settings

    monkeypatch.setenv("FINAID_WEB_URL", site.url)
    settings.cache_clear()  # the settings are read once per process
    try:
        html = morning_report(site.db, site.folder)  # production mode: links point to the web app
    finally:
        settings.cache_clear()
    parser = _Links()
    parser.feed(html.read_text(encoding="utf-8"))
    links = sorted(set(parser.links))
    assert len(links) >= 5 and all(link.startswith(f"{site.url}/case/APP-") for link in links), links
    nord, syd = _login(site, "hanna.nord"), _login(site, "hugo.syd")
    try:
        statuses = {link: (syd if link.endswith(app_id("12")) else nord).get(link).status_code for link in links}
        assert statuses == dict.fromkeys(links, 200)
        page = nord.get(links[0]).text
        assert "Ärende – ekonomiskt bistånd" in page and "Demoläge" not in page
        assert nord.get(f"{site.url}/case/{app_id('12')}").status_code == 404  # another unit's case
        trust = ssl.create_default_context(cafile=str(site.cert))
        with httpx.Client(verify=trust) as anonymous:  # not logged in: to the login page
            assert anonymous.get(links[0]).status_code in (303, 307)
    finally:
        nord.close()
        syd.close()
    with pytest.raises(httpx.ConnectError):  # it is TLS: a client that does not trust the certificate refuses
        httpx.get(links[0])
