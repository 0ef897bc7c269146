"""Rate limits in this process: logins per client address, applications sent and files uploaded per person."""

from __future__ import annotations

import threading
import time
from collections import deque


class Limiter:
    """At most ``limit`` events per ``window`` seconds per key (a sliding window)."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit, self.window = limit, window
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> float | None:
        """Count one event; None when allowed, else the seconds until the key may try again."""
        t = time.monotonic()
        with self._lock:
            events = self._events.setdefault(key, deque())
            while events and t - events[0] >= self.window:
                events.popleft()
            if len(events) >= self.limit:
                return max(1.0, self.window - (t - events[0]))
            events.append(t)
            return None
