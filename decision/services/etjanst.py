"""The applicant's use cases (the e-service, adapters/driving/etjanst) and the ports they use.

Sending an application is the intake's ``submit`` (decision/services/intake.py) — the same use case the API
calls; here are what only an applicant does: withdraw a sent application until a handler has signed it. The
ports: a virus scanner for uploaded documents and a notifier that tells an applicant that something happened in
their case (never what: the message is read after logging in).
"""

from __future__ import annotations

from typing import Protocol

from decision.errors import FinaidError
from decision.ports import Clock, Notifier
from decision.states import State, transition
from decision.uow import Move, UnitOfWork


class NotWithdrawable(FinaidError):
    """The application is decided (signed) or already withdrawn: it can no longer be withdrawn."""


class CannotRequest(FinaidError):
    """Information can be requested only while a proposal waits for a handler."""


class ScanFound(FinaidError):
    """The virus scanner found something in an uploaded file."""


class VirusScanner(Protocol):
    """Scans an uploaded file's bytes; raises :class:`ScanFound` naming what it found."""

    def scan(self, content: bytes) -> None: ...


__all__ = ["CannotRequest", "Notifier", "NotWithdrawable", "ScanFound", "VirusScanner", "notify_applicant",
           "request_information", "withdraw"]


def notify_applicant(notifier: Notifier | None, household_key: str | None, event: str) -> None:
    """After the commit: tell the applicant (the household's keyed HMAC) that something happened, never what. A
    failing notifier never undoes what was committed (the applicant still sees it when logging in)."""
    if notifier is None or not household_key:
        return
    try:
        notifier.notify(household_key, event)
    except Exception:  # noqa: BLE001 - a notification is best effort; the case is already stored
        return


def withdraw(uow: UnitOfWork, clock: Clock, application_id: str, actor: str) -> None:
    """Withdraw a sent application (state ``withdrawn``) while no handler has signed it; an audit event."""
    at = clock.now()
    with uow:
        views = uow.applications.lock([application_id])
        view = views.get(application_id)
        if view is None:
            raise NotWithdrawable("the application does not exist")
        try:
            transition(view.state, State.WITHDRAWN)
        except FinaidError:
            raise NotWithdrawable(f"an application that is {view.state} cannot be withdrawn") from None
        uow.applications.move([Move(
            application_id=application_id, source=view.state, target=State.WITHDRAWN, actor=actor,
            payload={"by": "applicant"}, reason="withdrawn_by_applicant",
        )], at)
        uow.commit()


def request_information(uow: UnitOfWork, clock: Clock, application_id: str, actor: str, request_id: str,
                        due_date: str) -> None:
    """A handler asks the applicant for a document or an answer (komplettering): the proposal is returned (state
    ``returned``, audit event naming the request and its due date); the applicant's answer is a new revision."""
    at = clock.now()
    with uow:
        view = uow.applications.lock([application_id]).get(application_id)
        if view is None or view.state != State.PROPOSED:
            raise CannotRequest(f"information can be requested only for a proposal, not in state "
                                  f"{view.state if view else 'unknown'}")
        uow.applications.move([Move(
            application_id=application_id, source=view.state, target=State.RETURNED, actor=actor,
            payload={"request": request_id, "due": due_date, "channel": "etjanst"}, reason="information_requested",
        )], at)
        uow.commit()
