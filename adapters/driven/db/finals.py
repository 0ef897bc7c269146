"""Final outcomes: which sign-offs are the decision that stands (docs/audit.md, "Final outcomes").

A sign-off row is *final* when it completes a decision (approve/amend/reject without four eyes, a
countersignature, an automated decision, a correction or change after the decision). It is the decision that
*stands* when no later final sign-off exists for the same application: a correction or change (FL 36–39 §§)
is a later final sign-off that supersedes it. A first signature that was refused, or still waits for its
second signature, never became final and is not counted. ``audit query --final`` and ``audit overrides --final``
read these.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, select, union
from sqlalchemy.orm import aliased

from adapters.driven.db.models import SignOff

FIRST_SIGNATURES = ("approve", "amend", "reject", "auto")


def standing(row: Any = SignOff) -> ColumnElement[bool]:
    """A WHERE clause: ``row`` is final and no later final sign-off of its application supersedes it."""
    return _standing_sign_off() if row is SignOff else _standing(row)


@lru_cache(maxsize=1)
def _standing_sign_off() -> ColumnElement[bool]:
    """The clause over ``SignOff`` itself, built once (an SQL expression is immutable and reusable; building it
    — the aliased table above all — cost about a millisecond of every page that lists decisions)."""
    return _standing(SignOff)


def _standing(row: Any) -> ColumnElement[bool]:
    later = aliased(SignOff)
    return and_(row.final.is_(True), ~exists(select(later.id).where(
        later.application_id == row.application_id, later.final.is_(True),
        (later.at > row.at) | and_(later.at == row.at, later.id > row.id),
    )))


def standing_first_signatures() -> Select[Any]:
    """The ids of the first signatures (approve, amend, reject, auto — where the overrides are recorded) whose
    decision stands: the final row itself, or the first signature a standing countersignature answers."""
    row = aliased(SignOff)
    own = select(row.id).where(standing(row), row.action.in_(FIRST_SIGNATURES))
    countersigned = select(row.first_id).where(standing(row), row.action == "countersign", row.first_id.is_not(None))
    return select(union(own, countersigned).subquery().c[0])
