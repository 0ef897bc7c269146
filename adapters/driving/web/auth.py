"""Login behind a port, server-side sessions, CSRF tokens and the users' administration.

The port is :class:`Authenticator`: the first implementation checks argon2 password hashes with a
lockout after repeated failures; an OIDC or SAML adapter implements the same protocol (it returns a
user id after its own redirect dance) and everything after login stays the same. Sessions live in
``web_sessions``: the cookie holds a random token, the table only its keyed hash; a session ends
after an idle timeout and after a maximum lifetime, and a new one is issued at every login (no
fixation). Every login, failure, lockout, logout and role change is an audit event.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from adapters.driven.clock import read
from adapters.driven.db.engine import Database
from adapters.driven.db.models import User, UserRole, UserUnit, WebSession
from adapters.driven.db.trail import append_event
from adapters.driving.web.roles import STATED_PURPOSE, Role, parse_roles
from decision.errors import FinaidError
from decision.ports import Clock

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("finaid-timing-equaliser")
MIN_PASSWORD = 12
DEMO_SECRET = b"finaid-demo-session-secret-not-a-secret"
TOUCH_EVERY = timedelta(seconds=30)  # how often a live session's last_seen_at is written (load())


class AuthError(FinaidError):
    """A user administration request is invalid (unknown user, weak password, …)."""


def aware(at: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes for what was stored as UTC."""
    if at is None:
        return None
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


@dataclass(frozen=True)
class Identity:
    """Who is logged in: roles, units, and whether they may see protected identities."""

    user_id: str
    username: str
    display_name: str
    title: str | None
    roles: frozenset[Role]
    units: frozenset[str]
    protected_access: bool

    @property
    def actor(self) -> str:
        return f"user:{self.username}"


@dataclass(frozen=True)
class LoginResult:
    user_id: str | None
    failure: str | None = None  # bad_credentials | locked | disabled | demo_refused | totp_wrong | no_mapped_group …
    second_factor: str | None = None  # the password was right; still needed: "verify" (a code) or "enrol"

    @property
    def ok(self) -> bool:
        """Logged in: no failure and no second factor still to give."""
        return self.user_id is not None and self.failure is None and self.second_factor is None


class Authenticator(Protocol):
    """The login port for a username and password (a second factor may follow: ``LoginResult.second_factor``,
    adapters/driving/web/second_factor.py); single sign-on is adapters/driving/web/sso.py."""

    def authenticate(self, username: str, password: str) -> LoginResult: ...


@dataclass(frozen=True)
class LoginPolicy:
    lockout_attempts: int = 5
    lockout_minutes: int = 15
    demo: bool = False
    totp: bool = False  # a local password needs a TOTP code too (on outside demo mode)


class PasswordAuthenticator:
    """argon2 password hashes; lockout after ``lockout_attempts`` failures in a row."""

    def __init__(self, db: Database, policy: LoginPolicy, clock: Clock | None = None) -> None:
        self.db = db
        self.policy = policy
        self.clock = clock  # the bootstrap's (the web app passes it)

    def authenticate(self, username: str, password: str) -> LoginResult:
        at = read(self.clock)
        with self.db.transaction() as s:
            user = s.execute(select(User).where(User.username == username)).scalar_one_or_none()
            if user is None or user.password_hash is None:
                _verify(_DUMMY_HASH, password)  # the same work whether or not the user exists
                append_event(s, "anonymous", "login_failed", "user:unknown", {"reason": "bad_credentials"}, at)
                return LoginResult(None, "bad_credentials")
            subject = f"user:{user.username}"
            if user.is_demo and not self.policy.demo:
                append_event(s, subject, "login_failed", subject, {"reason": "demo_refused"}, at)
                return LoginResult(None, "demo_refused")
            if not user.active:
                append_event(s, subject, "login_failed", subject, {"reason": "disabled"}, at)
                return LoginResult(None, "disabled")
            locked = aware(user.locked_until)
            if locked is not None and locked > at:
                _verify(_DUMMY_HASH, password)
                append_event(s, subject, "login_failed", subject, {"reason": "locked"}, at)
                return LoginResult(None, "locked")
            if not _verify(user.password_hash, password):
                user.failed_logins += 1
                payload: dict[str, object] = {"reason": "bad_credentials", "failures": user.failed_logins}
                append_event(s, subject, "login_failed", subject, payload, at)
                if user.failed_logins >= self.policy.lockout_attempts:
                    user.locked_until = at + timedelta(minutes=self.policy.lockout_minutes)
                    user.failed_logins = 0
                    append_event(s, "system:web", "account_locked", subject,
                                 {"minutes": self.policy.lockout_minutes}, at)
                return LoginResult(None, "bad_credentials")
            if _hasher.check_needs_rehash(user.password_hash):
                user.password_hash = hash_password(password)
            if self.policy.totp and not user.is_demo:  # the failures count on until the code is right too
                return LoginResult(user.id, second_factor="verify" if user.totp_enrolled_at else "enrol")
            user.failed_logins, user.locked_until, user.last_login_at = 0, None, at
            return LoginResult(user.id)


def _verify(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


# ------------------------------------------------------------------------------------------ sessions
@dataclass(frozen=True)
class SessionPolicy:
    idle_minutes: int = 15
    max_hours: int = 10


@dataclass(frozen=True)
class ActiveSession:
    token_hash: str
    csrf_token: str
    identity: Identity


class SessionStore:
    """Server-side sessions keyed by the HMAC of a random cookie token."""

    def __init__(self, db: Database, secret: bytes, policy: SessionPolicy, protected_roles: Iterable[Role],
                 clock: Clock | None = None) -> None:
        self.db = db
        self.clock = clock  # the bootstrap's (the web app passes it)
        self.secret = secret
        self.policy = policy
        self.protected_roles = frozenset(protected_roles)

    def _hash(self, token: str) -> str:
        return hmac.new(self.secret, token.encode("utf-8"), hashlib.sha256).hexdigest()

    def create(self, user_id: str, replacing: str | None = None) -> tuple[str, str]:
        """A new session (token, csrf) for a user who just logged in; ``replacing`` is ended first."""
        at = read(self.clock)
        token = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        with self.db.transaction() as s:
            if replacing:
                s.execute(update(WebSession).where(WebSession.id_hash == self._hash(replacing))
                          .values(ended_at=at))
            s.add(WebSession(
                id_hash=self._hash(token), user_id=user_id, csrf_token=csrf, created_at=at, last_seen_at=at,
                expires_at=at + timedelta(hours=self.policy.max_hours),
            ))
            user = s.get(User, user_id)
            assert user is not None
            append_event(s, f"user:{user.username}", "login", f"user:{user.username}",
                         {"session": self._hash(token)[:16]}, at)
        return token, csrf

    def load(self, token: str | None) -> ActiveSession | None:
        """The live session behind a cookie token, or None (unknown, ended, idle, expired). It is touched
        (``last_seen_at``) when it was last touched ``TOUCH_EVERY`` or longer ago: a session idle for the
        policy's minutes ends at most that much sooner, never later."""
        if not token or len(token) > 128:
            return None
        at = read(self.clock)
        digest = self._hash(token)
        with self.db.transaction() as s:
            # one round trip: the session, its user, and the user's roles × units (a handful of rows)
            found = s.execute(
                select(WebSession, User, UserRole.role, UserUnit.unit_id)
                .join(User, User.id == WebSession.user_id)
                .outerjoin(UserRole, UserRole.user_id == User.id)
                .outerjoin(UserUnit, UserUnit.user_id == User.id)
                .where(WebSession.id_hash == digest)
            ).all()
            if not found or found[0][0].ended_at is not None:
                return None
            row, user = found[0][0], found[0][1]
            idle_limit = aware(row.last_seen_at) + timedelta(minutes=self.policy.idle_minutes)  # type: ignore[operator]
            if at > idle_limit or at > aware(row.expires_at):  # type: ignore[operator]
                row.ended_at = at
                append_event(s, "system:web", "session_expired", f"user:{user.username}", {"session": digest[:16]},
                             at)
                return None
            identity = _identity(user, (f[2] for f in found if f[2] is not None),
                                 (f[3] for f in found if f[3] is not None), self.protected_roles)
            if identity is None:
                row.ended_at = at
                return None
            if at - aware(row.last_seen_at) >= TOUCH_EVERY:  # type: ignore[operator]
                row.last_seen_at = at  # not on every request: a page read writes (and commits) nothing here
            return ActiveSession(digest, row.csrf_token, identity)

    def end(self, token: str | None) -> None:
        if not token:
            return
        at = read(self.clock)
        with self.db.transaction() as s:
            row = s.get(WebSession, self._hash(token))
            if row is None or row.ended_at is not None:
                return
            row.ended_at = at
            user = s.get(User, row.user_id)
            append_event(s, f"user:{user.username if user else '?'}", "logout",
                         f"user:{user.username if user else '?'}", {}, at)

    def sign(self, value: str) -> str:
        """A keyed tag (login-form CSRF tokens)."""
        return hmac.new(self.secret, value.encode("utf-8"), hashlib.sha256).hexdigest()


def load_identity(s: Session, user_id: str, protected_roles: frozenset[Role]) -> Identity | None:
    user = s.get(User, user_id)
    if user is None or not user.active:
        return None
    return _identity(user, s.execute(select(UserRole.role).where(UserRole.user_id == user_id)).scalars(),
                     s.execute(select(UserUnit.unit_id).where(UserUnit.user_id == user_id)).scalars(),
                     protected_roles)


def _identity(user: User, role_names: Iterable[str], unit_ids: Iterable[str],
              protected_roles: frozenset[Role]) -> Identity | None:
    if not user.active:
        return None
    roles = parse_roles(set(role_names))
    units = frozenset(unit_ids)
    return Identity(
        user_id=user.id, username=user.username, display_name=user.display_name, title=user.title, roles=roles,
        units=units, protected_access=bool(roles & (protected_roles | STATED_PURPOSE)),
    )
