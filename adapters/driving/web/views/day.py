"""What a handler's day adds to the case page (its own blocks: case_assignment.html, case_household.html): who
has the case, and the household's other applications and decisions, every month, each linking to its case."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from adapters.driving.web import household
from adapters.driving.web.views.common import Ctx
from adapters.driving.web.views.mine import assignment


def day_view(ctx: Ctx, s: Session, app: Any) -> dict[str, Any]:
    return {"assignment": assignment(ctx, s, app), "household": household.household_decisions(s, ctx.identity, app)}
