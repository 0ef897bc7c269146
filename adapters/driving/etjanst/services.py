"""What the e-service's pages use, one :class:`EtjanstServices` per app (built by ``create_etjanst_app``)."""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING

from adapters.driven.clock import SystemClock
from adapters.driven.db.access import AccessLog
from adapters.driven.db.engine import Database
from adapters.driven.db.etjanst import EtjanstStore
from adapters.driven.db.etjanst_contact import ContactStore
from adapters.driven.db.uow import SqlUnitOfWork
from adapters.driven.notify import LogNotifier
from adapters.driving.etjanst.config import EtjanstConfig
from adapters.driving.etjanst.identity import CitizenIdentity, DemoCitizens
from adapters.driving.etjanst.ratelimit import Limiter
from audit.access import person_key
from decision.errors import ConfigurationError
from decision.ports import Clock
from decision.services.etjanst import Notifier, VirusScanner

if TYPE_CHECKING:
    from adapters.bootstrap import Services
    from rules.catalog import Catalog

class NoScanner:
    """No virus scanner (demo mode and tests that do not test scanning): every file passes."""

    def scan(self, content: bytes) -> None:
        return None


class EtjanstServices:
    def __init__(self, config: EtjanstConfig, db: Database, services: Services | None = None,
                 identity: CitizenIdentity | None = None, scanner: VirusScanner | None = None,
                 notifier: Notifier | None = None, clock: Clock | None = None) -> None:
        if len(config.hmac_key) < 16:
            raise ConfigurationError("the e-service needs the access-log HMAC key (FINAID_HMAC_KEY)")
        self.config = config
        self.db = db
        self._services = services
        self.clock: Clock = clock or (services.clock if services is not None else SystemClock())
        key = config.hmac_key
        self.person_key: Callable[[str], str] = lambda pnr: person_key(key, pnr)
        self.store = EtjanstStore(db, config.session_secret, self.person_key, self.clock.now)
        self.access = AccessLog(db, key, self.clock.now)
        if identity is None:
            if not config.demo:
                raise ConfigurationError(
                    "the e-service needs an e-identification (OpenID Connect) outside demo mode: see docs/etjanst.md")
            identity = DemoCitizens(lambda: self.store.latest_bundles(config.demo_citizens * 3), config.demo)
        self.identity = identity
        if scanner is None and not config.demo:
            raise ConfigurationError("the e-service needs a virus scanner outside demo mode: see docs/etjanst.md")
        self.scanner: VirusScanner = scanner or NoScanner()
        self.notifier: Notifier = notifier or LogNotifier()
        self.contacts = ContactStore(db, self.clock.now)  # where a person wants notifications (Avisering)
        self.login_limit = Limiter(config.login_per_minute, 60.0)
        self.submit_limit = Limiter(config.submit_per_hour, 3600.0)

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.db, self.person_key, self.config.hmac_key)

    @cached_property
    def catalog(self) -> Catalog:
        if self._services is not None:
            return self._services.catalog
        from rules.catalog import Catalog

        return Catalog()
