"""A batch worker: claims a chunk, fetches its registry answers concurrently, decides each case.

Each worker process builds its own rule engine (durable_rules scales by processes). Every write is
guarded by the claim (lease + attempt number), so a worker whose lease expired writes nothing.
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

from adapters.driven.clock import SystemClock
from adapters.driven.db.claims import Claim, Claims, LeaseLost
from adapters.driven.db.models import Revision
from adapters.driven.db.store import CaseStore, uow_guard
from adapters.driven.db.uow import SqlUnitOfWork
from adapters.driven.evidence import BufferedEvidenceStore
from decision.bundle import AnswerStatus, CaseBundle, Role
from decision.errors import FinaidError
from decision.pipeline import Decided, Pipeline, decision_day
from decision.ports import Clock
from decision.services import deciding, intake
from decision.services.deciding import ToStore
from decision.states import REGISTRY_UNAVAILABLE
from decision.uow import Conflict, Stored, UnitOfWork
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
    ) -> None:
        self.store = store
        self.pipeline = pipeline
        self.claims = claims
        self.actor = actor
        self.budget = budget
        self.registry_budget = registry_budget
        self.version = code_version()
        self.clock: Clock = clock or pipeline.clock or SystemClock()
        self.evidence = evidence
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
        loaded = self._load(claims)
        as_of = decision_day(self.clock.now())  # the chunk's decisions select their pack as of this date
        sealed = await asyncio.gather(*(self._seal(loaded[c.application_id][0]) for c in claims))
        results: dict[str, CaseResult] = {}
        pending: list[tuple[Claim, CaseBundle, bool, Decided, CaseResult]] = []
        for claim, (outcome, seconds) in zip(claims, sealed, strict=True):
            bundle = loaded[claim.application_id][0]
            result = CaseResult(claim.application_id, "decided", registry_seconds=seconds)
            results[claim.application_id] = result
            try:
                if isinstance(outcome, Exception):
                    raise outcome
                fetched = outcome is not bundle
                if fetched:
                    result.agencies = agency_counts(outcome)
                    result.calls = len({e.person for e in outcome.registry or []})
                    if registry_down(outcome) and claim.failures + 1 < self.registry_budget:
                        result.reason = REGISTRY_UNAVAILABLE
                        result.status = deciding.fail(
                            self.store.uow(), self.clock, claim.application_id, REGISTRY_UNAVAILABLE,
                            actor=self.actor, budget=self.registry_budget, permanent_reason=False,
                            guard=uow_guard(self.claims.guard(claim)),
                        )
                        continue
                cpu = time.process_time()
                decided = self.pipeline.evaluate(outcome, as_of=as_of)
                result.cpu_seconds = time.process_time() - cpu
                pending.append((claim, outcome, fetched, decided, result))
            except LeaseLost as e:
                result.status, result.reason = "lease_lost", str(e)
            except Exception as e:  # noqa: BLE001 - a technical failure of this case: retried with a budget
                self._fail(claim, result, f"error: {type(e).__name__}")
        if pending:
            self._commit(pending, loaded)
        rss = _rss_kb()
        for r in results.values():
            r.worker, r.rss_kb = self.claims.worker, rss
        return [results[c.application_id] for c in claims]

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

        try:
            written = deciding.decide_many(self.store.uow(), items, actor=self.actor, code_version=self.version,
                                           at=at, keep=keep)
        except Conflict:
            # a concurrent writer stored one of these decisions first: fall back to one by one
            for claim, sealed, fetched, decided, result in pending:
                self._commit_one(claim, sealed, fetched, decided, result, loaded)
            return
        for (_, _, _, decided, result), out in zip(pending, written, strict=True):
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
                intake.receive(self.store.uow(), sealed, self.actor, at, guard)
                if fetched
                else Stored(claim.revision_id, loaded[claim.application_id][1], False)
            )
            decision_id, created = deciding.store_one(self.store.uow(), stored, decided, self.actor, self.version, at,
                                                      guard)
            if created:
                self._auto(decision_id, claim.application_id)
            self._record(result, decision_id, decided)
        except LeaseLost as e:
            result.status, result.reason = "lease_lost", str(e)
        except Exception as e:  # noqa: BLE001
            self._fail(claim, result, f"error: {type(e).__name__}")

    def _auto(self, decision_id: str, application_id: str) -> None:
        """Automated decisions, where a municipality enabled them (off by default; adapters/driving/web/auto.py)."""
        from adapters.driving.web.auto import maybe_auto_approve

        maybe_auto_approve(self.store.db, decision_id, application_id, clock=self.clock)

    @staticmethod
    def _record(result: CaseResult, decision_id: str, decided: Decided) -> None:
        basis = decided.basis
        result.status = "decided"
        result.outcome = basis.outcome
        result.decision_id = decision_id
        result.manual = sorted({f.code for f in basis.findings if f.severity == "manual"})
        result.protected = "identity.protected" in result.manual

    def _fail(self, claim: Claim, result: CaseResult, reason: str) -> None:
        result.reason = reason
        try:
            result.status = deciding.fail(
                self.store.uow(), self.clock, claim.application_id, reason, actor=self.actor, budget=self.budget,
                guard=uow_guard(self.claims.guard(claim)),
            )
        except LeaseLost:
            result.status = "lease_lost"

    def _load(self, claims: list[Claim]) -> dict[str, tuple[CaseBundle, str]]:
        with self.store.db.read() as s:
            out = {}
            for c in claims:
                rev = s.get(Revision, c.revision_id)
                if rev is None or rev.bundle_json is None:
                    raise FinaidError(f"application {c.application_id}: its revision is missing")
                out[c.application_id] = (parse_bundle(rev.bundle_json), rev.content_hash)
            return out

    async def _seal(self, bundle: CaseBundle) -> tuple[CaseBundle | Exception, float]:
        start = time.perf_counter()
        try:
            sealed = await self.pipeline.seal_async(bundle)
        except Exception as e:  # noqa: BLE001 - becomes a failure of this case only
            return e, time.perf_counter() - start
        return sealed, time.perf_counter() - start


def summarise(results: list[CaseResult]) -> dict[str, Any]:
    counts = Counter(r.status for r in results)
    outcomes = Counter(r.outcome for r in results if r.outcome)
    return {"statuses": dict(counts), "outcomes": dict(outcomes)}


def dumps(result: CaseResult) -> str:
    return json.dumps(result.to_json())
