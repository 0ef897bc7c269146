"""What the web app's pages and the API use: the database, store, access log, sessions, login, sign-off
policy and letters — one :class:`WebServices` per app, built by ``create_app`` (adapters/driving/web/app.py)."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from adapters.driven.clock import SystemClock
from adapters.driven.db.access import AccessLog
from adapters.driven.db.engine import Database
from adapters.driven.db.store import CaseStore
from adapters.driven.db.uow import SqlUnitOfWork
from adapters.driven.identity.totp import SecretBox
from adapters.driven.letters.letters import ConfiguredParticulars, LetterMaker
from adapters.driving.web.auth import LoginPolicy, PasswordAuthenticator, SessionPolicy, SessionStore
from adapters.driving.web.config import WebConfig
from adapters.driving.web.second_factor import SecondFactor
from adapters.driving.web.signoff import Policy
from audit.access import person_key
from decision.errors import ConfigurationError
from decision.ports import Clock

if TYPE_CHECKING:
    from adapters.bootstrap import Services
    from adapters.driven.identity.oidc import OidcClient
    from rules.catalog import Catalog


class WebServices:
    """What the routes use; one per app. ``services``: the bootstrap's, handed to ``create_app`` by the
    entry point (``finaid web serve``); without them (tests) the app reads the installed rule packs itself."""

    def __init__(self, config: WebConfig, db: Database, services: Services | None = None) -> None:
        if len(config.hmac_key) < 16:
            raise ConfigurationError("the web app needs the access-log HMAC key (FINAID_HMAC_KEY)")
        self.config = config
        self._services = services
        self.db = db
        key = config.hmac_key
        self.clock: Clock = services.clock if services is not None else SystemClock()
        self.store = CaseStore(db, person_key=lambda pnr: person_key(key, pnr))
        self.access = AccessLog(db, key, self.clock.now)
        self.sessions = SessionStore(
            db, config.session_secret, SessionPolicy(config.idle_minutes, config.max_hours), config.protected_roles,
            self.clock,
        )
        login_policy = LoginPolicy(config.lockout_attempts, config.lockout_minutes, config.demo,
                                   totp=config.totp_required)
        self.authenticator = PasswordAuthenticator(db, login_policy, self.clock)
        self.second_factor = SecondFactor(db, SecretBox(config.hmac_key), login_policy, self.clock)
        self.policy = Policy(config.four_eyes_threshold_ore, config.four_eyes_findings, config.reason_codes_dir)
        self.letters = LetterMaker(
            ConfiguredParticulars(config.board, config.municipality_names, config.demo), pdf=config.pdf
        )

    @cached_property
    def oidc(self) -> OidcClient | None:
        """The identity provider's client when single sign-on is configured (discovery on first use)."""
        if self.config.sso is None:
            return None
        from adapters.driven.identity.oidc import OidcClient

        return OidcClient(self.config.sso.oidc)

    def uow(self) -> SqlUnitOfWork:
        """A unit of work on this app's database (what the use cases store through)."""
        return SqlUnitOfWork(self.db, self.store.person_key, self.config.hmac_key)

    @cached_property
    def catalog(self) -> Catalog:
        if self._services is not None:
            return self._services.catalog
        from rules.catalog import Catalog

        return Catalog()
