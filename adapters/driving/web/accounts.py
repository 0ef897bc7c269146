"""Accounts: people who log in (roles, units, passwords, enabled, locked) and units with the municipalities
they handle — administered from ``finaid users/units …`` and the admin page; every change is an audit event."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from adapters.driven.clock import read
from adapters.driven.db.engine import Database
from adapters.driven.db.models import Unit, UnitArea, User, UserRole, UserUnit, WebSession
from adapters.driven.db.store import new_id
from adapters.driven.db.trail import append_event
from adapters.driving.web.auth import MIN_PASSWORD, AuthError, aware, hash_password
from adapters.driving.web.roles import Role
from decision.ports import Clock


def check_password(password: str, demo: bool = False) -> None:
    if not demo and len(password) < MIN_PASSWORD:
        raise AuthError(f"the password must have at least {MIN_PASSWORD} characters")


def add_user(
    db: Database, username: str, display_name: str, password: str | None, roles: Iterable[str],
    units: Iterable[str], actor: str, title: str | None = None, is_demo: bool = False, clock: Clock | None = None,
) -> str:
    """Create a user with roles and units (an audit event each); returns the user id."""
    if not username or len(username) > 64 or not all(c.isalnum() or c in "._-" for c in username):
        raise AuthError("a username is 1–64 letters, digits, '.', '_' or '-'")
    role_set = _roles(roles)
    if password is not None:
        check_password(password, is_demo)
    at = read(clock)
    with db.transaction() as s:
        if s.execute(select(User.id).where(User.username == username)).scalar_one_or_none():
            raise AuthError(f"a user named {username} exists already")
        uid = new_id()
        s.add(User(id=uid, username=username, display_name=display_name, title=title,
                   password_hash=hash_password(password) if password is not None else None, active=True,
                   is_demo=is_demo, failed_logins=0, created_at=at))
        s.flush()
        append_event(s, actor, "user_added", f"user:{username}", {"demo": is_demo}, at)
        _set_roles(s, uid, username, role_set, actor, at)
        _set_units(s, uid, username, list(units), actor, at)
        return uid


def _roles(names: Iterable[str]) -> list[Role]:
    out = []
    for n in names:
        if n not in Role._value2member_map_:
            raise AuthError(f"unknown role {n!r}; one of {', '.join(r.value for r in Role)}")
        out.append(Role(n))
    return sorted(set(out))


def _user(s: Session, username: str) -> User:
    user = s.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        raise AuthError(f"no user named {username}")
    return user


def _set_roles(s: Session, uid: str, username: str, roles: list[Role], actor: str, at: datetime) -> None:
    before = sorted(s.execute(select(UserRole.role).where(UserRole.user_id == uid)).scalars())
    after = sorted(r.value for r in roles)
    if before == after:
        return
    s.execute(delete(UserRole).where(UserRole.user_id == uid))
    s.add_all(UserRole(user_id=uid, role=r) for r in after)
    append_event(s, actor, "roles_changed", f"user:{username}", {"before": before, "after": after}, at)


def _set_units(s: Session, uid: str, username: str, units: list[str], actor: str, at: datetime) -> None:
    for unit in units:
        if s.get(Unit, unit) is None:
            raise AuthError(f"no unit {unit!r} (finaid units set)")
    before = sorted(s.execute(select(UserUnit.unit_id).where(UserUnit.user_id == uid)).scalars())
    after = sorted(set(units))
    if before == after:
        return
    s.execute(delete(UserUnit).where(UserUnit.user_id == uid))
    s.add_all(UserUnit(user_id=uid, unit_id=u) for u in after)
    append_event(s, actor, "units_changed", f"user:{username}", {"before": before, "after": after}, at)


def set_roles(db: Database, username: str, roles: Iterable[str], actor: str, clock: Clock | None = None) -> None:
    role_list = _roles(roles)
    at = read(clock)
    with db.transaction() as s:
        user = _user(s, username)
        _set_roles(s, user.id, username, role_list, actor, at)


def set_units(db: Database, username: str, units: Iterable[str], actor: str, clock: Clock | None = None) -> None:
    at = read(clock)
    with db.transaction() as s:
        user = _user(s, username)
        _set_units(s, user.id, username, list(units), actor, at)


def set_active(db: Database, username: str, active: bool, actor: str, clock: Clock | None = None) -> None:
    at = read(clock)
    with db.transaction() as s:
        user = _user(s, username)
        if user.active == active:
            return
        user.active = active
        if not active:
            s.execute(update(WebSession).where(WebSession.user_id == user.id, WebSession.ended_at.is_(None))
                      .values(ended_at=at))
        append_event(s, actor, "user_enabled" if active else "user_disabled", f"user:{username}", {}, at)


def unlock(db: Database, username: str, actor: str, clock: Clock | None = None) -> None:
    at = read(clock)
    with db.transaction() as s:
        user = _user(s, username)
        user.locked_until, user.failed_logins = None, 0
        append_event(s, actor, "account_unlocked", f"user:{username}", {}, at)


def set_password(db: Database, username: str, password: str, actor: str, clock: Clock | None = None) -> None:
    at = read(clock)
    with db.transaction() as s:
        user = _user(s, username)
        check_password(password, user.is_demo)
        user.password_hash = hash_password(password)
        user.failed_logins, user.locked_until = 0, None
        s.execute(update(WebSession).where(WebSession.user_id == user.id, WebSession.ended_at.is_(None))
                  .values(ended_at=at))
        append_event(s, actor, "password_set", f"user:{username}", {}, at)


def list_users(db: Database, clock: Clock | None = None) -> list[dict[str, Any]]:
    at = read(clock)
    with db.read() as s:
        users = s.execute(select(User).order_by(User.username)).scalars().all()
        out = []
        for u in users:
            roles = sorted(s.execute(select(UserRole.role).where(UserRole.user_id == u.id)).scalars())
            units = sorted(s.execute(select(UserUnit.unit_id).where(UserUnit.user_id == u.id)).scalars())
            locked = aware(u.locked_until)
            out.append({
                "username": u.username, "display_name": u.display_name, "title": u.title, "roles": roles,
                "units": units, "active": u.active, "demo": u.is_demo,
                "locked": bool(locked and locked > at), "sso": u.idp_subject is not None,
                "totp": u.totp_enrolled_at is not None,
                "last_login_at": aware(u.last_login_at),
            })
        return out


# ------------------------------------------------------------------------------------------- units
def set_unit(db: Database, unit_id: str, name: str, areas: Iterable[tuple[str, str]], actor: str,
             clock: Clock | None = None) -> None:
    """Create or update a unit and the municipalities (districts) it handles."""
    at = read(clock)
    area_list = sorted(set(areas))
    for municipality, _district in area_list:
        if len(municipality) != 4 or not municipality.isdigit():
            raise AuthError("a municipality is a four-digit code")
    with db.transaction() as s:
        row = s.get(Unit, unit_id)
        if row is None:
            s.add(Unit(id=unit_id, name=name))
        else:
            row.name = name
        s.flush()
        before = sorted((a.municipality, a.district) for a in s.execute(
            select(UnitArea).where(UnitArea.unit_id == unit_id)).scalars())
        if before == area_list and row is not None:
            return
        s.execute(delete(UnitArea).where(UnitArea.unit_id == unit_id))
        for municipality, district in area_list:
            s.execute(delete(UnitArea).where(UnitArea.municipality == municipality, UnitArea.district == district))
            s.add(UnitArea(municipality=municipality, district=district, unit_id=unit_id))
        append_event(s, actor, "unit_changed", f"unit:{unit_id}",
                     {"areas": [f"{m}/{d}" if d else m for m, d in area_list]}, at)


def list_units(db: Database) -> list[dict[str, Any]]:
    with db.read() as s:
        units = s.execute(select(Unit).order_by(Unit.id)).scalars().all()
        return [
            {"id": u.id, "name": u.name, "areas": sorted(
                (a.municipality + (f"/{a.district}" if a.district else "")) for a in s.execute(
                    select(UnitArea).where(UnitArea.unit_id == u.id)).scalars())}
            for u in units
        ]
