"""Shared by the browser tests: a decided database, the web app served by uvicorn on a free loopback port,
Debian's chromium under Playwright, logging in, and screenshots under ``test-output/browser/``."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from adapters.driven.db import migrate
from adapters.driven.db.access import AccessLog
from adapters.driven.db.engine import Database
from adapters.driven.db.store import CaseStore
from audit.access import person_key
from decision.validation import parse_bundle
from tests.decide import decide_and_store
from tests.services import SERVICES

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "test-output" / "browser"
KEY = b"finaid-browser-test-hmac-key-0123456789"
CHROMIUM = shutil.which("chromium")
NO_CHROMIUM = "chromium is not installed: run `apt-get install -y chromium` (make test does it as root)"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


def decided_database(path: Path) -> Database:
    """A database with every example bundle decided (the night's batch actor)."""
    db = Database(f"sqlite:///{path}")
    migrate.upgrade(db)
    store = CaseStore(db, person_key=lambda p: person_key(KEY, p))
    access = AccessLog(db, KEY)
    for file in sorted((ROOT / "examples" / "bundles").glob("*.json")):
        decide_and_store(parse_bundle(file.read_bytes()), pipeline=SERVICES.pipeline, catalog=SERVICES.catalog,
                         store=store, access=access, actor="system:batch:demo")
    return db


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve(app: Any, tls: tuple[Path, Path] | None = None) -> Iterator[str]:
    """The app on a free loopback port (a uvicorn thread); yields its base URL. ``tls``: (certificate, key)
    files, the app then answers over https only."""
    import uvicorn

    port = _free_port()
    ssl = {"ssl_certfile": str(tls[0]), "ssl_keyfile": str(tls[1])} if tls else {}
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error", lifespan="off", **ssl))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield f"{'https' if tls else 'http'}://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(timeout=5)


@contextmanager
def browser() -> Iterator[Any]:
    """Debian's chromium under Playwright (no sandbox: tests run as root in containers)."""
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield b
        finally:
            b.close()


def new_page(b: Any, *, bypass_csp: bool = False) -> Any:
    """A new Swedish page; ``bypass_csp`` lets a test inject a script (axe-core) despite the app's CSP."""
    return b.new_page(viewport={"width": 1360, "height": 900}, locale="sv-SE", timezone_id="Europe/Stockholm",
                      bypass_csp=bypass_csp)


def login(b: Any, server: str, username: str, *, bypass_csp: bool = False) -> Any:
    """A new page logged in as a demo account (password ``demo-<username>``)."""
    page = new_page(b, bypass_csp=bypass_csp)
    page.goto(f"{server}/login")
    page.fill("#username", username)
    page.fill("#password", f"demo-{username}")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return page


def shot(page: Any, name: str) -> None:
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=True)
