"""``/healthz``, ``/readyz`` and ``/metrics`` (docs/operations.md "Health checks and metrics"): no login, no
personal data; readiness names the problem; metrics only to loopback or with the token; the figures are the
database's."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from adapters.driven.db import migrate
from adapters.driven.db.engine import Database
from adapters.driving.web.app import WebConfig, create_app
from tests.integration.web.conftest import KEY, Web, csrf

LOOPBACK = ("127.0.0.1", 40000)


def scrape(client: TestClient, **headers: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    r = client.get("/metrics", headers=headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain")
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for fam in text_string_to_metric_families(r.text) for s in fam.samples}


def value(samples: dict[Any, float], name: str, **labels: str) -> float:
    return samples[(name, tuple(sorted(labels.items())))]


def test_health_and_readiness_need_no_login_and_name_the_problem(web: Web) -> None:
    c = TestClient(web.app, base_url="https://testserver")
    assert c.get("/healthz").json() == {"status": "ok"}
    assert c.get("/readyz").json() == {"status": "ready", "revision": migrate.head()}
    with web.db.transaction() as s:
        s.execute(sa.text("UPDATE alembic_version SET version_num = '0004'"))
    r = c.get("/readyz")
    assert r.status_code == 503
    expected = f"database: schema at revision 0004, finaid expects {migrate.head()}"
    assert r.json() == {"status": "unavailable", "reason": expected}
    assert c.get("/healthz").status_code == 200  # alive all the same
    gone = Database("postgresql+psycopg://finaid_app:hemligt@127.0.0.1:1/finaid")
    try:
        down = TestClient(create_app(WebConfig(hmac_key=KEY, pdf=False), gone), base_url="https://testserver")
        r = down.get("/readyz")
        assert r.status_code == 503 and r.json()["reason"] == "database: cannot connect", r.text
        assert "hemligt" not in r.text and "127.0.0.1" not in r.text
        assert down.get("/healthz").status_code == 200
        metrics = TestClient(down.app, base_url="https://testserver", client=LOOPBACK).get("/metrics")
        assert metrics.status_code == 200 and "finaid_database_up 0.0" in metrics.text
        assert "finaid_registry_call_seconds" in metrics.text and "finaid_applications" not in metrics.text
    finally:
        gone.dispose()


def test_metrics_are_for_loopback_or_the_token_holder(web: Web) -> None:
    outside = TestClient(web.app, base_url="https://testserver", client=("203.0.113.9", 5000))
    assert outside.get("/metrics").status_code == 403
    inside = TestClient(web.app, base_url="https://testserver", client=LOOPBACK)
    assert inside.get("/metrics").status_code == 200
    assert inside.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 403  # via a proxy
    web.make_app(metrics_token=b"a-long-random-metrics-token-0123456789")
    outside = TestClient(web.app, base_url="https://testserver", client=("203.0.113.9", 5000))
    assert outside.get("/metrics").status_code == 401
    assert outside.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    inside = TestClient(web.app, base_url="https://testserver", client=LOOPBACK)
    assert inside.get("/metrics").status_code == 401  # with a token set, loopback needs it too
    scrape(outside, Authorization="Bearer a-long-random-metrics-token-0123456789")


def test_the_figures_are_the_databases(web: Web, ids: dict[str, str]) -> None:
    client = TestClient(web.app, base_url="https://testserver", client=LOOPBACK)
    before = scrape(client)
    assert value(before, "finaid_database_up") == 1
    assert value(before, "finaid_applications", state="failed_permanent") == 0  # every state, none missing
    for state, n in web.rows("SELECT state, count(*) FROM application GROUP BY state"):
        assert value(before, "finaid_applications", state=state) == n
    oldest = value(before, "finaid_queue_oldest_age_seconds", queue="signoff")
    assert oldest > 0 and value(before, "finaid_queue_oldest_age_seconds", queue="batch") == 0
    seq, digest = web.rows("SELECT seq, hash FROM chain_head WHERE chain = 'audit'")[0]
    assert value(before, "finaid_audit_chain_events", chain="audit") == seq
    assert value(before, "finaid_audit_chain_head_info", chain="audit", seq=str(seq), hash_prefix=digest[:16]) == 1
    assert not any(name == "finaid_signoffs_per_day" for name, _ in before)
    # a handler signs one proposal: today's approvals, the states and the audit chain move
    handler = web.login("handlaggare1")
    app_id = ids["01"]
    page = handler.get(f"/case/{app_id}")
    form = {"csrf_token": csrf(page.text), "decision_id": web.decision_id(app_id), "action": "approve"}
    r = handler.post(f"/case/{app_id}/sign", data=form, follow_redirects=False)
    assert r.status_code == 303, r.text
    after = scrape(client)
    assert value(after, "finaid_signoffs_per_day", day="today", action="approve") == 1
    signed = web.scalar("SELECT count(*) FROM application WHERE state = 'signed'")
    assert signed >= 1 and value(after, "finaid_applications", state="signed") == signed
    assert value(after, "finaid_audit_chain_events", chain="audit") > seq
    text = client.get("/metrics").text
    for app_row in web.rows("SELECT id, municipality FROM application"):
        assert app_row[0] not in text  # no application id, let alone a person, in any label
