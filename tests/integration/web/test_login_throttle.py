"""Issue 18, finding 9 (part): failed logins are throttled per client, unknown usernames included."""

from __future__ import annotations

import time

from adapters.driving.web.views.login import CLIENT_FAILURES, ClientThrottle
from tests.integration.web.conftest import Web, csrf


def test_guessing_over_unknown_usernames_is_throttled_per_client(web: Web) -> None:
    c = web.client()
    for i in range(CLIENT_FAILURES):
        page = c.get("/login")
        r = c.post("/login", data={"csrf_token": csrf(page.text), "username": f"nobody{i}", "password": "guess"},
                   follow_redirects=False)
        assert "failed=1" in r.headers["location"]
    failures = len(web.events("login_failed"))
    page = c.get("/login")
    r = c.post("/login", data={"csrf_token": csrf(page.text), "username": "handlaggare1",
                               "password": "demo-handlaggare1"}, follow_redirects=False)
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
    assert "För många" in r.text
    assert len(web.events("login_failed")) == failures  # refused before any password is checked


def test_the_throttle_counts_each_client_apart_and_forgets_after_its_window() -> None:
    t = ClientThrottle(limit=2, window=0.05)
    t.failed("10.0.0.1")
    t.failed("10.0.0.1")
    assert t.wait("10.0.0.1") is not None and t.wait("10.0.0.2") is None
    time.sleep(0.06)
    assert t.wait("10.0.0.1") is None
