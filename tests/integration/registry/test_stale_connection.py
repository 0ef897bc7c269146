"""A kept-alive connection the server closed as it was reused is retried once (adapters/driven/ssbtek/transport.py).

A real HTTP server on loopback answers the first request of each connection with keep-alive and then
closes the connection without answering the next one: what a server whose keep-alive timeout ends as
the client reuses the connection does (uvicorn's 5 s against httpx's 5 s). Registry queries are
idempotent reads, so the client asks again once on a fresh connection.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator

import pytest

from adapters.driven.ssbtek.config import ClientConfig
from adapters.driven.ssbtek.pool import ClientPool
from adapters.driven.ssbtek.transport import failure_text, new_client, plain_context, post_with_retries

ANSWER = b"<Envelope>svar</Envelope>"


class ClosingServer:
    """HTTP/1.1 on 127.0.0.1: answers ``answered`` requests per connection, then closes it on the next one."""

    def __init__(self, answered: int) -> None:
        self.answered = answered
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.requests = 0
        self.dropped = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        self.sock.settimeout(0.1)
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            self.connections += 1
            threading.Thread(target=self._connection, args=(conn,), daemon=True).start()

    def _read_request(self, conn: socket.socket, buf: bytes) -> bytes | None:
        while b"\r\n\r\n" not in buf:
            chunk = conn.recv(65536)
            if not chunk:
                return None
            buf += chunk
        head, _, rest = buf.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        while len(rest) < length:
            chunk = conn.recv(65536)
            if not chunk:
                return None
            rest += chunk
        return rest[length:]

    def _connection(self, conn: socket.socket) -> None:
        buf = b""
        served = 0
        with conn:
            while True:
                left = self._read_request(conn, buf)
                if left is None:
                    return
                buf = left
                self.requests += 1
                if served >= self.answered:  # the keep-alive ran out as the client reused the connection
                    self.dropped += 1
                    return
                served += 1
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: "
                             + str(len(ANSWER)).encode() + b"\r\n\r\n" + ANSWER)

    def __enter__(self) -> ClosingServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.sock.close()


@pytest.fixture
def server() -> Iterator[ClosingServer]:
    with ClosingServer(answered=1) as s:
        yield s


def _config(port: int, attempts: int = 3) -> ClientConfig:
    return ClientConfig(url=f"http://127.0.0.1:{port}/ssbtek", timeout_s=5.0, connect_timeout_s=2.0,
                        attempts=attempts, backoff_s=0.01, concurrency=1)


async def _calls(config: ClientConfig, n: int) -> list[tuple[tuple[int, bytes] | str, int]]:
    """``n`` calls one after the other over one kept-alive connection pool: (answer or failure text, attempts)."""
    out: list[tuple[tuple[int, bytes] | str, int]] = []
    context = plain_context()
    async with ClientPool(lambda size: new_client(config, size, context), config.concurrency) as pool:
        for _ in range(n):
            attempts = [0]
            try:
                out.append((await post_with_retries(config, pool, b"<fraga/>", attempts), attempts[0]))
            except Exception as e:  # noqa: BLE001 - the call's failure as the client reports it
                out.append((failure_text(e, attempts[0]), attempts[0]))
    return out


def test_a_reused_connection_the_server_closed_is_asked_again_once_on_a_new_one(server: ClosingServer) -> None:
    results = asyncio.run(_calls(_config(server.port), 3))
    # the first call opens the connection; each later one reuses it, finds it closed, asks again on a new one
    assert results == [((200, ANSWER), 1), ((200, ANSWER), 2), ((200, ANSWER), 2)]
    assert server.dropped == 2
    assert server.connections == 3


def test_the_stale_connection_retry_is_once_per_call_not_a_loop() -> None:
    with ClosingServer(answered=0) as s:  # never answers: every request is dropped
        results = asyncio.run(_calls(_config(s.port), 1))
    (failure, attempts), = results
    assert attempts == 2  # the first try and one retry, although three attempts are allowed
    assert failure == "förbindelsen med SSBTEK bröts (RemoteProtocolError)"
    assert s.requests == 2


def test_no_retry_when_the_operator_allows_one_attempt(server: ClosingServer) -> None:
    results = asyncio.run(_calls(_config(server.port, attempts=1), 2))
    assert results[0] == ((200, ANSWER), 1)
    assert results[1] == ("förbindelsen med SSBTEK bröts (RemoteProtocolError)", 1)
