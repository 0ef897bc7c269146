"""A batch worker: claims a chunk, fetches its registry answers concurrently, decides each case.

Each worker process builds its own rule engine (durable_rules scales by processes). Every write is
guarded by the claim (lease + attempt number), so a worker whose lease expired writes nothing.

A poison application never stops a night: an error while loading, deciding or storing one application
marks exactly that application failed with its reason (``failed_permanent`` once the budget is spent)
and the rest of its chunk is decided. A lost database connection is not such an error: the step waits
and retries within ``FINAID_BATCH_DB_RETRY_S`` (adapters/driving/batch/outage.py).
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
import time
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from adapters.driven.clock import SystemClock
from adapters.driven.db.access import AccessLog
from adapters.driven.db.claims import Claim, Claims, LeaseLost
from adapters.driven.db.models import Application, Revision
from adapters.driven.db.store import CaseStore, uow_guard
from adapters.driven.db.uow import SqlUnitOfWork
from adapters.driven.evidence import BufferedEvidenceStore
from adapters.driving.batch.outage import DatabaseUnreachable, Outage
from audit.access import AccessLogError
from decision.bundle import AnswerStatus, CaseBundle, Role
from decision.errors import InputError
from decision.pipeline import Decided, Pipeline, decision_day
from decision.ports import Clock
from decision.services import deciding, intake, supplementary
from decision.services.deciding import ToStore
from decision.states import REGISTRY_UNAVAILABLE
from decision.uow import Stored, UnitOfWork
from decision.validation import parse_bundle
from rules.version import code_version


@dataclass
class CaseResult:
    application_id: str
    status: str  # decided | failed | failed_permanent | lease_lost
    outcome: str | None = None
    decision_id: str | None = None
    manual: list[str] = field(default_factory=list)
    protected: bool = False
    reason: str | None = None
    registry_seconds: float = 0.0
    cpu_seconds: float = 0.0
    agencies: dict[str, list[int]] = field(default_factory=dict)  # source -> [answered, unavailable]
    calls: int = 0
    worker: str = ""
    rss_kb: int = 0  # the worker process's resident memory when this case was done

    def to_json(self) -> dict[str, Any]:
        return self.__dict__.copy()


def _rss_kb() -> int:
    try:
        with open("/proc/self/statm", encoding="ascii") as f:
            return int(f.read().split()[1]) * (os.sysconf("SC_PAGE_SIZE") // 1024)
    except (OSError, ValueError):
        return 0


def registry_down(bundle: CaseBundle) -> bool:
    """A whole-call failure: for some adult every answer is ``unavailable`` (docs/architecture.md)."""
    adults = {m.personnummer for m in bundle.application.household if m.role is not Role.CHILD}
    by_person: dict[str, list[AnswerStatus]] = {}
    for e in bundle.registry or []:
        if e.person in adults:
            by_person.setdefault(e.person, []).append(e.status)
    return any(statuses and all(s is AnswerStatus.UNAVAILABLE for s in statuses) for statuses in by_person.values())


def agency_counts(bundle: CaseBundle) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for e in bundle.registry or []:
        slot = out.setdefault(e.source.value, [0, 0])
        slot[1 if e.status is AnswerStatus.UNAVAILABLE else 0] += 1
    return out


class LeaseKeeper:
    """Renews the leases of the claims a worker holds, from a background thread."""

    def __init__(self, claims: Claims, every: float) -> None:
        self.claims = claims
        self.every = every
        self.held: list[Claim] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._loop, daemon=True, name="lease-keeper")
        self._thread.start()

    def hold(self, claims: list[Claim]) -> None:
        with self._lock:
            self.held = list(claims)

    def _loop(self) -> None:
        while not self._stop.wait(self.every):
            with self._lock:
                held = list(self.held)
            try:
                self.claims.renew(held)
            except Exception:  # noqa: BLE001, S110 - a missed renewal only risks a takeover, which is safe
                pass

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


class Worker:
    def __init__(
        self, store: CaseStore, pipeline: Pipeline, claims: Claims, actor: str, budget: int,
        registry_budget: int, clock: Clock | None = None, evidence: BufferedEvidenceStore | None = None,
        outage: Outage | None = None, access: AccessLog | None = None,
    ) -> None:
        self.store = store
        self.access = access  # the night's registry reads are access-log entries (actor: the batch's service actor)
        self.pipeline = pipeline
        self.claims = claims
        self.actor = actor
        self.budget = budget
        self.registry_budget = registry_budget
        self.version = code_version()
        self.clock: Clock = clock or pipeline.clock or SystemClock()
        self.evidence = evidence
        self.outage = outage or Outage(0.0)
        # one event loop and one registry connection pool for the worker's life
        self.loop = asyncio.new_event_loop()
        self._session: Any = None
        session = getattr(pipeline.registry, "session", None)
        if session is not None:
            self._session = session()
            self.loop.run_until_complete(self._session.__aenter__())

    def close(self) -> None:
        if self._session is not None:
            self.loop.run_until_complete(self._session.__aexit__(None, None, None))
            self._session = None
        self.loop.close()

    def run_chunk(self, claims: list[Claim]) -> list[CaseResult]:
        try:
            return self.loop.run_until_complete(self._chunk(claims))
        finally:
            if self.evidence is not None:
                self.evidence.clear()  # what was not stored with a revision belongs to no decision

    async def _chunk(self, claims: list[Claim]) -> list[CaseResult]:
        results = {c.application_id: CaseResult(c.application_id, "decided") for c in claims}
        loaded, unreadable = self.outage.run(lambda: self._load(claims))
        for claim in claims:
            if claim.application_id in unreadable:  # stored before today's parser, or lost: this one only
                self._fail(claim, results[claim.application_id], unreadable[claim.application_id])
        live = [c for c in claims if c.application_id in loaded]
        as_of = decision_day(self.clock.now())  # the chunk's decisions select their pack as of this date
        sealed = await asyncio.gather(*(self._seal(loaded[c.application_id][0]) for c in live))
        unlogged = self._log_reads([(c, o) for c, (o, _) in zip(live, sealed, strict=True)
                                    if o is not loaded[c.application_id][0]])
        pending: list[tuple[Claim, CaseBundle, bool, Decided, CaseResult]] = []
        for claim, (outcome, seconds) in zip(live, sealed, strict=True):
            if unlogged:
                self._fail(claim, results[claim.application_id], unlogged)
                continue
            bundle = loaded[claim.application_id][0]
            result = results[claim.application_id]
            result.registry_seconds = seconds
            try:
                if isinstance(outcome, Exception):
                    raise outcome
                fetched = outcome is not bundle
                if fetched:
                    result.agencies = agency_counts(outcome)
                    result.calls = len({e.person for e in outcome.registry or []})
                    if registry_down(outcome) and claim.failures + 1 < self.registry_budget:
                        self._fail(claim, result, REGISTRY_UNAVAILABLE, budget=self.registry_budget,
                                   permanent_reason=False)
                        continue
                cpu = time.process_time()
                earlier = supplementary.find_earlier(self.store.uow(), outcome)  # None unless supplementary
                decided = self.pipeline.evaluate(outcome, as_of=as_of, earlier=earlier)
                result.cpu_seconds = time.process_time() - cpu
                pending.append((claim, outcome, fetched, decided, result))
            except (LeaseLost, DatabaseUnreachable):
                raise
            except InputError as e:  # e.g. case bundle /2 under a pack that takes /1 only: no retry helps
                self._fail(claim, result, f"ogiltig ansökan: {e}", budget=1)
            except Exception as e:  # noqa: BLE001 - a technical failure of this case: retried with a budget
                self._fail(claim, result, f"tekniskt fel vid beslut: {type(e).__name__}")
        if pending:
            self._commit(pending, loaded)
        rss = _rss_kb()
        for r in results.values():
            r.worker, r.rss_kb = self.claims.worker, rss
        return [results[c.application_id] for c in claims]

    def _log_reads(self, sealed: list[tuple[Claim, CaseBundle | Exception]]) -> str:
        """Write the chunk's registry reads to the access log (one entry per application whose registry answered,
        purpose handlaggning, channel batch) before anything is decided; the reason to fail the chunk if it
        cannot be written ("" when it was)."""
        if self.access is None:
            return ""
        reads = [
            (f"application:{claim.application_id}", [m.personnummer for m in outcome.application.household])
            for claim, outcome in sealed
            if isinstance(outcome, CaseBundle) and any(e.status is not AnswerStatus.UNAVAILABLE
                                                       for e in outcome.registry or [])
        ]
        try:
            self.outage.run(lambda: self.access.record_many(  # type: ignore[union-attr]
                self.actor, "handlaggning", "batch", "registry_read", reads, self.clock.now()))
        except DatabaseUnreachable:
            raise
        except AccessLogError:
            return "tekniskt fel: åtkomstloggen kunde inte skrivas"
        return ""

    def _commit(
        self, pending: list[tuple[Claim, CaseBundle, bool, Decided, CaseResult]],
        loaded: dict[str, tuple[CaseBundle, str]],
    ) -> None:
        """One transaction for the chunk (``deciding.decide_many``): claims checked, sealed revisions and
        their evidence stored, proposals written."""
        at = self.clock.now()
        items = [
            ToStore(decided, None, self._taken(sealed)) if fetched
            else ToStore(decided, Stored(claim.revision_id, loaded[claim.application_id][1], False))
            for claim, sealed, fetched, decided, _ in pending
        ]
        claims = [p[0] for p in pending]

        def keep(uow: UnitOfWork) -> Collection[str]:
            assert isinstance(uow, SqlUnitOfWork)
            return self.claims.still_ours(uow.session, claims)

        tries = [0]

        def store() -> list[tuple[str, bool] | None]:
            tries[0] += 1
            return deciding.decide_many(self.store.uow(), items, actor=self.actor, code_version=self.version,
                                        at=at, keep=keep)

        try:
            written = self.outage.run(store)
        except DatabaseUnreachable:
            raise
        except Exception:  # noqa: BLE001 - a concurrent writer (Conflict) or one poison case: one by one
            for claim, sealed, fetched, decided, result in pending:
                self._commit_one(claim, sealed, fetched, decided, result, loaded)
            return
        for (claim, _, _, decided, result), first in zip(pending, written, strict=True):
            out = first
            if out is None and tries[0] > 1:  # the first try may have committed before the connection was lost
                out = self.outage.run(lambda c=claim: self._stored_before(c))  # type: ignore[misc]
            if out is None:
                result.status, result.reason = "lease_lost", "the claim was taken over"
                continue
            decision_id, created = out
            if created:
                self._auto(decision_id, result.application_id)
            self._record(result, decision_id, decided)

    def _taken(self, sealed: CaseBundle) -> tuple[tuple[str, bytes, str], ...]:
        if self.evidence is None:
            return ()
        return tuple(self.evidence.take([e.request_id for e in sealed.registry or []]))

    def _commit_one(
        self, claim: Claim, sealed: CaseBundle, fetched: bool, decided: Decided, result: CaseResult,
        loaded: dict[str, tuple[CaseBundle, str]],
    ) -> None:
        guard = uow_guard(self.claims.guard(claim))
        at = self.clock.now()
        try:
            stored = (
                self.outage.run(lambda: intake.receive(self.store.uow(), sealed, self.actor, at, guard))
                if fetched
                else Stored(claim.revision_id, loaded[claim.application_id][1], False)
            )
            decision_id, created = self.outage.run(lambda: deciding.store_one(
                self.store.uow(), stored, decided, self.actor, self.version, at, guard))
        except LeaseLost as e:
            result.status, result.reason = "lease_lost", str(e)
            return
        except DatabaseUnreachable:
            raise
        except Exception as e:  # noqa: BLE001 - this case only cannot be stored: retried with a budget
            self._fail(claim, result, f"tekniskt fel vid lagring: {type(e).__name__}")
            return
        if created:
            self._auto(decision_id, claim.application_id)
        self._record(result, decision_id, decided)

    def _stored_before(self, claim: Claim) -> tuple[str, bool] | None:
        """After a chunk's commit was retried: its decision if the first try did commit (claim released)."""
        with self.store.db.read() as s:
            app = s.get(Application, claim.application_id)
            # store_decisions releases the claim; a takeover would have raised the attempt number
            if app is None or app.claimed_by is not None or app.claim_attempt != claim.attempt:
                return None
            return (app.current_decision_id, True) if app.current_decision_id else None

    def _auto(self, decision_id: str, application_id: str) -> None:
        """Automated decisions, where a municipality enabled them (off by default; adapters/driving/web/auto.py).

        Off (no ``FINAID_AUTO_DECISIONS``), the web's sign-off modules are not imported at all: importing them
        costs a worker about 0.3 s of CPU (the login's argon2 timing hash among it) and would decide nothing.
        """
        from adapters.settings import settings

        configured = settings().auto_decisions
        if not configured:
            return
        from adapters.driving.web.auto import maybe_auto_approve

        self.outage.run(lambda: maybe_auto_approve(self.store.db, decision_id, application_id, configured,
                                                   clock=self.clock))

    @staticmethod
    def _record(result: CaseResult, decision_id: str, decided: Decided) -> None:
        basis = decided.basis
        result.status = "decided"
        result.outcome = basis.outcome
        result.decision_id = decision_id
        result.manual = sorted({f.code for f in basis.findings if f.severity == "manual"})
        result.protected = "identity.protected" in result.manual

    def _fail(self, claim: Claim, result: CaseResult, reason: str, *, budget: int | None = None,
              permanent_reason: bool = True) -> None:
        """This application only: ``failed`` with its reason (``failed_permanent`` once the budget is spent)."""
        result.reason = reason
        try:
            result.status = self.outage.run(lambda: deciding.fail(
                self.store.uow(), self.clock, claim.application_id, reason, actor=self.actor,
                budget=self.budget if budget is None else budget, permanent_reason=permanent_reason,
                guard=uow_guard(self.claims.guard(claim)),
            ))
        except LeaseLost:
            result.status = "lease_lost"

    def _load(self, claims: list[Claim]) -> tuple[dict[str, tuple[CaseBundle, str]], dict[str, str]]:
        """The claimed revisions, parsed; and the reason for each one that cannot be read."""
        out: dict[str, tuple[CaseBundle, str]] = {}
        unreadable: dict[str, str] = {}
        with self.store.db.read() as s:  # one query for the chunk
            revisions = {r.id: r for r in s.execute(
                select(Revision.id, Revision.bundle_json, Revision.content_hash)
                .where(Revision.id.in_([c.revision_id for c in claims]))
            )}
            for c in claims:
                rev = revisions.get(c.revision_id)
                if rev is None or rev.bundle_json is None:
                    unreadable[c.application_id] = "sparad ansökan saknas"
                    continue
                try:
                    out[c.application_id] = (parse_bundle(rev.bundle_json), rev.content_hash)
                except Exception as e:  # noqa: BLE001 - stored before today's strict parser: this one fails
                    unreadable[c.application_id] = f"sparad ansökan kan inte läsas: {_named(e)}"
        return out, unreadable

    async def _seal(self, bundle: CaseBundle) -> tuple[CaseBundle | Exception, float]:
        start = time.perf_counter()
        try:
            sealed = await self.pipeline.seal_async(bundle)
        except Exception as e:  # noqa: BLE001 - becomes a failure of this case only
            return e, time.perf_counter() - start
        return sealed, time.perf_counter() - start


def _named(error: Exception) -> str:
    """The error's kind and, for input errors, the field it names (never a value: no personal data)."""
    path = getattr(error, "path", None)
    return f"{type(error).__name__} ({path})" if isinstance(path, str) and path else type(error).__name__


def summarise(results: list[CaseResult]) -> dict[str, Any]:
    counts = Counter(r.status for r in results)
    outcomes = Counter(r.outcome for r in results if r.outcome)
    return {"statuses": dict(counts), "outcomes": dict(outcomes)}


def dumps(result: CaseResult) -> str:
    return json.dumps(result.to_json())
