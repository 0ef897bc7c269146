"""schemathesis against the OpenAPI document of the running app (uvicorn on a loopback port).

Bounded examples per operation; every response must be: no 5xx; every 4xx a well-formed
``{"errors": [{"path", "message"}]}``; no personnummer in any error body.
"""

from __future__ import annotations

import re
import shutil
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from adapters.driven.db.engine import Database
from adapters.driving.api.routes import add_token
from adapters.driving.web.app import WebConfig, create_app
from tests.integration.web.conftest import KEY

PNR = re.compile(r"(?<!\d)(\d{6}|\d{8})[-+]?\d{4}(?!\d)")
_token: dict[str, str] = {}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def api_schema(decided_template: Path, tmp_path: Path) -> Iterator[Any]:
    path = tmp_path / "finaid.db"
    shutil.copy(decided_template, path)
    db = Database(f"sqlite:///{path}")
    _, token = add_token(db, "schemathesis", ["submit", "status:read", "basis:read", "decision:read"], "cli:test",
                         rate=1_000_000)
    _token["value"] = token
    app = create_app(WebConfig(demo=True, hmac_key=KEY, pdf=False, secure_cookies=False), db)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield schemathesis.openapi.from_url(f"http://127.0.0.1:{port}/api/openapi.json")
    finally:
        server.should_exit = True
        thread.join(timeout=5)
        db.dispose()


def _well_formed(response: Any) -> None:
    status = response.status_code
    assert status < 500, f"server error {status}: {response.text[:200]}"
    if status >= 400:
        body = response.json()
        assert set(body) == {"errors"} and isinstance(body["errors"], list) and body["errors"], body
        for e in body["errors"]:
            assert set(e) == {"path", "message"} and isinstance(e["path"], str) and isinstance(e["message"], str)
        assert not PNR.search(response.text), "a personnummer in an error body"


def test_api_conforms(api_schema: Any) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) == 5
    headers = {"Authorization": f"Bearer {_token['value']}"}
    statuses: Counter[int] = Counter()
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), database=None)
            def check(case: Any) -> None:
                response = case.call(headers=headers, timeout=30)
                statuses[response.status_code] += 1
                _well_formed(response)
                _well_formed(case.call(headers={"Authorization": "Bearer wrong"}, timeout=30))

            check()
    assert statuses[200] or statuses[202], statuses  # some generated requests got through
    assert statuses[422] and statuses[404], statuses  # and the error paths were exercised
