"""Optional automated decisions (kommunallagen 6 kap. 37–38 §§, förvaltningslagen 28 §).

Off by default. Enabled per municipality with the reference to the board's delegation decision
(delegationsordning). Only a re-application proposed GRANT with no MANUAL finding, whose notices are all on
the municipality's allow-list, and which uses no health data (a sick certificate, sickness benefit or
activity compensation, or a health-related cost of case bundle /2 — GDPR art. 22(4)) and no protected
identity, is decided by ``system:auto`` (a supplementary application never is);
everything else waits for a handler. The batch calls :func:`automate` after it stores a proposal. The
letter (rendered before the transaction) says the decision was automated and how to ask a handler to
reconsider it; the audit event records the delegation reference.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from decision.bundle import CaseBundle, IncomeKind, LabourStatus
from decision.bundle_parts import HEALTH_COST_KINDS
from decision.limits import TOTAL_PARAM, above
from decision.money import parse_sum
from decision.ports import Clock, Notifier
from decision.services.etjanst import notify_applicant
from decision.services.signoff_types import (
    SCHEMA,
    LetterRenderer,
    Signer,
    move,
    relock,
    sign_off_row,
    signature,
    store_letter,
)
from decision.states import State
from decision.uow import CaseView, UnitOfWork

ACTOR = "system:auto"
LEGAL_BASIS = "kommunallagen (2017:725) 6 kap. 37 §; förvaltningslagen (2017:900) 28 §"
HEALTH_INCOME = frozenset({IncomeKind.SICKNESS_BENEFIT.value, IncomeKind.ACTIVITY_COMPENSATION.value})
SYSTEM = Signer(ACTOR, None, None, "system")


@dataclass(frozen=True)
class AutoConfig:
    delegation_reference: str
    allowed_notices: frozenset[str]

    @staticmethod
    def parse(raw: Mapping[str, Any]) -> AutoConfig | None:
        ref = str(raw.get("delegation_reference") or "").strip()
        if not ref or raw.get("enabled") is False:
            return None
        return AutoConfig(ref, frozenset(str(c) for c in raw.get("allowed_notices", [])))


def config_for(municipality: str, configured: Mapping[str, Mapping[str, Any]]) -> AutoConfig | None:
    raw = configured.get(municipality)
    return AutoConfig.parse(raw) if isinstance(raw, Mapping) else None


def uses_health_data(bundle: CaseBundle) -> bool:
    app = bundle.application
    if any(lm.status == LabourStatus.SICK_WITH_CERTIFICATE for lm in app.labour_market):
        return True
    if any(i.kind.value in HEALTH_INCOME for i in app.incomes):
        return True
    if any(c.kind.value in HEALTH_COST_KINDS for c in app.costs):  # bundle /2: läkarvård, medicin, tandvård, glasögon
        return True
    return any(
        getattr(f, "kind", None) in HEALTH_INCOME or getattr(getattr(f, "kind", None), "value", None) in HEALTH_INCOME
        for e in bundle.registry or [] for f in e.facts
    )


def why_not(case: CaseView, cfg: AutoConfig | None) -> str | None:
    """None when the case may be decided automatically, else the reason it may not (a code)."""
    if cfg is None:
        return "not_enabled"
    if case.app.state != State.PROPOSED:
        return "state"
    if case.bundle.application.kind == "supplementary":
        return "supplementary"  # a tilläggsansökan is never decided automatically (docs/case-bundle.md)
    if case.bundle.application.kind != "reapplication":
        return "first_application"
    if case.basis.outcome != "GRANT":
        return "outcome"
    if above(case.basis, TOTAL_PARAM, parse_sum(case.basis.amounts.proposed)):
        return "above_limit"  # never above the guideline's total (docs/domain.md section 3b)
    if case.app.protected:
        return "protected_identity"
    if any(f.severity == "manual" for f in case.basis.findings):
        return "manual_finding"
    if any(f.code not in cfg.allowed_notices for f in case.basis.findings):
        return "notice_not_allowed"
    if uses_health_data(case.bundle):
        return "health_data"
    return None


def automate(uow: UnitOfWork, letters: LetterRenderer, clock: Clock, decision_id: str, application_id: str,
             configured: Mapping[str, Mapping[str, Any]], notifier: Notifier | None = None) -> str | None:
    """Decide one stored proposal automatically where allowed; the sign-off id, or None (a handler decides).
    The applicant is told (``notifier``, after the commit) that something happened, never what."""
    if not configured:
        return None
    with uow:
        case = uow.signoffs.case(application_id)
    if case is None or case.decision_id != decision_id:
        return None
    cfg = config_for(case.app.municipality, configured)
    if cfg is None or why_not(case, cfg) is not None or not case.basis_intact:
        return None
    at = clock.now()
    basis = case.basis
    record = {
        "schema": SCHEMA,
        "application_id": case.app.id, "month": case.app.month, "municipality": case.app.municipality,
        "proposal": {
            "decision_id": case.decision_id, "basis_hash": case.basis_hash, "revision_hash": case.revision_hash,
            "outcome": basis.outcome, "proposed": basis.amounts.proposed,
            "rules": {"pack": basis.rules.pack, "hash": basis.rules.hash},
            "guideline": {"id": basis.guideline.id, "hash": basis.guideline.hash},
        },
        "action": "auto",
        "reason_codes": None,
        "overrides": [],
        "resolutions": [],
        "trace": [],
        "amounts": {
            "norm": basis.amounts.norm, "costs_accepted": basis.amounts.costs_accepted,
            "income_counted": basis.amounts.income_counted, "calculated": basis.amounts.proposed,
            "decided": basis.amounts.proposed, "applied_for": basis.amounts.proposed,
        },
        "outcome": "beviljat",
        "decision_reason": None,
        "note": None,
        "four_eyes": {"required": False, "reasons": []},
        "signatures": [signature(SYSTEM, at, "automated")],
        "automated": {"delegation_reference": cfg.delegation_reference, "legal_basis": LEGAL_BASIS},
        "decided_at": at.isoformat(),
    }
    letter = letters.render(case, record, at)  # before the transaction
    with uow:
        relock(uow, case, State.PROPOSED)
        row = sign_off_row(uow, case, "auto", SYSTEM, record, "beviljat", True, False)
        uow.signoffs.add(row, at)
        move(uow, case, State.PROPOSED, State.AUTO_APPROVED, ACTOR, {
            "sign_off": row.id, "decision": case.decision_id, "outcome": "beviljat",
            "delegation_reference": cfg.delegation_reference, "record_hash": row.record_hash,
            "notices": sorted({f.code for f in basis.findings}),
        }, at)
        store_letter(uow, case, row, letter, at)
        uow.commit()
    notify_applicant(notifier, case.app.household_key, "decision_made")
    return row.id
