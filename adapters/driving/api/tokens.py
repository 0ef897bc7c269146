"""API tokens of calling systems (``finaid tokens add/revoke/list``): stored as sha256, with scopes and a rate
limit per token (a sliding one-minute window in this process)."""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from adapters.driven.clock import read
from adapters.driven.db.engine import Database
from adapters.driven.db.models import ApiToken
from adapters.driven.db.store import new_id
from adapters.driven.db.trail import append_event
from decision.errors import FinaidError
from decision.ports import Clock

SCOPES = ("submit", "status:read", "basis:read", "decision:read")


@dataclass(frozen=True)
class Caller:
    token_id: str
    client: str
    scopes: frozenset[str]
    rate: int

    @property
    def actor(self) -> str:
        return f"api:{self.client}"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def add_token(db: Database, client: str, scopes: list[str], actor: str, rate: int | None = None,
              default_rate: int = 120, clock: Clock | None = None) -> tuple[str, str]:
    """A new token for a calling system; returns (token id, the token — shown once, stored hashed)."""
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}", client):
        raise FinaidError("a client name is 1–64 letters, digits, '.', '_' or '-'")
    bad = [s for s in scopes if s not in SCOPES]
    if bad or not scopes:
        raise FinaidError(f"scopes must be some of {', '.join(SCOPES)}")
    token = "fa_" + secrets.token_urlsafe(32)
    tid = new_id()
    at = read(clock)
    with db.transaction() as s:
        s.add(ApiToken(id=tid, client=client, token_hash=token_hash(token), scopes=" ".join(sorted(set(scopes))),
                       rate_per_minute=rate or default_rate, created_at=at, created_by=actor))
        append_event(s, actor, "token_added", f"token:{tid}", {"client": client, "scopes": sorted(set(scopes)),
                                                                  "rate_per_minute": rate or default_rate}, at)
    return tid, token


def revoke_token(db: Database, token_id: str, actor: str, clock: Clock | None = None) -> bool:
    at = read(clock)
    with db.transaction() as s:
        row = s.get(ApiToken, token_id)
        if row is None or row.revoked_at is not None:
            return False
        row.revoked_at = at
        append_event(s, actor, "token_revoked", f"token:{token_id}", {"client": row.client}, at)
        return True


def list_tokens(db: Database) -> list[dict[str, Any]]:
    with db.read() as s:
        return [{"id": t.id, "client": t.client, "scopes": t.scopes.split(), "rate_per_minute": t.rate_per_minute,
                 "created_at": t.created_at, "revoked": t.revoked_at is not None}
                for t in s.execute(select(ApiToken).order_by(ApiToken.created_at)).scalars()]


class RateLimiter:
    """A sliding one-minute window per token, in this process."""

    def __init__(self) -> None:
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, key: str, per_minute: int) -> float | None:
        """None when allowed, else seconds until the next request is."""
        t = time.monotonic()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and t - hits[0] >= 60:
                hits.popleft()
            if len(hits) >= per_minute:
                return max(1.0, 60 - (t - hits[0]))
            hits.append(t)
            return None
