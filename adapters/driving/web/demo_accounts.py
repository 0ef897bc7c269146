"""Demo accounts and units (FINAID_MODE=demo only; documented in docs/web.md).

Outside demo mode these accounts are refused at login even if they exist in the database.
"""

from __future__ import annotations

from sqlalchemy import select

from adapters.driven.db.engine import Database
from adapters.driven.db.models import Unit, User
from adapters.driving.web.accounts import add_user, set_unit
from decision.ports import Clock

ACTOR = "system:demo"
UNITS = (
    ("nord", "Försörjningsstöd Nord", ("1287", "1280", "0180", "1480", "2480")),
    ("syd", "Försörjningsstöd Syd", ("0380",)),
)
# username, display name, title, roles, units — the password is "demo-" + username
ACCOUNTS = (
    ("handlaggare1", "Hanna Handläggare (demo)", "socialsekreterare", ("handler",), ("nord",)),
    ("handlaggare2", "Hugo Handläggare (demo)", "socialsekreterare", ("handler",), ("syd",)),
    ("supervisor1", "Sara Arbetsledare (demo)", "1:e socialsekreterare", ("supervisor",), ("nord", "syd")),
    ("supervisor2", "Sven Arbetsledare (demo)", "enhetschef", ("supervisor",), ("nord", "syd")),
    ("auditor1", "Greta Granskare (demo)", "internkontroll", ("auditor",), ()),
    ("admin1", "Adam Administratör (demo)", "systemförvaltare", ("administrator",), ()),
    ("inspektor1", "Ingrid Inspektör (demo)", "inspektör (tillsyn)", ("inspector",), ()),
)


def demo_password(username: str) -> str:
    return f"demo-{username}"


def ensure_demo(db: Database, clock: Clock | None = None) -> None:
    """Create the demo units and accounts that do not exist yet (idempotent)."""
    with db.read() as s:
        units = set(s.execute(select(Unit.id)).scalars())
        users = set(s.execute(select(User.username)).scalars())
    for unit_id, name, municipalities in UNITS:
        if unit_id not in units:
            set_unit(db, unit_id, name, [(m, "") for m in municipalities], ACTOR, clock)
    for username, name, title, roles, unit_ids in ACCOUNTS:
        if username not in users:
            add_user(db, username, name, demo_password(username), roles, unit_ids, ACTOR, title=title, is_demo=True,
                     clock=clock)
