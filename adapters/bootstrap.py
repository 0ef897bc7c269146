"""The one bootstrap: ``bootstrap(settings, **overrides)`` builds the :class:`Services` that wire finaid's
real parts together, each member built lazily on first use — a command that needs no database, rule engine,
registry or web framework imports none of them (``finaid --help`` stays light; tests/unit/test_bootstrap.py).

Only entry points call it — the CLI's ``main`` (typer ``ctx.obj``), a batch worker process, and tests —
and hand the services down (the web app gets them at creation). Nothing else imports this module at run time
(tests/unit/test_architecture.py); other modules may name :class:`Services` in annotations only.

The clock: one :class:`~decision.ports.Clock` per services object — the system clock, or in demo mode only
``FINAID_TODAY=YYYY-MM-DD`` (that date, the system's time of day in Europe/Stockholm; see
``adapters.driven.clock.DemoClock``). Outside demo mode ``FINAID_TODAY`` is refused with an error naming it.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING, Any

from decision.errors import ConfigurationError

if TYPE_CHECKING:
    from adapters.driven.db.access import AccessLog
    from adapters.driven.db.engine import Database
    from adapters.driven.db.store import CaseStore
    from adapters.driven.db.uow import SqlUnitOfWork
    from adapters.driven.evidence import MemoryEvidenceStore
    from adapters.driven.metrics import RegistryMetrics
    from adapters.driven.ssbtek.client import SsbtekRegistrySource
    from adapters.settings import Settings
    from decision.bundle import CaseBundle, Source
    from decision.pipeline import Pipeline
    from decision.ports import Clock, EvidenceStore
    from rules.catalog import Catalog

NO_REGISTRY = (
    "this bundle has no registry answers and no registry is configured: set FINAID_SSBTEK_URL, "
    "FINAID_SSBTEK_CERT, FINAID_SSBTEK_KEY (mode 0600), FINAID_SSBTEK_CA, "
    "FINAID_SSBTEK_ORGANISATIONSNUMMER and FINAID_SSBTEK_AKTORSID (see docs/registry.md), "
    "or use FINAID_MODE=demo with the sandbox (finaid sandbox serve)"
)
MEMBERS = ("settings", "clock", "catalog", "pipeline", "actor", "database", "hmac_key", "store", "access_log",
           "memory_evidence", "registry_factory", "registry_observer")


class Services:
    """What entry points hand down: each member is built on first use (or given as an override)."""

    def __init__(self, settings: Settings | None = None, **overrides: Any) -> None:
        unknown = sorted(set(overrides) - set(MEMBERS))
        if unknown:
            raise TypeError(f"unknown services: {', '.join(unknown)} (known: {', '.join(MEMBERS)})")
        self._given_settings = settings
        self.database_named: str | None = None
        for name, value in overrides.items():
            self.__dict__[name] = value  # a cached_property reads its value from the instance dict first

    def with_settings(self, settings: Settings) -> Services:
        """Fresh services on other settings (``finaid demo night`` runs on a database of its own)."""
        return Services(settings)

    # ---------------------------------------------------------------- configuration and time
    @cached_property
    def settings(self) -> Settings:
        from adapters.settings import settings

        cfg = self._given_settings or settings()
        if cfg.today is not None and not cfg.demo:
            raise ConfigurationError("FINAID_TODAY is allowed only in demo mode (FINAID_MODE=demo)")
        return cfg

    @cached_property
    def clock(self) -> Clock:
        """The one clock: the system's, or in demo mode the date FINAID_TODAY names."""
        cfg = self.settings
        if cfg.today is not None:
            from adapters.driven.clock import DemoClock

            return DemoClock(cfg.today)
        from adapters.driven.clock import SystemClock

        return SystemClock()

    @cached_property
    def actor(self) -> str:
        """Who acts on the CLI: ``FINAID_ACTOR`` or the OS user."""
        return self.settings.actor or f"cli:{getpass.getuser()}"

    # ---------------------------------------------------------------- rules
    @cached_property
    def catalog(self) -> Catalog:
        """The installed rule packs and guidelines (and ``$FINAID_RULES_DIR``)."""
        from rules.catalog import Catalog

        return Catalog()

    @cached_property
    def pipeline(self) -> Pipeline:
        """A pipeline with the catalog's rule packs, on this clock (bundles that carry their registry answers)."""
        from decision.pipeline import Pipeline
        from rules.evaluator import PackEvaluator

        return Pipeline(PackEvaluator(self.catalog), clock=self.clock)

    def consulted_sources(self, bundle: CaseBundle) -> tuple[Source, ...]:
        """The sources the municipality's guideline consults (policy in rules/sources.py), as of today."""
        from decision.pipeline import decision_day
        from rules.sources import consulted_sources

        return consulted_sources(self.catalog, bundle, decision_day(self.clock.now()))

    # ---------------------------------------------------------------- storage
    @cached_property
    def database(self) -> Database:
        """The configured database; an embedded SQLite file is migrated on first use.

        Names it in ``database_named`` (without credentials; the CLI's ``main`` prints it on stderr when the
        command ends: a command never writes to a database it does not name); a PostgreSQL schema that is
        missing or old, an unreachable server, a refused password or a missing grant is a ``ConfigurationError``
        naming the cause (adapters/driven/db/problems.py).
        """
        from adapters.driven.db.engine import Database, where
        from adapters.driven.db.migrate import head
        from adapters.driven.db.problems import require_current, schema_revision

        cfg = self.settings
        db = Database(cfg.db_url, cfg.db_schema)
        self.database_named = where(db.url, db.schema)  # main() says it on stderr when the command ends
        if db.engine.dialect.name == "sqlite":
            if schema_revision(db.engine, db.url) != head():
                from adapters.driven.db import migrate

                migrate.upgrade(db)
            return db
        require_current(db.engine, db.url, db.schema, head())
        return db

    @cached_property
    def hmac_key(self) -> bytes:
        from adapters.driven.keys import access_log_key

        return access_log_key(self.settings)

    @cached_property
    def store(self) -> CaseStore:
        from adapters.driven.db.store import CaseStore
        from audit.access import person_key

        key = self.hmac_key
        return CaseStore(self.database, person_key=lambda pnr: person_key(key, pnr))

    @cached_property
    def access_log(self) -> AccessLog:
        from adapters.driven.db.access import AccessLog

        return AccessLog(self.database, self.hmac_key, self.clock.now)

    def uow(self) -> SqlUnitOfWork:
        """A unit of work on the database (decision/uow.py): what every use case stores through."""
        from adapters.driven.db.uow import SqlUnitOfWork

        return SqlUnitOfWork(self.database, self.store.person_key, self.hmac_key)

    @cached_property
    def memory_evidence(self) -> MemoryEvidenceStore:
        """Raw registry envelopes kept in this process (``case fetch``; tests)."""
        from adapters.driven.evidence import MemoryEvidenceStore

        return MemoryEvidenceStore()

    # ---------------------------------------------------------------- the registry
    @cached_property
    def registry_observer(self) -> RegistryMetrics:
        """This process's registry metrics (call durations, answers per agency): /metrics and the batch's
        textfile show them (adapters/driven/metrics.py)."""
        from adapters.driven.metrics import RegistryMetrics

        return RegistryMetrics()

    @cached_property
    def registry_factory(self) -> Callable[..., SsbtekRegistrySource | None]:
        """``registry_source`` itself unless overridden (tests hand in their own source)."""
        return self._registry_source

    def registry_source(
        self, db: Database | None = None, evidence: EvidenceStore | None = None
    ) -> SsbtekRegistrySource | None:
        """The configured registry source (SSBTEK, or the sandbox in demo mode), or None.

        None when no registry is configured at all (no ``FINAID_SSBTEK_URL`` outside demo mode); a
        configured but unsafe registry (plain HTTP, key not 0600, …) is a ``ConfigurationError``.
        Raw envelopes go to ``evidence`` when given, else to ``db``'s evidence table, else to memory.
        """
        return self.registry_factory(db, evidence)

    def _registry_source(
        self, db: Database | None = None, evidence: EvidenceStore | None = None
    ) -> SsbtekRegistrySource | None:
        cfg = self.settings
        if not cfg.ssbtek_url and not cfg.demo:
            return None
        from adapters.driven.ssbtek.client import ClientConfig, SsbtekRegistrySource, ensure_logging

        ensure_logging()
        if evidence is None:
            if db is not None:
                from adapters.driven.db.store import DbEvidenceStore

                evidence = DbEvidenceStore(db, self.clock)
            else:
                evidence = self.memory_evidence
        return SsbtekRegistrySource(ClientConfig.from_settings(cfg), evidence, consulted=self.consulted_sources,
                                    observer=self.registry_observer)

    def pipeline_with_registry(self, db: Database | None = None) -> Pipeline:
        """A pipeline that fetches registry answers for bundles without them (``case decide``, ``case fetch``).

        Refuses (``ConfigurationError``) when no registry is configured: outside demo mode that needs
        ``FINAID_SSBTEK_URL`` with certificate, key and CA.
        """
        from decision.pipeline import Pipeline
        from rules.evaluator import PackEvaluator

        source = self.registry_source(db)
        if source is None:
            raise ConfigurationError(NO_REGISTRY)
        return Pipeline(PackEvaluator(self.catalog), registry=source, clock=self.clock)

    def batch_pipeline(self, db: Database, evidence: EvidenceStore | None = None) -> Pipeline:
        """A pipeline for a batch worker: its own rule engine, the registry source, and the evidence store (the
        batch buffers raw envelopes and writes them with the chunk's transaction). The catalog is the services'
        one, which the registry source's ``consulted_sources`` reads too: the packs are loaded once per worker
        (a catalog is read-only once loaded)."""
        from decision.pipeline import Pipeline
        from rules.evaluator import PackEvaluator

        source = self.registry_source(db, evidence)
        return Pipeline(PackEvaluator(self.catalog), source, clock=self.clock)


def bootstrap(settings: Settings | None = None, **overrides: Any) -> Services:
    """The services for one entry point (``settings`` default: ``FINAID_*`` from the environment).

    ``overrides`` replace members by name (e.g. ``database=…``, ``clock=FixedClock(…)``); nothing is built
    until it is used.
    """
    return Services(settings, **overrides)
