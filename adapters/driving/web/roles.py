"""Roles and what each may do: the one table every check reads (documented in docs/roles.md).

A request names the action it performs; :func:`allowed` answers from :data:`PERMISSIONS` and
nothing else decides. Which cases a role sees (units, protected identity) is :mod:`adapters.driving.web.scope`.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class Role(StrEnum):
    HANDLER = "handler"
    SUPERVISOR = "supervisor"
    AUDITOR = "auditor"
    ADMINISTRATOR = "administrator"
    INSPECTOR = "inspector"


class Action(StrEnum):
    VIEW_QUEUE = "view_queue"  # the queue of proposals awaiting sign-off
    VIEW_CASE = "view_case"  # the case page: basis, facts, previous month, history
    FETCH_AGAIN = "fetch_again"  # "Hämta igen": re-query the registries
    SIGN = "sign"  # approve, amend or reject a proposal (the first signature)
    RETURN = "return"  # return the application for more information
    SECOND_SIGN = "second_sign"  # countersign or refuse a decision awaiting a second signature
    VIEW_LETTER = "view_letter"  # the decision letter (HTML, PDF)
    VIEW_STATISTICS = "view_statistics"  # override statistics per rule and reason code
    VIEW_ACCESS_LOG = "view_access_log"  # who read what, when and why
    MANAGE_USERS = "manage_users"  # users, roles, units, unlocking
    SEARCH = "search"  # find a household's cases by personnummer (POST, with a purpose)
    VIEW_MINE = "view_mine"  # "Mina ärenden": the cases assigned to me
    ASSIGN = "assign"  # take a case, or hand it over to another handler of the same unit


ROLE_SV = {
    Role.HANDLER: "Handläggare",
    Role.SUPERVISOR: "Arbetsledare",
    Role.AUDITOR: "Granskare",
    Role.ADMINISTRATOR: "Administratör",
    Role.INSPECTOR: "Tillsynsgranskare",
}

PERMISSIONS: dict[Role, frozenset[Action]] = {
    Role.HANDLER: frozenset({
        Action.VIEW_QUEUE, Action.VIEW_CASE, Action.FETCH_AGAIN, Action.SIGN, Action.RETURN, Action.VIEW_LETTER,
        Action.SEARCH, Action.VIEW_MINE, Action.ASSIGN,
    }),
    Role.SUPERVISOR: frozenset({
        Action.VIEW_QUEUE, Action.VIEW_CASE, Action.FETCH_AGAIN, Action.SIGN, Action.RETURN, Action.SECOND_SIGN,
        Action.VIEW_LETTER, Action.VIEW_STATISTICS, Action.SEARCH, Action.VIEW_MINE, Action.ASSIGN,
    }),
    Role.AUDITOR: frozenset({
        Action.VIEW_QUEUE, Action.VIEW_CASE, Action.VIEW_LETTER, Action.VIEW_STATISTICS, Action.VIEW_ACCESS_LOG,
        Action.SEARCH,
    }),
    Role.ADMINISTRATOR: frozenset({Action.MANAGE_USERS}),
    # IVO, JO: supervision (tillsyn) of any case, protected identities included, read-only; every case is opened
    # only after the inspector states a purpose and a reference (adapters/driving/web/views/inspect.py)
    Role.INSPECTOR: frozenset({Action.VIEW_CASE, Action.SEARCH}),
}

# The purpose (access log) a role reads personal data for.
PURPOSE: dict[Role, str] = {
    Role.HANDLER: "handlaggning",
    Role.SUPERVISOR: "handlaggning",
    Role.AUDITOR: "revision",
    Role.ADMINISTRATOR: "drift",
    Role.INSPECTOR: "tillsyn",
}

# Roles that read a case only after stating a purpose and a reference, always seeing protected identities.
STATED_PURPOSE: frozenset[Role] = frozenset({Role.INSPECTOR})
# The purposes a role may choose when it searches (the first is the default).
SEARCH_PURPOSES: dict[Role, tuple[str, ...]] = {
    Role.HANDLER: ("handlaggning", "uppfoljning"),
    Role.SUPERVISOR: ("handlaggning", "uppfoljning"),
    Role.AUDITOR: ("revision", "uppfoljning"),
    Role.INSPECTOR: ("tillsyn",),
}

# Roles that see every unit's cases (auditors audit the whole organisation).
ALL_UNITS: frozenset[Role] = frozenset({Role.AUDITOR, Role.INSPECTOR})


def search_purposes(roles: Iterable[Role]) -> tuple[str, ...]:
    """The purposes this person may state for a search, in order of their roles (handling first)."""
    out: list[str] = []
    for role in (Role.HANDLER, Role.SUPERVISOR, Role.AUDITOR, Role.INSPECTOR):
        if role in set(roles):
            out += [p for p in SEARCH_PURPOSES[role] if p not in out]
    return tuple(out)


def parse_roles(names: Iterable[str]) -> frozenset[Role]:
    return frozenset(Role(n) for n in names if n in Role._value2member_map_)


def allowed(roles: Iterable[Role], action: Action) -> bool:
    return any(action in PERMISSIONS[r] for r in roles)


def purpose_for(roles: Iterable[Role]) -> str:
    """The purpose logged when this person reads a case: handling before supervision before audit."""
    rs = set(roles)
    for role in (Role.HANDLER, Role.SUPERVISOR, Role.AUDITOR, Role.INSPECTOR, Role.ADMINISTRATOR):
        if role in rs:
            return PURPOSE[role]
    return "drift"


def table_markdown() -> str:
    """The role × action table as Markdown (docs/roles.md is generated from this; a test keeps them equal)."""
    roles = list(Role)
    head = "| action | " + " | ".join(r.value for r in roles) + " |"
    sep = "|---|" + "---|" * len(roles)
    rows = [
        f"| `{a.value}` | " + " | ".join("yes" if a in PERMISSIONS[r] else "–" for r in roles) + " |"
        for a in Action
    ]
    return "\n".join([head, sep, *rows])
