"""Who a case is assigned to ("Mina ärenden"): take a case, hand it over to another handler of the same unit.

Each change is one transaction: the application's ``assigned_to``/``assigned_at`` (migration 0008) and its
audit event (``case_taken`` or ``case_handed_over``: user ids and actors only). Assignment is not a state:
``state`` is written by ``SqlApplications.move`` alone; the web app checks roles, scope and units before it
calls these (adapters/driving/web/views/mine.py).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from adapters.driven.db.engine import Database
from adapters.driven.db.models import Application, User, UserUnit
from adapters.driven.db.trail import append_event
from decision.errors import FinaidError


class AssignmentError(FinaidError):
    """The case cannot be taken or handed over (Swedish message for the handler)."""


def take(db: Database, application_id: str, user_id: str, actor: str, at: datetime) -> None:
    with db.transaction() as s:
        app = s.get(Application, application_id)
        if app is None:
            raise AssignmentError("Ärendet finns inte.")
        if app.assigned_to == user_id:
            return
        previous = app.assigned_to
        app.assigned_to, app.assigned_at = user_id, at
        append_event(s, actor, "case_taken", f"application:{application_id}",
                     {"to": user_id, "from": previous}, at)


def colleagues(s: Session, units: frozenset[str], except_user: str) -> list[User]:
    """Active users sharing one of these units (hand-over candidates), by name."""
    ids = select(UserUnit.user_id).where(UserUnit.unit_id.in_(sorted(units)))
    return list(s.execute(
        select(User).where(User.id.in_(ids), User.id != except_user, User.active.is_(True))
        .order_by(User.display_name, User.username)
    ).scalars())


def hand_over(db: Database, application_id: str, from_user: str, to_user: str, units: frozenset[str], actor: str,
              at: datetime, allowed: frozenset[str]) -> None:
    """Hand a case over to ``to_user``, who must share one of ``units`` and hold one of the ``allowed`` user ids
    (the web app passes the colleagues whose roles may handle the case)."""
    with db.transaction() as s:
        app = s.get(Application, application_id)
        if app is None:
            raise AssignmentError("Ärendet finns inte.")
        if to_user == from_user or to_user not in allowed or to_user not in {u.id for u in colleagues(s, units, "")}:
            raise AssignmentError("Välj en annan handläggare i samma enhet.")
        previous = app.assigned_to
        app.assigned_to, app.assigned_at = to_user, at
        append_event(s, actor, "case_handed_over", f"application:{application_id}",
                     {"to": to_user, "from": previous}, at)
