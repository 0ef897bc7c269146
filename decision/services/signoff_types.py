"""Sign-off's types, ports and pure helpers (the actions are decision/services/signoff.py)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal, Protocol

from decision.basis import DecisionBasis, canonical_json
from decision.bundle import CaseBundle
from decision.errors import FinaidError
from decision.limits import FOUR_EYES_PARAM, above
from decision.money import parse_sum
from decision.overrides import LineOverride, Recomputed
from decision.ports import Clock, Notifier
from decision.states import State
from decision.uow import CaseView, Move, NewLetter, NewSignOff, UnitOfWork

SCHEMA = "finaid.signed-decision/1"
MAX_TEXT = 2000
OUTCOME_SV = {"beviljat": "Beviljat", "delvis_beviljat": "Delvis beviljat", "avslag": "Avslag"}
FROM_PROPOSAL = {"GRANT": "beviljat", "PARTIAL": "delvis_beviljat", "REJECT": "avslag"}


class SignOffError(FinaidError):
    """A sign-off request that cannot be carried out; ``errors`` names each problem (Swedish, for the UI)."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__("; ".join(errors))


class CaseNotFound(FinaidError):
    """No such case, or not one this person may see (answered alike: 404)."""


@dataclass(frozen=True)
class Override:
    line: int  # index into the basis's lines
    amount_ore: int
    reason_code: str
    motivation: str


@dataclass(frozen=True)
class Resolution:
    finding: int  # index into the basis's findings
    reason_code: str
    motivation: str


@dataclass(frozen=True)
class SignRequest:
    action: Literal["approve", "amend", "reject"]
    decision_id: str  # the proposal the handler saw (a superseded one is refused)
    overrides: tuple[Override, ...] = ()
    resolutions: tuple[Resolution, ...] = ()
    reason_code: str | None = None  # reject
    motivation: str | None = None  # reject (required), approve/amend (optional note)
    skip_communication: tuple[str, str] | None = None  # no kommunicering (FL 25 §): (exception, motivation)


@dataclass(frozen=True)
class Policy:
    """Four eyes and where reason codes come from."""

    threshold_ore: int = 100_000
    findings: frozenset[str] = frozenset({"identity.protected"})
    reason_codes_dir: Any = None


@dataclass
class Result:
    sign_off_id: str
    state: str
    needs_second: bool
    letter_id: str | None = None
    four_eyes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Signer:
    """Who signs: the actor id, name and title shown in the record and letter, and the role signed in."""

    actor: str
    name: str | None
    title: str | None
    role: str


class ReasonCodes(Protocol):
    """A municipality's reason codes (adapters load them from rules/reason_codes/)."""

    def check(self, code: str, category: str, on: date) -> object | None: ...

    def label(self, code: str) -> str: ...

    def ref(self) -> dict[str, object]: ...


class OverrideEvaluator(Protocol):
    """The rule pack's own recomputation of a proposal with changed lines (``decision.ports.Evaluator``)."""

    def apply_overrides(self, bundle: CaseBundle, basis: DecisionBasis,
                        overrides: Sequence[LineOverride]) -> Recomputed: ...


@dataclass(frozen=True)
class RenderedLetter:
    html: str
    pdf: bytes | None
    template_hash: str


class LetterRenderer(Protocol):
    """Renders the decision letter (HTML, PDF) of a completed sign-off; implemented in adapters."""

    def render(self, case: CaseView, record: Mapping[str, Any], at: datetime) -> RenderedLetter: ...


@dataclass(frozen=True)
class SignOffPorts:
    clock: Clock
    reason_codes: Callable[[str], ReasonCodes]  # by municipality
    overrides: OverrideEvaluator
    letters: LetterRenderer
    line_group: Callable[[str], str]  # the rules' one line grouping: norm | cost | income | disregard | result
    notifier: Notifier | None = None  # tells the applicant a decision was made (never what), after the commit


# ------------------------------------------------------------------------------------------ pure helpers
def derive_outcome(total: int, applied_total: int) -> str:
    if total <= 0:
        return "avslag"
    return "beviljat" if total >= applied_total else "delvis_beviljat"


def four_eyes_reasons(basis: DecisionBasis, proposed: int, decided: int, policy: Policy) -> list[str]:
    reasons = []
    if abs(decided - proposed) > policy.threshold_ore:
        reasons.append("amount")
    if above(basis, FOUR_EYES_PARAM, decided):
        reasons.append("total")  # above the guideline's four-eyes total (docs/domain.md section 3b)
    for f in basis.findings:
        if f.code in policy.findings and f"finding:{f.code}" not in reasons:
            reasons.append(f"finding:{f.code}")
    return reasons


def record_hash(record: Mapping[str, Any]) -> str:
    return "sha256:" + hashlib.sha256(canonical_json(dict(record))).hexdigest()


def ore(text: str) -> int:
    return parse_sum(text)


def signature(signer: Signer, at: datetime, kind: str) -> dict[str, Any]:
    return {"actor": signer.actor, "name": signer.name, "title": signer.title, "role": signer.role,
            "at": at.isoformat(), "kind": kind}


def _text(value: str | None, what: str, errors: list[str], required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        errors.append(f"{what}: motivering saknas")
    if len(text) > MAX_TEXT:
        errors.append(f"{what}: högst {MAX_TEXT} tecken")
    return text


def sign_off_row(uow: UnitOfWork, case: CaseView, action: str, signer: Signer, record: Mapping[str, Any] | None,
                 outcome: str | None, final: bool, needs_second: bool, first_id: str | None = None,
                 overrides: tuple[tuple[str, str], ...] = ()) -> NewSignOff:
    body = dict(record) if record is not None else {}
    return NewSignOff(
        id=uow.new_id(), application_id=case.app.id, decision_id=case.decision_id, proposal_hash=case.basis_hash,
        action=action, actor=signer.actor, role=signer.role, outcome=outcome, final=final,
        needs_second=needs_second, protected=case.app.protected, municipality=case.app.municipality,
        month=case.app.month, record_hash=record_hash(body),
        record_json=json.dumps(body, ensure_ascii=False, sort_keys=True), first_id=first_id, overrides=overrides,
    )


def _sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def store_letter(uow: UnitOfWork, case: CaseView, row: NewSignOff, letter: RenderedLetter, at: datetime) -> str:
    """The rendered letter and its ``letter_created`` event, in the caller's transaction."""
    new = NewLetter(
        id=uow.new_id(), sign_off_id=row.id, application_id=case.app.id, html=letter.html, pdf=letter.pdf,
        html_sha256=_sha256(letter.html.encode("utf-8")),
        pdf_sha256=_sha256(letter.pdf) if letter.pdf is not None else None, template_hash=letter.template_hash,
    )
    uow.signoffs.add_letter(new, at)
    uow.audit.append([(row.actor, "letter_created", f"application:{case.app.id}", {
        "letter": new.id, "sign_off": row.id, "html_sha256": new.html_sha256, "pdf_sha256": new.pdf_sha256,
        "template_hash": new.template_hash,
    })], at)
    return new.id


def load(uow: UnitOfWork, application_id: str, decision_id: str | None = None) -> CaseView:
    """The case as stored; refuses a superseded proposal or a basis that no longer matches its hash."""
    case = uow.signoffs.case(application_id)
    if case is None:
        raise CaseNotFound(application_id)
    if decision_id is not None and case.decision_id != decision_id:
        raise SignOffError(["Förslaget har ersatts av ett nyare; öppna ärendet igen."])
    if not case.basis_intact:
        raise SignOffError(["Det lagrade förslaget stämmer inte med sin hash; kontakta systemförvaltningen."])
    return case


def relock(uow: UnitOfWork, case: CaseView, state: State) -> None:
    """In the writing transaction: the application is locked and still where the reading saw it."""
    app = uow.applications.lock([case.app.id]).get(case.app.id)
    if app is None:
        raise CaseNotFound(case.app.id)
    if app.current_decision_id != case.decision_id:
        raise SignOffError(["Förslaget har ersatts av ett nyare; öppna ärendet igen."])
    if app.state != state:
        raise SignOffError(["Ärendet har ändrats av någon annan; öppna ärendet igen."])


def move(uow: UnitOfWork, case: CaseView, source: State, target: State, actor: str, payload: dict[str, Any],
         at: datetime) -> None:
    uow.applications.move([Move(case.app.id, source.value, target, actor, payload,
                                columns={"last_note_at": at})], at)
