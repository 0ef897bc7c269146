"""Several web worker processes with a listening socket EACH (``SO_REUSEPORT``), so the kernel spreads the
connections evenly over them.

uvicorn's own supervisor binds one socket that every worker accepts on: the worker that wakes first takes the
connection, and a kept-alive connection (a browser's, a reverse proxy's) stays with it — under load one worker
served 76–100 % of the requests while the other idled (benchmarks/README.md). Here the parent binds one socket
per worker slot, all on the same address with ``SO_REUSEPORT``; the kernel hashes each new connection to one of
them, and each worker accepts only on its own. A worker that dies is replaced on the same socket: connections
hashed to it meanwhile wait in its backlog. uvicorn's SIGTTIN/SIGTTOU (one worker more/less) are refused, the
number of sockets being fixed at start; SIGHUP (replace every worker) works as in uvicorn.
"""

from __future__ import annotations

import logging
import socket

from uvicorn.config import STARTUP_FAILURE, Config
from uvicorn.supervisors.multiprocess import Multiprocess, Process

logger = logging.getLogger("uvicorn.error")


def reuseport_sockets(host: str, port: int, count: int, backlog: int) -> list[socket.socket]:
    """``count`` listening sockets on ``host:port``, each with ``SO_REUSEPORT`` (Linux ≥ 3.9, the BSDs)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sockets = []
    for _ in range(count):
        sock = socket.socket(family=family)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
        sock.listen(backlog)  # at once: a connection hashed to a worker still starting waits, it is not refused
        sock.set_inheritable(True)
        sockets.append(sock)
    return sockets


class SpreadMultiprocess(Multiprocess):
    """uvicorn's supervisor, worker ``i`` serving ``slot_sockets[i]`` only."""

    def __init__(self, config: Config, slot_sockets: list[socket.socket]) -> None:
        super().__init__(config, sockets=[])
        self.slot_sockets = slot_sockets
        self.processes_num = len(slot_sockets)

    def _start(self, slot: int) -> Process:
        process = Process(self.config, [self.slot_sockets[slot]])
        process.start()
        return process

    def init_processes(self) -> None:
        self.processes = [self._start(slot) for slot in range(self.processes_num)]

    def restart_all(self) -> None:
        """As uvicorn's: each worker replaced (on its own socket) once its replacement is ready."""
        for slot, old in enumerate(self.processes):
            if self.should_exit.is_set():
                return
            new = self._start(slot)
            if not new.wait_until_ready(self.config.timeout_worker_healthcheck, self.should_exit):
                new.kill()
                new.join()
                if not self.should_exit.is_set():
                    logger.error(f"New child process [{new.pid}] was not ready in time; keeping worker [{old.pid}] "
                                 "and aborting the restart.")
                return
            old.terminate()
            old.join()
            self.processes[slot] = new

    def keep_subprocess_alive(self) -> None:
        """As uvicorn's: a dead or hung worker replaced on its socket; one that failed to start stops the parent."""
        if self.should_exit.is_set():
            return
        for slot, process in enumerate(self.processes):
            if process.is_alive(timeout=self.config.timeout_worker_healthcheck):
                continue
            process.kill()
            process.join()
            if process.exitcode == STARTUP_FAILURE:
                logger.error(f"Child process [{process.pid}] failed to start, stopping the parent process.")
                self.should_exit.set()
                return
            if self.should_exit.is_set():
                return
            logger.info(f"Child process [{process.pid}] died")
            self.processes[slot] = self._start(slot)

    def handle_ttin(self) -> None:
        logger.warning("Received SIGTTIN: the number of web workers is FINAID_WEB_WORKERS (one socket each), "
                       "unchanged; restart finaid web serve to change it.")

    def handle_ttou(self) -> None:
        self.handle_ttin()
