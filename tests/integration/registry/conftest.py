"""The sandbox SSBTEK on a free loopback port for the whole session (uvicorn in a thread), real HTTP.

``sandbox.client(**config)`` is a registry source pointed at it with short timeouts and quick
retries; ``sandbox.faults([...])`` sets fault rules through the control API (cleared after each
test); ``sandbox.log()`` reads the request log.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from adapters.devtools import synthetic
from adapters.devtools.sandbox.app import SOAP_PATH, create_app
from adapters.driven.evidence import MemoryEvidenceStore
from adapters.driven.ssbtek.client import ClientConfig, FetchResult, SsbtekRegistrySource
from decision.bundle import CaseBundle
from decision.validation import parse_bundle

SEED = 5
HOUSEHOLDS = 2 * len(synthetic.ARCHETYPES)


class ServerThread:
    """uvicorn serving ``app`` on a free 127.0.0.1 port in a daemon thread."""

    def __init__(self, app: FastAPI, **config: Any) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="critical", access_log=False, **config))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def __enter__(self) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the sandbox did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()


@dataclass
class Sandbox:
    base: str
    households: list[synthetic.Household]

    @property
    def url(self) -> str:
        return f"{self.base}{SOAP_PATH}"

    def bundle(self, archetype: str) -> CaseBundle:
        h = next(h for h in self.households if h.archetype == archetype)
        return parse_bundle(json.dumps(h.bundle))

    def client(self, **config: Any) -> SsbtekRegistrySource:
        cfg: dict[str, Any] = {
            "url": self.url, "timeout_s": 2.0, "connect_timeout_s": 1.0, "attempts": 2, "backoff_s": 0.01,
            "allow_provisional_skv": True,
        }
        cfg.update(config)
        return SsbtekRegistrySource(ClientConfig(**cfg), MemoryEvidenceStore())

    def fetch(self, bundle: CaseBundle, **config: Any) -> tuple[FetchResult, SsbtekRegistrySource]:
        source = self.client(**config)
        return asyncio.run(source.fetch_detailed(bundle)), source

    def faults(self, rules: list[dict[str, Any]]) -> None:
        r = httpx.put(f"{self.base}/control/faults", json={"faults": rules}, timeout=5)
        r.raise_for_status()

    def log(self) -> list[dict[str, Any]]:
        return list(httpx.get(f"{self.base}/control/log", timeout=5).json()["requests"])

    def clear_log(self) -> None:
        httpx.delete(f"{self.base}/control/log", timeout=5).raise_for_status()


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[Sandbox]:
    households = synthetic.households(HOUSEHOLDS, SEED)
    app = create_app({p.personnummer: p for h in households for p in h.people})
    with ServerThread(app) as server:
        yield Sandbox(f"http://127.0.0.1:{server.port}", households)


@pytest.fixture
def sandbox(sandbox_server: Sandbox) -> Iterator[Sandbox]:
    sandbox_server.faults([])
    yield sandbox_server
    sandbox_server.faults([])
