"""Automated decisions in the adapters: the settings and the letters wired to
decision/services/automation.py (the rules of when a case may be decided automatically are there)."""

from __future__ import annotations

from typing import Any

import structlog

from adapters.driven.db.engine import Database
from adapters.driven.db.uow import SqlUnitOfWork
from adapters.driving.web.signoff import Policy, ports
from decision.ports import Clock
from decision.services.automation import (
    ACTOR,
    LEGAL_BASIS,
    AutoConfig,
    automate,
    config_for,
    uses_health_data,
    why_not,
)
from decision.services.signoff_types import LetterRenderer

__all__ = ["ACTOR", "LEGAL_BASIS", "AutoConfig", "config_for", "maybe_auto_approve", "uses_health_data", "why_not"]

log = structlog.get_logger("finaid.auto")


def maybe_auto_approve(db: Database, decision_id: str, application_id: str,
                       configured: dict[str, dict[str, Any]] | None = None, letters: LetterRenderer | None = None,
                       clock: Clock | None = None) -> str | None:
    """Decide one stored proposal automatically where allowed; returns the sign-off id or None.

    Never raises: a failure leaves the proposal for a handler (and is logged without personal data).
    """
    if configured is None:
        from adapters.settings import settings

        configured = settings().auto_decisions
    if not configured:
        return None
    try:
        p = ports(Policy(), letters, clock, db=db)
        return automate(SqlUnitOfWork(db), p.letters, p.clock, decision_id, application_id, configured, p.notifier)
    except Exception as e:  # noqa: BLE001 - the handler decides instead
        log.warning("auto_decision_failed", decision=decision_id, error=type(e).__name__)
        return None

