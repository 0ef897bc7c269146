"""What a handler's day adds to the case page (its own blocks: case_assignment.html, case_household.html): who
has the case, and the household's other applications and decisions, every month, each linking to its case."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from adapters.driving.web import household, presentation
from adapters.driving.web.views.common import Ctx
from adapters.driving.web.views.mine import assignment


def day_view(ctx: Ctx, s: Session, app: Any, bundle: Any = None) -> dict[str, Any]:
    return {"assignment": assignment(ctx, s, app), "household": household.household_decisions(s, ctx.identity, app),
            "names": names(bundle)}


def names(bundle: Any) -> list[tuple[str, str]]:
    """(role label, name) of the members that carry a name (case bundle version 2); none until the model has
    ``name``. Only shown on a case page the person may open (protected identity: roles with access only)."""
    if bundle is None or not household.NAMES_IN_MODEL:
        return []
    labels = presentation.person_labels(bundle)
    return [(labels[m.personnummer], str(m.name)) for m in bundle.application.household
            if getattr(m, "name", None)]
