"""The second factor of a local password (TOTP, RFC 6238), required outside demo mode.

After a right password the person is *pending*: a signed, short-lived cookie (:func:`pending_token`) names
them, and no session exists yet. A person without a confirmed TOTP enrols first: a new secret is made and
shown once (QR code and ``otpauth://`` URI) — showing the page again replaces it, so a secret seen once is
never shown again — and the first right code confirms it. A wrong code counts towards the same lockout as a
wrong password; each code is accepted once. ``finaid users totp-reset`` clears a person's TOTP (they enrol
again at their next login). The secret is stored encrypted (identity/totp.py) and never logged.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from adapters.driven.clock import SystemClock, read
from adapters.driven.db.engine import Database
from adapters.driven.db.models import User
from adapters.driven.db.trail import append_event
from adapters.driven.identity import totp
from adapters.driving.web.auth import LoginPolicy, LoginResult, aware
from decision.ports import Clock

PENDING_SECONDS = 300


@dataclass(frozen=True)
class Enrolment:
    uri: str  # otpauth://totp/finaid:USER?secret=…&issuer=finaid
    qr: str  # the same as an SVG data: URI
    secret: str  # typed in by hand when the camera cannot read the QR code


def pending_token(user_id: str, issued: int, sign: Callable[[str], str]) -> str:
    body = f"{user_id}.{issued}"
    return f"{body}.{sign(body)}"


def pending_user(token: str | None, now: int, sign: Callable[[str], str]) -> str | None:
    """The user id a pending-login cookie names, if it is ours and younger than :data:`PENDING_SECONDS`."""
    if not token or token.count(".") != 2 or len(token) > 256:
        return None
    user_id, issued, tag = token.split(".")
    if not issued.isdigit() or not hmac.compare_digest(tag, sign(f"{user_id}.{issued}")):
        return None
    return user_id if 0 <= now - int(issued) <= PENDING_SECONDS else None


class SecondFactor:
    """TOTP enrolment and verification for local-password logins. ``clock`` is the bootstrap's (audit times);
    codes are checked against the real time (``now``), which a demo's fixed date must not move."""

    def __init__(self, db: Database, box: totp.SecretBox, policy: LoginPolicy, clock: Clock | None = None,
                 now: Callable[[], datetime] | None = None) -> None:
        self.db, self.box, self.policy, self.clock = db, box, policy, clock
        self.now = now or SystemClock().now

    def needs_enrolment(self, user_id: str) -> bool:
        with self.db.read() as s:
            user = s.get(User, user_id)
            return user is not None and user.totp_enrolled_at is None

    def enrol(self, user_id: str) -> Enrolment | None:
        """A new secret for a person not yet enrolled (replacing an unconfirmed one); None when enrolled."""
        at = read(self.clock)
        with self.db.transaction() as s:
            user = s.get(User, user_id)
            if user is None or user.totp_enrolled_at is not None:
                return None
            secret = totp.new_secret()
            user.totp_secret, user.totp_last_step = self.box.seal(secret, user.id), None
            append_event(s, f"user:{user.username}", "totp_enrolment_shown", f"user:{user.username}", {}, at)
            uri = totp.provisioning_uri(secret, user.username)
        return Enrolment(uri, totp.qr_data_uri(uri), secret)

    def unconfirmed(self, user_id: str) -> Enrolment | None:
        """The secret being enrolled, again, for the page that just showed it when its first code was wrong."""
        with self.db.read() as s:
            user = s.get(User, user_id)
            if user is None or user.totp_enrolled_at is not None or not user.totp_secret:
                return None
            secret = self.box.open(user.totp_secret, user.id)
            if secret is None:
                return None
            uri = totp.provisioning_uri(secret, user.username)
        return Enrolment(uri, totp.qr_data_uri(uri), secret)

    def check(self, user_id: str, code: str) -> LoginResult:
        """A code for a pending login: the login completes (the enrolment too), or fails and counts."""
        at = read(self.clock)
        with self.db.transaction() as s:
            user = s.get(User, user_id)
            if user is None or not user.active:
                return LoginResult(None, "disabled")
            subject = f"user:{user.username}"
            locked = aware(user.locked_until)
            if locked is not None and locked > at:
                append_event(s, subject, "login_failed", subject, {"reason": "locked"}, at)
                return LoginResult(None, "locked")
            secret = self.box.open(user.totp_secret, user.id) if user.totp_secret else None
            step = totp.verify(secret, code, self.now(), user.totp_last_step) if secret else None
            if step is None:
                user.failed_logins += 1
                append_event(s, subject, "login_failed", subject,
                             {"reason": "totp_wrong", "failures": user.failed_logins}, at)
                if user.failed_logins >= self.policy.lockout_attempts:
                    user.locked_until = at + timedelta(minutes=self.policy.lockout_minutes)
                    user.failed_logins = 0
                    append_event(s, "system:web", "account_locked", subject,
                                 {"minutes": self.policy.lockout_minutes}, at)
                return LoginResult(None, "totp_wrong")
            user.totp_last_step = step
            if user.totp_enrolled_at is None:
                user.totp_enrolled_at = at
                append_event(s, subject, "totp_enrolled", subject, {}, at)
            user.failed_logins, user.locked_until, user.last_login_at = 0, None, at
            return LoginResult(user.id)


def reset(db: Database, username: str, actor: str, clock: Clock | None = None) -> bool:
    """Clear a person's TOTP (lost phone): they enrol again at their next login; their sessions end.
    False when they had none."""
    from sqlalchemy import update

    from adapters.driven.db.models import WebSession
    from adapters.driving.web.auth import AuthError

    at = read(clock)
    with db.transaction() as s:
        user = s.execute(select(User).where(User.username == username)).scalar_one_or_none()
        if user is None:
            raise AuthError(f"no user named {username}")
        had = user.totp_secret is not None
        user.totp_secret, user.totp_enrolled_at, user.totp_last_step = None, None, None
        s.execute(update(WebSession).where(WebSession.user_id == user.id, WebSession.ended_at.is_(None))
                  .values(ended_at=at))
        append_event(s, actor, "totp_reset", f"user:{username}", {"had_totp": had}, at)
        return had
