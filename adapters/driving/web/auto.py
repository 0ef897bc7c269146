"""Optional automated decisions (kommunallagen 6 kap. 37–38 §§, förvaltningslagen 28 §).

Off by default. Enabled per municipality in ``FINAID_AUTO_DECISIONS`` with the reference to the
board's delegation decision (delegationsordning). Only a re-application proposed GRANT with no
MANUAL finding, whose notices are all on the municipality's allow-list, and which uses no health
data (a sick certificate, sickness benefit or activity compensation — GDPR art. 22(4)) and no
protected identity, is decided by ``system:auto``; everything else waits for a handler. The batch
calls :func:`maybe_auto_approve` after it stores a proposal. The letter says the decision was
automated and how to ask a handler to reconsider it; the audit event records the delegation reference.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import structlog
from sqlalchemy.orm import Session

from adapters.driven.db.casefile import CaseFile, load_case
from adapters.driven.db.engine import Database
from adapters.driven.db.models import Application
from adapters.driving.web.signoff import SCHEMA, _add_row, _move, record_hash
from audit.chain import append_event, now
from decision.bundle import CaseBundle, IncomeKind, LabourStatus
from decision.states import State

ACTOR = "system:auto"
LEGAL_BASIS = "kommunallagen (2017:725) 6 kap. 37 §; förvaltningslagen (2017:900) 28 §"
HEALTH_INCOME = frozenset({IncomeKind.SICKNESS_BENEFIT.value, IncomeKind.ACTIVITY_COMPENSATION.value})

log = structlog.get_logger("finaid.auto")


@dataclass(frozen=True)
class AutoConfig:
    delegation_reference: str
    allowed_notices: frozenset[str]

    @staticmethod
    def parse(raw: dict[str, Any]) -> AutoConfig | None:
        ref = str(raw.get("delegation_reference") or "").strip()
        if not ref or raw.get("enabled") is False:
            return None
        return AutoConfig(ref, frozenset(str(c) for c in raw.get("allowed_notices", [])))


def config_for(municipality: str, configured: dict[str, dict[str, Any]]) -> AutoConfig | None:
    raw = configured.get(municipality)
    return AutoConfig.parse(raw) if isinstance(raw, dict) else None


def uses_health_data(bundle: CaseBundle) -> bool:
    app = bundle.application
    if any(lm.status == LabourStatus.SICK_WITH_CERTIFICATE for lm in app.labour_market):
        return True
    if any(i.kind.value in HEALTH_INCOME for i in app.incomes):
        return True
    return any(
        getattr(f, "kind", None) in HEALTH_INCOME or getattr(getattr(f, "kind", None), "value", None) in HEALTH_INCOME
        for e in bundle.registry or [] for f in e.facts
    )


def why_not(case: CaseFile, cfg: AutoConfig | None) -> str | None:
    """None when the case may be decided automatically, else the reason it may not (a code)."""
    if cfg is None:
        return "not_enabled"
    if case.app.state != State.PROPOSED:
        return "state"
    if case.bundle.application.kind != "reapplication":
        return "first_application"
    if case.basis.outcome != "GRANT":
        return "outcome"
    if case.app.protected:
        return "protected_identity"
    if any(f.severity == "manual" for f in case.basis.findings):
        return "manual_finding"
    if any(f.code not in cfg.allowed_notices for f in case.basis.findings):
        return "notice_not_allowed"
    if uses_health_data(case.bundle):
        return "health_data"
    return None


def maybe_auto_approve(db: Database, decision_id: str, application_id: str,
                       configured: dict[str, dict[str, Any]] | None = None, letters: Any = None) -> str | None:
    """Decide one stored proposal automatically where allowed; returns the sign-off id or None.

    Never raises: a failure leaves the proposal for a handler (and is logged without personal data).
    """
    if configured is None:
        from adapters.settings import settings

        configured = settings().auto_decisions
    if not configured:
        return None
    try:
        with db.transaction() as s:
            return _auto(s, decision_id, application_id, configured, letters)
    except Exception as e:  # noqa: BLE001 - the handler decides instead
        log.warning("auto_decision_failed", decision=decision_id, error=type(e).__name__)
        return None


def _auto(s: Session, decision_id: str, application_id: str, configured: dict[str, dict[str, Any]],
          letters: Any) -> str | None:
    app = s.get(Application, application_id, with_for_update=True)
    if app is None or app.current_decision_id != decision_id:
        return None
    cfg = config_for(app.municipality, configured)
    if cfg is None:
        return None
    case = load_case(s, application_id, decision_id)
    if why_not(case, cfg) is not None or not case.basis_intact:
        return None
    at = now()
    basis = case.basis
    record = {
        "schema": SCHEMA,
        "application_id": app.id, "month": app.month, "municipality": app.municipality,
        "proposal": {
            "decision_id": case.decision.id, "basis_hash": case.decision.basis_hash,
            "revision_hash": case.decision.revision_hash, "outcome": basis.outcome,
            "proposed": basis.amounts.proposed,
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
        "signatures": [{"actor": ACTOR, "name": None, "title": None, "role": "system", "at": at.isoformat(),
                        "kind": "automated"}],
        "automated": {"delegation_reference": cfg.delegation_reference, "legal_basis": LEGAL_BASIS},
        "decided_at": at.isoformat(),
    }
    row = _add_row(s, case, "auto", ACTOR, "system", at, record, "beviljat", True, False)
    event = _move(s, app, State.AUTO_APPROVED, at)
    append_event(s, ACTOR, event, f"application:{app.id}", {
        "sign_off": row.id, "decision": case.decision.id, "outcome": "beviljat",
        "delegation_reference": cfg.delegation_reference, "record_hash": record_hash(record),
        "notices": sorted({f.code for f in basis.findings}),
    }, at)
    from adapters.driving.web.signoff import _letter

    _letter(s, case, row, record, letters, at)
    return row.id
