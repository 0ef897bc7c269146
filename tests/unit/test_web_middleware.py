"""The web app's two middlewares (pure ASGI: adapters/driving/web/app.py SecurityHeaders, requestlog.py RequestLog)
and the per-worker listening sockets of ``finaid web serve`` with several workers (web/spread.py)."""

from __future__ import annotations

import select
import socket

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse
from fastapi.testclient import TestClient
from structlog.testing import capture_logs

from adapters.driving.web.app import CSP, SecurityHeaders
from adapters.driving.web.requestlog import RequestLog
from adapters.driving.web.spread import reuseport_sockets


def app() -> FastAPI:
    a = FastAPI()

    @a.get("/case/{app_id}")
    def case(app_id: str, request: Request) -> PlainTextResponse:
        request.state.actor = "user:handler1"
        return PlainTextResponse("ärende", headers={"Cache-Control": "private"})

    @a.get("/healthz")
    def healthz() -> PlainTextResponse:
        return PlainTextResponse("ok")

    @a.get("/boom")
    def boom() -> PlainTextResponse:
        raise RuntimeError("boom")

    a.add_middleware(SecurityHeaders)
    a.add_middleware(RequestLog)
    return a


def test_every_answer_carries_the_security_headers_and_a_route_keeps_its_own() -> None:
    r = TestClient(app()).get("/case/A1")
    assert r.status_code == 200 and r.text == "ärende"
    assert r.headers["content-security-policy"] == CSP
    assert r.headers["x-content-type-options"] == "nosniff" and r.headers["x-frame-options"] == "DENY"
    assert r.headers["referrer-policy"] == "no-referrer"
    assert r.headers["cache-control"] == "private"  # set by the route: not overwritten
    assert r.headers.get_list("cache-control") == ["private"]


def test_the_request_line_names_route_status_actor_and_case_and_the_id_is_returned() -> None:
    with capture_logs() as logs:
        r = TestClient(app()).get("/case/A1", headers={"X-Request-ID": "abc-123"})
    assert r.headers["x-request-id"] == "abc-123"
    (line,) = [e for e in logs if e["event"] == "http.request"]
    assert (line["route"], line["status"], line["actor"], line["case_id"], line["method"]) == \
        ("/case/{app_id}", 200, "user:handler1", "A1", "GET")
    with capture_logs() as logs:
        r = TestClient(app()).get("/case/A2", headers={"X-Request-ID": "not a token!"})
    assert r.headers["x-request-id"] != "not a token!" and len(r.headers["x-request-id"]) == 26  # a new ULID


def test_health_is_logged_only_when_it_fails_and_an_error_is_logged_as_500() -> None:
    with capture_logs() as logs:
        assert TestClient(app()).get("/healthz").status_code == 200
    assert [e for e in logs if e["event"] == "http.request"] == []
    with capture_logs() as logs:
        r = TestClient(app(), raise_server_exceptions=False).get("/boom")
    assert r.status_code == 500
    (line,) = [e for e in logs if e["event"] == "http.request"]
    assert line["status"] == 500 and line["log_level"] == "warning" and line["route"] == "/boom"


@pytest.mark.skipif(not hasattr(socket, "SO_REUSEPORT"), reason="SO_REUSEPORT (Linux, the BSDs)")
def test_the_kernel_spreads_new_connections_over_the_workers_sockets() -> None:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    sockets = reuseport_sockets("127.0.0.1", port, 2, 64)
    clients = []
    try:
        for _ in range(40):
            clients.append(socket.create_connection(("127.0.0.1", port)))
        accepted = [0, 0]
        for i, sock in enumerate(sockets):
            sock.setblocking(False)
            while select.select([sock], [], [], 0.2)[0]:
                conn, _ = sock.accept()
                conn.close()
                accepted[i] += 1
        assert sum(accepted) == 40
        assert min(accepted) >= 5  # both get a share (by the connection's hash; 40 connections: 20 ± a few)
    finally:
        for s in clients + sockets:
            s.close()
