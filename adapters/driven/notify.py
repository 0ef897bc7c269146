"""Notifications to applicants (``decision.services.etjanst.Notifier``): that something happened in their case,
never what — they log in to read it. Demo mode and tests: :class:`LogNotifier`, a log line with a short prefix
of the person's keyed HMAC (no number, no name, no content). A municipality's e-mail or SMS gateway implements
the same port."""

from __future__ import annotations

import structlog

log = structlog.get_logger("finaid.notify")


class LogNotifier:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def notify(self, person_key: str, event: str) -> None:
        self.sent.append((person_key, event))
        log.info("etjanst.notification", notification=event, person_key=person_key[:8])
