"""Logging in to the e-service: with e-identification (OpenID Connect; a fake broker client behind the same
flow-client protocol as the operations' adapter) the personnummer comes from the configured claim; a missing or
invalid claim, a forged flow cookie and the broker's refusal are refused; demo citizens exist only in demo mode;
the login is rate-limited; the session cookie is the e-service's own; a virus found refuses the upload."""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from fastapi.testclient import TestClient

from adapters.driven.clock import DemoClock
from adapters.driven.db.engine import Database
from adapters.driven.virus import ClamdScanner
from adapters.driving.etjanst.app import create_etjanst_app
from adapters.driving.etjanst.config import EtjanstConfig
from adapters.driving.etjanst.identity import DemoCitizens, OidcCitizens
from decision.errors import ConfigurationError
from decision.services.etjanst import ScanFound
from tests.e2e.browserkit import decided_database
from tests.integration.etjanst.kit import APPLICANT, KEY, TODAY, app_on, login


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    database = decided_database(tmp_path_factory.mktemp("etjanst-login") / "finaid.db")
    yield database
    database.dispose()


class Broker:
    """Stands in for the OIDC client: begin gives the broker's URL, finish the claims it was told to return."""

    def __init__(self) -> None:
        self.claims: dict[str, Any] | None = {"personal_number": "19850709-2388"}

    def begin(self, redirect_uri: str) -> tuple[str, str]:
        return f"https://eid.example/authorize?redirect_uri={redirect_uri}", "flow-blob"

    def finish(self, params: Mapping[str, str], state_blob: str) -> Any:
        assert state_blob == "flow-blob"
        if self.claims is None or params.get("error"):
            raise RuntimeError("refused")
        return type("Claims", (), {"claims": self.claims})()


def eid_app(db: Database, broker: Broker) -> TestClient:
    identity = OidcCitizens(broker, "https://e.example/login/eid/callback", "personal_number")
    app = create_etjanst_app(EtjanstConfig(demo=False, secure_cookies=False, hmac_key=KEY, login_per_minute=50),
                             db, identity=identity, scanner=ClamdScanner("tcp:127.0.0.1:9"), clock=DemoClock(TODAY))
    return TestClient(app)


def test_e_identification_takes_the_personnummer_from_the_claim(db: Database) -> None:
    broker = Broker()
    client = eid_app(db, broker)
    assert "/login/eid" in client.get("/login").text and 'name="personnummer"' not in client.get("/login").text
    r = client.get("/login/eid?next=/mina-uppgifter", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("https://eid.example/authorize")
    r = client.get("/login/eid/callback?code=c&state=s")
    assert r.status_code == 200 and 'content="0;url=/mina-uppgifter"' in r.text
    assert "finaid_etjanst_session" in client.cookies and "finaid_session" not in client.cookies
    assert "19850709-2388" in client.get("/mina-uppgifter").text
    for claims in (None, {}, {"personal_number": "198507092389"}):  # refused, missing, bad check digit
        broker.claims = claims
        other = eid_app(db, broker)
        other.get("/login/eid", follow_redirects=False)
        assert other.get("/login/eid/callback?code=c&state=s").status_code in (400, 403)
        assert other.get("/", follow_redirects=False).status_code == 303  # still logged out
    forged = eid_app(db, Broker())
    forged.cookies.set("finaid_etjanst_eid", "eyJmbG93IjoiZmxvdy1ibG9iIn0.forged", path="/login/eid")
    assert forged.get("/login/eid/callback?code=c&state=s").status_code == 400


def test_demo_citizens_only_in_demo_mode_and_logins_are_rate_limited(db: Database) -> None:
    with pytest.raises(ConfigurationError):
        DemoCitizens(lambda: [], demo=False)
    with pytest.raises(ConfigurationError):
        create_etjanst_app(EtjanstConfig(demo=False, hmac_key=KEY), db)  # no e-identification, no scanner
    client, _ = app_on(db, login_per_minute=3)
    login(client, APPLICANT)
    login(client, APPLICANT)
    page = client.get("/login")
    statuses = [client.post("/login", data={"personnummer": APPLICANT}).status_code for _ in range(2)]
    assert statuses[-1] == 429 and "Retry-After" in client.post("/login", data={}).headers
    assert page.status_code == 200


def fake_clamd(answer: bytes) -> tuple[int, threading.Thread]:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)

    def serve() -> None:
        conn, _ = server.accept()
        with conn:
            assert conn.recv(10) == b"zINSTREAM\0"
            while True:
                (size,) = struct.unpack("!L", conn.recv(4))
                if size == 0:
                    break
                got = 0
                while got < size:
                    got += len(conn.recv(size - got))
            conn.sendall(answer)
        server.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return server.getsockname()[1], thread


def test_clamd_scanner_passes_clean_files_and_refuses_found_and_unreachable() -> None:
    port, thread = fake_clamd(b"stream: OK\0")
    ClamdScanner(f"tcp:127.0.0.1:{port}").scan(b"x" * 100_000)
    thread.join(5)
    port, thread = fake_clamd(b"stream: Eicar-Test-Signature FOUND\0")
    with pytest.raises(ScanFound):
        ClamdScanner(f"tcp:127.0.0.1:{port}").scan(b"X5O!P%@AP")
    thread.join(5)
    with pytest.raises(ScanFound):
        ClamdScanner("tcp:127.0.0.1:9", timeout_s=2).scan(b"x")
    with pytest.raises(ConfigurationError):
        ClamdScanner("clamd.example:3310")
