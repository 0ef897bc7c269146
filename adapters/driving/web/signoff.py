"""Sign-off in the web app: the role check, then the use cases of decision/services/signoff.py.

The actions (approve, amend, reject, return, countersign, refuse), the record (docs/signed-decision.md),
four eyes, and the rule that a letter is rendered before the transaction are the use cases'; this module
wires their ports (the reason codes, the override recomputation, the letters, the clock) and keeps the
reads the pages use (``pending_first``, ``signed_record``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from adapters.driven.clock import SystemClock
from adapters.driven.db.casefile import line_group
from adapters.driven.db.engine import Database
from adapters.driven.db.models import Application, SignOff
from adapters.driven.db.repositories import pending_first_row
from adapters.driven.db.uow import SqlUnitOfWork
from adapters.driven.notify import configured_notifier
from adapters.driving.web import reason_codes
from adapters.driving.web.auth import Identity
from adapters.driving.web.roles import Action, Role, allowed
from decision.errors import FinaidError
from decision.overrides import LineOverride
from decision.ports import Clock, Notifier
from decision.services import signoff as use_case
from decision.services.signoff_types import (
    FROM_PROPOSAL,
    OUTCOME_SV,
    SCHEMA,
    LetterRenderer,
    Override,
    Policy,
    Resolution,
    Result,
    Signer,
    SignOffError,
    SignOffPorts,
    SignRequest,
    derive_outcome,
    record_hash,
)

__all__ = ["FROM_PROPOSAL", "OUTCOME_SV", "SCHEMA", "Forbidden", "Override", "Policy", "Preview", "Resolution",
           "Result", "preview",
           "SignOffError", "SignRequest", "countersign", "override_evaluator", "derive_outcome", "pending_first",
           "record_hash", "refuse", "return_for_information", "sign", "signed_record"]


class Forbidden(FinaidError):
    """The person's roles do not allow this action."""


# ------------------------------------------------------------------------------------------ ports
@cache
def override_evaluator() -> Any:
    """The rules' evaluator: overrides are recomputed with the pinned pack's own formulas
    (``PackEvaluator.apply_overrides``, rules/evaluator/overrides.py) — no arithmetic here."""
    from rules.catalog import Catalog
    from rules.evaluator import PackEvaluator

    return PackEvaluator(Catalog())


class _DefaultLetters:
    """The configured letters, built only when a letter is rendered (they read the settings)."""

    def render(self, case: Any, record: Any, at: datetime) -> Any:
        from adapters.driven.letters.letters import LetterMaker

        return LetterMaker.default().render(case, record, at)


def ports(policy: Policy, letters: LetterRenderer | None = None, clock: Clock | None = None,
          notifier: Notifier | None = None, db: Database | None = None) -> SignOffPorts:
    """The sign-off's ports; ``clock`` is the bootstrap's (every page and the night pass theirs; tools and
    tests without one get the system clock of adapters/driven/clock.py). ``notifier`` tells the applicant a
    decision was made (default: the one ``FINAID_NOTIFY`` configures on ``db``, adapters/driven/notify.py —
    the log notifier in demo mode or without a database)."""
    return SignOffPorts(
        clock=clock if clock is not None else SystemClock(),
        reason_codes=lambda municipality: reason_codes.for_municipality(municipality, policy.reason_codes_dir),
        overrides=override_evaluator(),
        letters=letters if letters is not None else _DefaultLetters(),
        line_group=line_group,
        notifier=notifier if notifier is not None else configured_notifier(db, clock),
    )


# ------------------------------------------------------------------------------------------ helpers
def _require(identity: Identity, action: Action) -> None:
    if not allowed(identity.roles, action):
        raise Forbidden(f"{identity.actor} may not {action.value}")


def _signer(identity: Identity, prefer: Role) -> Signer:
    role = prefer.value if prefer in identity.roles else sorted(r.value for r in identity.roles)[0]
    return Signer(identity.actor, identity.display_name, identity.title, role)


# ------------------------------------------------------------------------------------------ actions
def sign(db: Database, identity: Identity, application_id: str, req: SignRequest, policy: Policy,
         letters: LetterRenderer | None = None, clock: Clock | None = None) -> Result:
    """Approve, amend or reject one proposal (the first signature)."""
    _require(identity, Action.SIGN)
    return use_case.sign(SqlUnitOfWork(db), ports(policy, letters, clock, db=db), _signer(identity, Role.HANDLER),
                         application_id, req, policy)


def countersign(db: Database, identity: Identity, application_id: str, first_id: str,
                letters: LetterRenderer | None = None, clock: Clock | None = None) -> Result:
    """The second signature (four eyes): another person with the supervisor role."""
    _require(identity, Action.SECOND_SIGN)
    signer = Signer(identity.actor, identity.display_name, identity.title, Role.SUPERVISOR.value)
    return use_case.countersign(SqlUnitOfWork(db), ports(Policy(), letters, clock, db=db), signer, application_id,
                                first_id)


def refuse(db: Database, identity: Identity, application_id: str, first_id: str, reason_code: str,
           motivation: str, policy: Policy, clock: Clock | None = None) -> Result:
    """The supervisor does not countersign: the proposal goes back to the handlers (state proposed)."""
    _require(identity, Action.SECOND_SIGN)
    signer = Signer(identity.actor, identity.display_name, identity.title, Role.SUPERVISOR.value)
    return use_case.refuse(SqlUnitOfWork(db), ports(policy, None, clock, db=db), signer, application_id, first_id,
                           reason_code, motivation)


def return_for_information(db: Database, identity: Identity, application_id: str, decision_id: str,
                           reason_code: str, motivation: str, policy: Policy, clock: Clock | None = None) -> Result:
    """More information is needed: state ``returned``; a new revision starts at received."""
    _require(identity, Action.RETURN)
    return use_case.return_for_information(SqlUnitOfWork(db), ports(policy, None, clock, db=db),
                                           _signer(identity, Role.HANDLER), application_id, decision_id,
                                           reason_code, motivation)


@dataclass(frozen=True)
class Preview:
    """What signing would decide, before anything is signed: the rules' recomputation of the changed amounts
    (``PackEvaluator.apply_overrides`` with the proposal's pinned pack), the total and the outcome."""

    decided: tuple[int, ...]  # öre per line of the basis
    norm: int
    costs: int
    income: int
    total: int
    outcome: str  # beviljat, delvis_beviljat, avslag (decision/services/signoff_types.py)
    changed: int  # how many lines were changed


def preview(case: Any, overrides: Sequence[Override], reject: bool = False) -> Preview:
    """The amounts the sign-off use case would record for these overrides (no reason labels needed: nothing
    is stored). An approval without changes keeps the proposal's own outcome, as the use case does."""
    computed = override_evaluator().apply_overrides(case.bundle, case.basis, [
        LineOverride(o.line, o.amount_ore, o.reason_code, o.reason_code) for o in overrides])
    if reject:
        outcome, total = "avslag", 0
    elif not overrides and case.basis.outcome in FROM_PROPOSAL:
        outcome, total = FROM_PROPOSAL[case.basis.outcome], computed.total
    else:
        outcome, total = derive_outcome(computed.total, computed.applied_total), computed.total
    return Preview(tuple(computed.decided), computed.norm, computed.costs, computed.income, total, outcome,
                   len(overrides))


# ------------------------------------------------------------------------------------------ reads
def pending_first(s: Session, application_id: str, decision_id: str) -> SignOff | None:
    """The first signature waiting for a second one (none answered it yet)."""
    return pending_first_row(s, application_id, decision_id)


def signed_record(s: Session, application_id: str) -> SignOff | None:
    """The sign-off row that completed the application's current decision, if any."""
    app = s.get(Application, application_id)
    if app is None or not app.current_decision_id:
        return None
    return s.execute(
        select(SignOff).where(SignOff.application_id == application_id,
                              SignOff.decision_id == app.current_decision_id, SignOff.final.is_(True))
        .order_by(SignOff.at.desc()).limit(1)
    ).scalar_one_or_none()
