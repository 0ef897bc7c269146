"""A private PostgreSQL cluster for the operations tests (docs/operations.md): started with ``initdb`` on a
free loopback port with password (scram) authentication over TCP and trust on its own Unix socket (the
administrator), so that the guide's roles, databases and passwords never touch the shared server.

Skipped where PostgreSQL 15's binaries are missing. Run as root, the cluster runs as the ``postgres`` user
(``initdb`` refuses root).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

BIN = Path("/usr/lib/postgresql/15/bin")
ROOT = Path(__file__).resolve().parents[3]
FINAID = Path(sys.executable).with_name("finaid")
GUIDE_DATABASES = ("finaid", "finaid_aterstalld")  # the set-up's, and the backup restore's
GUIDE_ROLES = ("finaid_app", "finaid_gallring", "finaid_stranger", "finaid_runtime", "finaid_purge", "finaid_owner")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(base: str, proc: subprocess.Popen[bytes], log: Path, seconds: float) -> None:
    """Until ``finaid web serve`` at ``base`` answers ``/healthz`` with 200; fails with its log if the process
    ends or ``seconds`` pass first."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline and proc.poll() is None, log.read_text()
        time.sleep(0.2)


@dataclass
class Cluster:
    __test__ = False

    data: Path
    socket_dir: Path
    port: int

    def psql(self, sql: str, database: str = "postgres") -> subprocess.CompletedProcess[str]:
        """Run SQL as the cluster's superuser (trust on the Unix socket); fail on the first error."""
        return subprocess.run(
            ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", str(self.socket_dir), "-p", str(self.port),
             "-U", "postgres", "-d", database],
            input=sql, capture_output=True, text=True, check=False, env=self.env(),
        )

    def env(self, **extra: str) -> dict[str, str]:
        """A clean environment: no FINAID_* or PG* of the caller; libpq pointed at this cluster over TCP."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("FINAID_", "PG"))}
        env.update(PGHOST="127.0.0.1", PGPORT=str(self.port), PATH=f"{FINAID.parent}:{env.get('PATH', '')}",
                   COLUMNS="200", NO_COLOR="1")
        env.update(extra)
        return env

    def reset(self) -> None:
        """Drop what the guide creates (roles are cluster-wide: a fresh slate for the next test)."""
        drop = "".join(f"DROP DATABASE IF EXISTS {d} WITH (FORCE);\n" for d in GUIDE_DATABASES) + "".join(
            f"DROP ROLE IF EXISTS {r};\n" for r in GUIDE_ROLES)
        done = self.psql(drop)
        assert done.returncode == 0, done.stderr


def _as_postgres(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@pytest.fixture(scope="session")
def cluster() -> Iterator[Cluster]:
    if not (BIN / "initdb").exists() or shutil.which("psql") is None:
        pytest.skip("PostgreSQL 15 binaries (initdb, psql) are not installed")
    base = Path(tempfile.mkdtemp(prefix="finaid-ops-pg-"))
    data, sock = base / "data", base / "sock"
    sock.mkdir()
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
        shutil.chown(sock, "postgres")
    port = _free_port()
    init = subprocess.run(_as_postgres([str(BIN / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
                                        "--auth-host=scram-sha-256", "-E", "UTF8", "--no-locale"]),
                          capture_output=True, text=True, check=False)
    assert init.returncode == 0, init.stderr
    opts = f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off"
    start = subprocess.run(_as_postgres([str(BIN / "pg_ctl"), "-D", str(data), "-o", opts, "-w", "-l",
                                         str(base / "log"), "start"]), capture_output=True, text=True, check=False)
    assert start.returncode == 0, start.stderr + (base / "log").read_text()
    try:
        yield Cluster(data, sock, port)
    finally:
        subprocess.run(_as_postgres([str(BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
                       capture_output=True, check=False)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def fresh(cluster: Cluster) -> Iterator[Cluster]:
    cluster.reset()
    try:
        yield cluster
    finally:
        cluster.reset()
