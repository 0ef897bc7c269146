"""Loading one case as stored: the application, its current proposal, the sealed bundle and the basis.

Nothing is recomputed here: the basis and trace are read back from the decision row; the amounts a
household applied for are read from the bundle the basis cites.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from adapters.driven.db.models import Application, Decision, Revision
from decision import basis as _basis
from decision import overrides as _overrides
from decision.basis import DecisionBasis, Line
from decision.bundle import CaseBundle
from decision.services.signoff_types import CaseNotFound

__all__ = ["CaseFile", "CaseNotFound", "amount_ore", "applied_for", "line_group", "load_case"]


@dataclass(frozen=True)
class CaseFile:
    app: Application
    decision: Decision
    revision: Revision
    bundle: CaseBundle
    basis: DecisionBasis
    trace: list[dict[str, Any]]

    @property
    def household(self) -> list[str]:
        return [m.personnummer for m in self.bundle.application.household]

    @property
    def basis_intact(self) -> bool:
        assert self.decision.basis_json is not None
        digest = "sha256:" + hashlib.sha256(self.decision.basis_json.encode("utf-8")).hexdigest()
        return digest == self.decision.basis_hash


def load_case(s: Session, application_id: str, decision_id: str | None = None) -> CaseFile:
    """The case (its current decision, or ``decision_id``), read in one round trip."""
    chosen = Decision.id == decision_id if decision_id else Decision.id == Application.current_decision_id
    found = s.execute(
        select(Application, Decision, Revision).outerjoin(Decision, chosen)
        .outerjoin(Revision, Revision.id == Decision.revision_id).where(Application.id == application_id)
    ).first()
    if found is None:
        raise CaseNotFound(application_id)
    app, decision, revision = found
    if decision is None or decision.application_id != app.id or decision.basis_json is None:
        raise CaseNotFound(application_id)
    if revision is None or revision.bundle_json is None:
        raise CaseNotFound(application_id)
    return CaseFile(
        app=app, decision=decision, revision=revision,
        bundle=CaseBundle.model_validate_json(revision.bundle_json, strict=False),
        basis=DecisionBasis.model_validate_json(decision.basis_json),
        trace=json.loads(decision.trace_json or "[]"),
    )


def line_group(rule: str) -> str:
    return _basis.line_group(rule)  # the rules' one grouping of lines


def applied_for(bundle: CaseBundle, line: Line) -> int | None:
    return _overrides.applied_for(bundle, line)  # what the household declared for a cost or income line


def amount_ore(text: str) -> int:
    negative = text.startswith("-")
    whole, _, frac = text.lstrip("-").partition(".")
    value = int(whole) * 100 + int((frac or "0").ljust(2, "0")[:2])
    return -value if negative else value
