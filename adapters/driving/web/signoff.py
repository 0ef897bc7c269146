"""Sign-off in the web app: the role check, then the use cases of decision/services/signoff.py.

The actions (approve, amend, reject, return, countersign, refuse), the record (docs/signed-decision.md),
four eyes, and the rule that a letter is rendered before the transaction are the use cases'; this module
wires their ports (the reason codes, the override recomputation, the letters, the clock) and keeps the
reads the pages use (``pending_first``, ``signed_record``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from adapters.driven.db.casefile import CaseFile, applied_for, line_group
from adapters.driven.db.engine import Database
from adapters.driven.db.models import Application, SignOff
from adapters.driven.db.repositories import pending_first_row
from adapters.driven.db.uow import SqlUnitOfWork
from adapters.driving.web import reason_codes
from adapters.driving.web.auth import Identity
from adapters.driving.web.roles import Action, Role, allowed
from decision.basis import DecisionBasis
from decision.bundle import CaseBundle
from decision.errors import FinaidError
from decision.money import format_kr_sv
from decision.overrides import LineOverride, Recomputed
from decision.ports import Clock
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

__all__ = ["FROM_PROPOSAL", "OUTCOME_SV", "SCHEMA", "Forbidden", "Override", "Policy", "Resolution", "Result",
           "SignOffError", "SignRequest", "compute", "countersign", "derive_outcome", "pending_first",
           "record_hash", "refuse", "return_for_information", "sign", "signed_record"]


class Forbidden(FinaidError):
    """The person's roles do not allow this action."""


# ------------------------------------------------------------------------------------------ compute
@dataclass(frozen=True)
class Computed:
    decided: list[int]  # per line, öre
    norm: int
    costs: int
    income: int
    total: int
    applied_total: int
    steps: list[dict[str, Any]]


def compute(case: CaseFile, overrides: tuple[Override, ...], labels: dict[str, str]) -> Computed:
    """The decided amounts: the proposal's lines with the overrides applied, summed like the rules do."""
    basis = case.basis
    pack = basis.rules.pack
    by_line = {o.line: o for o in overrides}
    decided: list[int] = []
    norm = costs = income = 0
    applied_costs = 0
    steps: list[dict[str, Any]] = []
    for i, line in enumerate(basis.lines):
        group = line_group(line.rule)
        amount = _ore(line.amount)
        o = by_line.get(i)
        if o is not None:
            steps.append(_step(
                f"override.{line.rule}", pack, [f"basis:/lines/{i}", f"reason_code:{o.reason_code}"],
                f"Handläggaren har ändrat beloppet från {format_kr_sv(amount)} till {format_kr_sv(o.amount_ore)}: "
                f"{labels.get(o.reason_code, o.reason_code)}.",
                line.legal_reference, o.amount_ore,
            ))
            amount = o.amount_ore
        decided.append(amount)
        if group == "norm":
            norm += amount
        elif group == "cost":
            costs += amount
            claimed = applied_for(case.bundle, line)
            applied_costs += claimed if claimed is not None else _ore(line.amount)
        elif group == "income":
            income += amount
        elif group == "disregard":
            income -= amount
    total = max(0, norm + costs - income)
    applied_total = max(0, norm + applied_costs - _ore(basis.amounts.income_counted))
    if steps:
        steps.append(_step(
            "override.result.decided", pack, [f"basis:/lines/{o.line}" for o in overrides],
            f"Beslutat försörjningsstöd: riksnorm {format_kr_sv(norm)} + godtagna kostnader {format_kr_sv(costs)} "
            f"− inkomster {format_kr_sv(income)} = {format_kr_sv(total)}.",
            None, total,
        ))
    for i, line in enumerate(basis.lines):  # the result line shows the decided total
        if line_group(line.rule) == "result":
            decided[i] = total
    return Computed(decided, norm, costs, income, total, applied_total, steps)


def _step(rule: str, pack: str, inputs: list[str], reason: str, ref: str | None, amount: int) -> dict[str, Any]:
    return {
        "rule": rule, "pack": pack, "kind": "line", "inputs": inputs, "reason": reason, "legal_reference": ref,
        "amount": amount, "code": None, "severity": None, "source": None, "person": None, "value": None,
    }


def _ore(text: str) -> int:
    from adapters.driven.db.casefile import amount_ore

    return amount_ore(text)


class PackOverrides:
    """``OverrideEvaluator`` over :func:`compute` — the ONE adapter place standing in until the rules'
    ``PackEvaluator.apply_overrides`` (the pinned pack's own formulas) replaces it at merge."""

    def apply_overrides(self, bundle: CaseBundle, basis: DecisionBasis,
                        overrides: Sequence[LineOverride]) -> Recomputed:
        c = compute(_Case(bundle, basis), tuple(  # type: ignore[arg-type]  # compute reads .basis and .bundle
            Override(o.line, o.amount_ore, o.reason_code, "") for o in overrides),
                    {o.reason_code: o.reason_label for o in overrides})
        return Recomputed(tuple(c.decided), c.norm, c.costs, c.income, c.total, c.applied_total, tuple(c.steps))


@dataclass(frozen=True)
class _Case:
    bundle: CaseBundle
    basis: DecisionBasis


class _SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class _DefaultLetters:
    """The configured letters, built only when a letter is rendered (they read the settings)."""

    def render(self, case: Any, record: Any, at: datetime) -> Any:
        from adapters.driven.letters.letters import LetterMaker

        return LetterMaker.default().render(case, record, at)


def ports(policy: Policy, letters: LetterRenderer | None = None, clock: Clock | None = None) -> SignOffPorts:
    return SignOffPorts(
        clock=clock or _SystemClock(),
        reason_codes=lambda municipality: reason_codes.for_municipality(municipality, policy.reason_codes_dir),
        overrides=PackOverrides(),
        letters=letters if letters is not None else _DefaultLetters(),
        line_group=line_group,
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
    return use_case.sign(SqlUnitOfWork(db), ports(policy, letters, clock), _signer(identity, Role.HANDLER),
                         application_id, req, policy)


def countersign(db: Database, identity: Identity, application_id: str, first_id: str,
                letters: LetterRenderer | None = None, clock: Clock | None = None) -> Result:
    """The second signature (four eyes): another person with the supervisor role."""
    _require(identity, Action.SECOND_SIGN)
    signer = Signer(identity.actor, identity.display_name, identity.title, Role.SUPERVISOR.value)
    return use_case.countersign(SqlUnitOfWork(db), ports(Policy(), letters, clock), signer, application_id, first_id)


def refuse(db: Database, identity: Identity, application_id: str, first_id: str, reason_code: str,
           motivation: str, policy: Policy, clock: Clock | None = None) -> Result:
    """The supervisor does not countersign: the proposal goes back to the handlers (state proposed)."""
    _require(identity, Action.SECOND_SIGN)
    signer = Signer(identity.actor, identity.display_name, identity.title, Role.SUPERVISOR.value)
    return use_case.refuse(SqlUnitOfWork(db), ports(policy, None, clock), signer, application_id, first_id,
                           reason_code, motivation)


def return_for_information(db: Database, identity: Identity, application_id: str, decision_id: str,
                           reason_code: str, motivation: str, policy: Policy, clock: Clock | None = None) -> Result:
    """More information is needed: state ``returned``; a new revision starts at received."""
    _require(identity, Action.RETURN)
    return use_case.return_for_information(SqlUnitOfWork(db), ports(policy, None, clock),
                                           _signer(identity, Role.HANDLER), application_id, decision_id,
                                           reason_code, motivation)


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
