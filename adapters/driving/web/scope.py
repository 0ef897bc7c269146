"""Which cases a person may see: their units' municipalities, and protected identity only for the
roles configured for it. Every listing, report and case read goes through these two functions; a
case outside a person's scope is answered as if it did not exist (404).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import ColumnElement, and_, select, true
from sqlalchemy.orm import Session

from adapters.driven.db.engine import Database
from adapters.driven.db.models import Application, UnitArea
from adapters.driving.web.accounts import set_unit
from adapters.driving.web.auth import AuthError, Identity
from adapters.driving.web.roles import ALL_UNITS
from decision.ports import Clock


def _all_units(identity: Identity) -> bool:
    return bool(identity.roles & ALL_UNITS)


def visible(identity: Identity, municipality: Any = None, protected: Any = None) -> ColumnElement[bool]:
    """THE visibility rule, as a WHERE clause over ``municipality`` and ``protected`` columns (Application's
    by default): every listing, search, report and the case page itself (:func:`can_see`) use it.

    A unit sees a municipality's cases when it handles the whole municipality (its area's district is
    empty). Cases carry no district, so a district-level unit (``1287/Väster``) sees none of them — the
    queue shows nothing that would open as 404 (docs/roles.md, "Units"). Protected identities only for
    the roles configured for them.
    """
    municipality = Application.municipality if municipality is None else municipality
    protected = Application.protected if protected is None else protected
    conds: list[ColumnElement[bool]] = []
    if not identity.protected_access:
        conds.append(protected.is_(False))
    if not _all_units(identity):
        conds.append(municipality.in_(
            select(UnitArea.municipality).where(UnitArea.unit_id.in_(sorted(identity.units)), UnitArea.district == "")
        ))
    return and_(true(), *conds)


def can_see(s: Session, identity: Identity, app: Application) -> bool:
    """The case page's check: the same rule as every listing (:func:`visible`), on one application."""
    return s.execute(
        select(Application.id).where(Application.id == app.id, visible(identity))
    ).first() is not None


def load_units_file(db: Database, path: Path, actor: str, clock: Clock | None = None) -> int:
    """Load a unit mapping: ``units: [{id, name, municipalities: ["1287", "1287/Väster"]}]``."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("units"), list):
        raise AuthError(f"{path}: expected a list under 'units'")
    n = 0
    for unit in data["units"]:
        areas = []
        for item in unit.get("municipalities", []):
            municipality, _, district = str(item).partition("/")
            areas.append((municipality, district))
        set_unit(db, str(unit["id"]), str(unit.get("name", unit["id"])), areas, actor, clock)
        n += 1
    return n
