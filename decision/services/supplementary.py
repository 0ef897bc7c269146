"""Supplementary applications (tilläggsansökan, ``application.kind = "supplementary"``, case bundle /2).

A supplementary application is an application of its own for a month the household already has a signed,
final decision for; it is never a revision of that application (its id is new, the signed decision is not
superseded). finaid finds what was decided itself — never from the bundle: over the household's other
applications for the month, every decision with a final sign-off that is not superseded, with the amount
the signed record decided (after amendments). The household is the applicant's keyed HMAC
(``household_key``). The evaluator gets it as ``earlier`` (decision/ports.py) and the decision stores it, so
replay passes the same one. A supplementary application for a month with no such decision is refused when
it is submitted (an input error naming ``application.kind``); it is never decided automatically
(decision/services/automation.py). docs/case-bundle.md, "finaid.case-bundle/2".
"""

from __future__ import annotations

from decision.bundle import CaseBundle, Role
from decision.errors import FieldError, InputError
from decision.ports import EarlierDecision
from decision.uow import UnitOfWork

SUPPLEMENTARY = "supplementary"
NO_EARLIER = (
    "supplementary: the household has no signed, final decision for this month "
    "(en tilläggsansökan kräver ett signerat beslut för månaden)"
)


def is_supplementary(bundle: CaseBundle) -> bool:
    return bundle.application.kind == SUPPLEMENTARY


def earlier_in(uow: UnitOfWork, bundle: CaseBundle) -> EarlierDecision | None:
    """The signed decision a supplementary bundle is decided against, in the caller's open unit of work;
    None for any other kind. Raises :class:`InputError` (``application.kind``) when there is none."""
    if not is_supplementary(bundle):
        return None
    app = bundle.application
    applicant = next(m.personnummer for m in app.household if m.role is Role.APPLICANT)
    key = uow.person_key(applicant)
    found = uow.decisions.signed_for_month(key, app.month, app.id) if key is not None else None
    if found is None:
        raise InputError([FieldError("application.kind", NO_EARLIER)])
    return found


def find_earlier(uow: UnitOfWork, bundle: CaseBundle) -> EarlierDecision | None:
    """:func:`earlier_in` in a read-only transaction of its own."""
    if not is_supplementary(bundle):
        return None
    with uow:
        return earlier_in(uow, bundle)


__all__ = ["NO_EARLIER", "SUPPLEMENTARY", "earlier_in", "find_earlier", "is_supplementary"]
