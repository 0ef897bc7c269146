"""Single sign-on for handlers: the identity provider's groups become finaid roles and units.

The OpenID Connect dance is :mod:`adapters.driven.identity.oidc`'s; this module decides who the person is in
finaid. A person is found by the provider's issuer and subject (never by a username: a local account named
like them is someone else); the first sign-in creates the account (no password: it can only sign in through
the provider). At every sign-in the roles and units are set from ``FINAID_OIDC_GROUP_MAP`` — each change an
audit event — so a group removed at the provider takes its role away at the next sign-in. A person in no
mapped group is refused (their finaid roles are cleared too), in Swedish, and the refusal is an audit event.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from adapters.driven.clock import read
from adapters.driven.db.engine import Database
from adapters.driven.db.models import User
from adapters.driven.db.store import new_id
from adapters.driven.db.trail import append_event
from adapters.driven.identity.oidc import Claims, OidcConfig
from adapters.driving.web.accounts import _set_roles, _set_units
from adapters.driving.web.auth import AuthError, LoginResult
from adapters.driving.web.roles import Role
from decision.errors import ConfigurationError
from decision.ports import Clock

CALLBACK_PATH = "/login/oidc/callback"
USERNAME = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

REFUSED_SV = {
    "no_mapped_group": ("Du har inte behörighet till finaid: ditt konto hos kommunens inloggning tillhör ingen "
                        "grupp som ger en roll i finaid. Kontakta systemförvaltaren om du behöver åtkomst."),
    "disabled": "Ditt konto i finaid är avstängt. Kontakta systemförvaltaren.",
    "unknown_unit": "Inloggningen kunde inte slutföras: en grupp pekar ut en enhet som inte finns i finaid. "
                    "Kontakta systemförvaltaren.",
    "provider": "Inloggningen via kommunens inloggning misslyckades. Försök igen; kvarstår felet, kontakta "
                "systemförvaltaren.",
}


@dataclass(frozen=True)
class GroupGrant:
    roles: frozenset[Role]
    units: frozenset[str]


@dataclass(frozen=True)
class SsoConfig:
    oidc: OidcConfig
    group_map: Mapping[str, GroupGrant]
    redirect_uri: str  # the public URL of CALLBACK_PATH
    after_logout_uri: str  # where the provider sends the browser after its logout (the login page)
    username_claim: str = "preferred_username"

    @property
    def administrators(self) -> list[str]:
        """The groups that make a person an administrator (``finaid doctor``)."""
        return sorted(g for g, grant in self.group_map.items() if Role.ADMINISTRATOR in grant.roles)


def parse_group_map(raw: Mapping[str, Mapping[str, list[str]]]) -> dict[str, GroupGrant]:
    """The settings' group map with each role checked (ConfigurationError naming FINAID_OIDC_GROUP_MAP)."""
    out = {}
    for group, grant in raw.items():
        unknown = [r for r in grant.get("roles", []) if r not in Role._value2member_map_]
        if unknown:
            raise ConfigurationError(
                f"FINAID_OIDC_GROUP_MAP: group {group!r} names the unknown role {unknown[0]!r} "
                f"(allowed: {', '.join(r.value for r in Role)})")
        out[group] = GroupGrant(frozenset(Role(r) for r in grant.get("roles", [])),
                                frozenset(grant.get("units", [])))
    return out


def granted(groups: Iterable[str], group_map: Mapping[str, GroupGrant]) -> GroupGrant | None:
    """The union of what the person's mapped groups give, or None when no group of theirs is mapped."""
    mapped = [group_map[g] for g in groups if g in group_map]
    if not mapped:
        return None
    return GroupGrant(frozenset().union(*(m.roles for m in mapped)), frozenset().union(*(m.units for m in mapped)))


def sign_in(db: Database, claims: Claims, config: SsoConfig, clock: Clock | None = None) -> LoginResult:
    """The finaid account behind a validated sign-in at the provider (created on the first), its roles and
    units set from the groups; a refusal's ``failure`` is a key of :data:`REFUSED_SV`."""
    at = read(clock)
    grant = granted(claims.groups, config.group_map)
    with db.transaction() as s:
        user = s.execute(select(User).where(User.idp_issuer == claims.issuer,
                                            User.idp_subject == claims.subject)).scalar_one_or_none()
        if user is None and grant is None:
            append_event(s, "anonymous", "login_failed", "user:unknown",
                         {"reason": "no_mapped_group", "method": "oidc"}, at)
            return LoginResult(None, "no_mapped_group")
        if user is None:
            user = _new_user(s, claims, config, at)
        subject = f"user:{user.username}"
        name = claims.claims.get("name")
        if name and name != user.display_name:
            user.display_name = name[:128]
        if not user.active:
            append_event(s, subject, "login_failed", subject, {"reason": "disabled", "method": "oidc"}, at)
            return LoginResult(None, "disabled")
        actor = "system:sso"
        if grant is None:
            _set_roles(s, user.id, user.username, [], actor, at)
            _set_units(s, user.id, user.username, [], actor, at)
            append_event(s, subject, "login_failed", subject, {"reason": "no_mapped_group", "method": "oidc"}, at)
            return LoginResult(None, "no_mapped_group")
        try:
            _set_units(s, user.id, user.username, sorted(grant.units), actor, at)
        except AuthError:
            append_event(s, subject, "login_failed", subject, {"reason": "unknown_unit", "method": "oidc"}, at)
            return LoginResult(None, "unknown_unit")
        _set_roles(s, user.id, user.username, sorted(grant.roles), actor, at)
        user.last_login_at = at
        return LoginResult(user.id)


def _new_user(s: Session, claims: Claims, config: SsoConfig, at: datetime) -> User:
    wanted = claims.claims.get(config.username_claim, "")
    wanted = wanted.split("@", 1)[0] if "@" in wanted else wanted
    taken = bool(wanted) and s.execute(select(User.id).where(User.username == wanted)).first() is not None
    if not USERNAME.match(wanted or "") or taken:
        digest = hashlib.sha256(f"{claims.issuer}\n{claims.subject}".encode()).hexdigest()[:12]
        wanted = f"sso-{digest}"
    user = User(id=new_id(), username=wanted, display_name=(claims.claims.get("name") or wanted)[:128], title=None,
                password_hash=None, active=True, is_demo=False, failed_logins=0, created_at=at,
                idp_issuer=claims.issuer, idp_subject=claims.subject)
    s.add(user)
    s.flush()
    append_event(s, "system:sso", "user_added", f"user:{wanted}", {"demo": False, "method": "oidc"}, at)
    return user
