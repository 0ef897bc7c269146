"""Virus scanning of uploaded files through ClamAV's daemon (``clamd``, its INSTREAM command), the
``decision.services.etjanst.VirusScanner`` port. ``FINAID_ETJANST_CLAMD`` names it: ``unix:/run/clamav/clamd.ctl``
or ``tcp:127.0.0.1:3310``. A scanner that cannot be reached refuses the file (it is never let through unscanned)."""

from __future__ import annotations

import socket
import struct

from decision.errors import ConfigurationError
from decision.services.etjanst import ScanFound

CHUNK = 64 * 1024


class ClamdScanner:
    def __init__(self, address: str, timeout_s: float = 30.0) -> None:
        kind, _, where = address.partition(":")
        if kind not in ("unix", "tcp") or not where:
            raise ConfigurationError("FINAID_ETJANST_CLAMD must be unix:/path/to/clamd.ctl or tcp:host:port")
        self.kind, self.where, self.timeout_s = kind, where, timeout_s

    def _connect(self) -> socket.socket:
        if self.kind == "unix":
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(self.timeout_s)
            s.connect(self.where)
            return s
        host, _, port = self.where.rpartition(":")
        return socket.create_connection((host, int(port)), timeout=self.timeout_s)

    def scan(self, content: bytes) -> None:
        try:
            with self._connect() as s:
                s.sendall(b"zINSTREAM\0")
                for i in range(0, len(content), CHUNK):
                    chunk = content[i:i + CHUNK]
                    s.sendall(struct.pack("!L", len(chunk)) + chunk)
                s.sendall(struct.pack("!L", 0))
                answer = b""
                while not answer.endswith(b"\0"):
                    part = s.recv(4096)
                    if not part:
                        break
                    answer += part
        except OSError:
            raise ScanFound("the virus scanner did not answer: the file is not accepted") from None
        text = answer.rstrip(b"\0").decode("utf-8", "replace")
        if not text.endswith("OK"):
            raise ScanFound(text.rsplit(":", 1)[-1].strip() or "found")
