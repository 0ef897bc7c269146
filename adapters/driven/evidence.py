"""Raw registry envelopes kept as evidence, by request id, in memory.

Behind the same ``EvidenceStore`` port the database adapter keeps them in a table (the registry
evidence of docs/architecture.md, "Who owns what"); in memory, evidence lives as long as the process.
"""

from __future__ import annotations

import hashlib
import threading


class EvidenceMismatch(ValueError):
    """The bytes do not hash to the ``raw_sha256`` they are filed under."""


class MemoryEvidenceStore:
    """``EvidenceStore`` in memory: request id → raw envelope; the hash is checked on the way in."""

    def __init__(self) -> None:
        self._raw: dict[str, bytes] = {}
        self._sha: dict[str, str] = {}
        self._lock = threading.Lock()
        self._checked: tuple[bytes, str] | None = None  # one envelope is filed under each source it answered

    def put(self, request_id: str, raw: bytes, sha256: str) -> None:
        checked = self._checked
        if checked is None or checked[0] is not raw or checked[1] != sha256:  # the same bytes object: checked
            if hashlib.sha256(raw).hexdigest() != sha256:
                raise EvidenceMismatch(f"evidence for {request_id} does not match its sha256")
            if type(raw) is bytes:  # immutable: the same object keeps its hash
                self._checked = (raw, sha256)
        with self._lock:
            self._raw[request_id] = raw
            self._sha[request_id] = sha256

    def get(self, request_id: str) -> bytes | None:
        with self._lock:
            return self._raw.get(request_id)

    def sha256(self, request_id: str) -> str | None:
        with self._lock:
            return self._sha.get(request_id)

    def __len__(self) -> int:
        with self._lock:
            return len(self._raw)


class BufferedEvidenceStore(MemoryEvidenceStore):
    """Evidence held until the batch writes it in the same transaction as the sealed revision."""

    def take(self, request_ids: list[str]) -> list[tuple[str, bytes, str]]:
        """Remove and return (request id, raw, sha256) for these ids (those present)."""
        out = []
        with self._lock:
            for rid in request_ids:
                raw = self._raw.pop(rid, None)
                sha = self._sha.pop(rid, None)
                if raw is not None and sha is not None:
                    out.append((rid, raw, sha))
        return out

    def clear(self) -> None:
        with self._lock:
            self._raw.clear()
            self._sha.clear()
