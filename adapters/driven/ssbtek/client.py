"""The SSBTEK client behind the ``RegistrySource`` port: one call per adult, concurrently, with provenance.

- One ``hamtaBastjanstInformation`` per adult (applicant, partner) of an application; a child is
  asked about (Skatteverket only) when the household declares income for it.
- httpx (async) with a per-call timeout, bounded retries with jittered exponential backoff
  (tenacity) on connect errors, timeouts and HTTP 502/503/504, one immediate retry of a connection
  that broke under the call (a kept-alive one the server closed), and a per-process limit of calls
  in flight: :mod:`adapters.driven.ssbtek.transport`.
- Mutual TLS: client certificate and key (mode 0600) and the CA by settings; certificate
  verification is always on. Plain HTTP only to a loopback sandbox in demo mode. The settings are
  validated in :mod:`adapters.driven.ssbtek.config`.
- Provenance: every entry carries ``request_id`` = ``<korrelationsid>:<agency>``, ``fetched_at``
  and ``raw_sha256``; the raw envelope goes to the :class:`EvidenceStore` under each request id.
- Faults never become data and never raise: see :mod:`adapters.driven.ssbtek.mapping`.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import structlog
from ulid import ULID

from adapters.driven.ssbtek.config import (
    LAGTEXT_SOL_2001,
    LAGTEXT_SOL_2025,
    NEW_LAW_FROM,
    ClientConfig,
    check_key_file,
    check_url,
    default_lagtext,
    is_loopback,
)
from adapters.driven.ssbtek.envelope import EnvelopeError, Fault, PingAnswer, build_ping, build_query, parse_ping
from adapters.driven.ssbtek.mapping import Mapped, Options, map_answer, sha256_hex, unavailable_all
from adapters.driven.ssbtek.model import Ingivare, Notice, Query
from adapters.driven.ssbtek.pool import ClientPool
from adapters.driven.ssbtek.transport import (
    failure_text,
    is_https,
    new_client,
    plain_context,
    post_with_retries,
    tls_context,
)
from adapters.driven.ssbtek.values import month_bounds
from decision import personnummer as pnr
from decision.bundle import CaseBundle, RegistryEntry, Role, Source
from decision.errors import SourceError
from decision.ports import EvidenceStore, RegistryObserver

__all__ = [  # the settings moved to adapters.driven.ssbtek.config; kept importable from here
    "LAGTEXT_SOL_2001", "LAGTEXT_SOL_2025", "NEW_LAW_FROM", "CallRecord", "ClientConfig", "FetchResult",
    "SsbtekRegistrySource", "check_key_file", "check_url", "default_lagtext", "describe", "ensure_logging",
    "is_loopback",
]

log = structlog.get_logger("finaid.registry")


def utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@dataclass(slots=True)
class CallRecord:
    """What one call did (for the operator and the benchmark): no personal data."""

    korrelationsid: str
    person: str
    attempts: int
    seconds: float
    whole_call_error: str | None


@dataclass(slots=True)
class FetchResult:
    entries: list[RegistryEntry]
    notices: list[Notice] = field(default_factory=list)
    calls: list[CallRecord] = field(default_factory=list)


Consulted = Callable[[CaseBundle], tuple[Source, ...]]


def all_sources(_: CaseBundle) -> tuple[Source, ...]:
    return tuple(Source)


class SsbtekRegistrySource:
    """Fetches a household's registry answers from SSBTEK (or the sandbox, which speaks the same)."""

    def __init__(
        self,
        config: ClientConfig,
        evidence: EvidenceStore,
        consulted: Consulted = all_sources,
        clock: Callable[[], datetime] = utc_now,
        observer: RegistryObserver | None = None,
    ) -> None:
        self.config, self.observer = config, observer
        self.evidence = evidence
        self.consulted = consulted
        self.clock = clock
        self.options = Options(
            allow_provisional_skv=config.allow_provisional_skv, max_envelope_bytes=config.max_response_bytes
        )
        self._ssl: ssl.SSLContext | None = None
        self._shared: ClientPool | None = None

    # ---------------------------------------------------------------- the port
    async def fetch(self, bundle: CaseBundle) -> list[RegistryEntry]:
        return (await self.fetch_detailed(bundle)).entries

    async def fetch_detailed(self, bundle: CaseBundle) -> FetchResult:
        queries = self.queries(bundle)
        async with self._client() as client:
            mapped = await asyncio.gather(*(self._call(client, q) for q in queries))
        result = FetchResult([])
        for m, record in mapped:
            result.entries.extend(m.entries)
            result.notices.extend(m.notices)
            result.calls.append(record)
            if self.observer is not None:  # the operator's metrics: durations and statuses, nobody's identity
                self.observer.observed(record.seconds, [(e.source.value, e.status.value) for e in m.entries])
        for notice in result.notices:
            log.debug("registry.notice", case_id=bundle.application.id, source=notice.source,
                     person=notice.person, notice=notice.text)
        return result

    def queries(self, bundle: CaseBundle) -> list[Query]:
        """One query per adult, and per child with declared income (Skatteverket only)."""
        app = bundle.application
        wanted = set(self.consulted(bundle))  # once per bundle: it selects the pack and guideline
        consulted = tuple(s for s in Source if s in wanted)
        first, _ = month_bounds(app.month)
        before = first - timedelta(days=1)
        period_from = date(before.year, before.month, 1)
        after = month_bounds(app.month)[1] + timedelta(days=1)
        period_to = month_bounds(f"{after.year:04d}-{after.month:02d}")[1]
        asked_at = self.clock()
        earning_children = {i.person for i in app.incomes}
        out: list[Query] = []
        for member in app.household:
            if member.role is Role.CHILD:
                if member.personnummer not in earning_children:
                    continue
                sources: tuple[Source, ...] = tuple(s for s in consulted if s is Source.SKATTEVERKET)
            else:
                sources = consulted
            if not sources:
                continue
            out.append(
                Query(
                    korrelationsid=str(ULID()),
                    person=member.personnummer,
                    case_id=app.id,
                    month=app.month,
                    period_from=period_from,
                    period_to=period_to,
                    sources=sources,
                    ingivare=Ingivare(
                        self.config.organisationsnummer,
                        self.config.ingivare_namn or f"Kommun {app.municipality}",
                        self.config.handlaggare,
                    ),
                    syfte=self.config.syfte,
                    lagtext=self.config.lagtext or default_lagtext(app.month),
                    aktorsid=self.config.aktorsid,
                    lefi_version=self.config.lefi_version,
                    asked_at=asked_at,
                    include_tns=self.config.include_tns and member.role is not Role.CHILD,
                )
            )
        return out

    # ---------------------------------------------------------------- ping
    async def ping(self) -> PingAnswer:
        """``testaBastjanstInformation``; a whole-call failure raises :class:`SourceError`."""
        async with self._client() as client:
            try:
                status, raw = await self._post_with_retries(client, build_ping(), [0])
            except Exception as e:  # noqa: BLE001 - reported as one message, never a traceback
                raise SourceError("ssbtek", failure_text(e, self.config.attempts)) from None
        try:
            answer = parse_ping(raw, self.config.max_response_bytes)
        except EnvelopeError as e:
            raise SourceError("ssbtek", f"unreadable ping answer (HTTP {status}): {e}") from None
        if isinstance(answer, Fault):
            raise SourceError("ssbtek", f"SOAP Fault {answer.felkod}: {answer.felmeddelande[:200]}")
        return answer

    # ---------------------------------------------------------------- HTTP
    @asynccontextmanager
    async def session(self) -> AsyncIterator[SsbtekRegistrySource]:
        """Keep one connection pool open across many fetches (batch, benchmark)."""
        async with self._new_pool() as pool:
            self._shared = pool
            try:
                yield self
            finally:
                self._shared = None

    @asynccontextmanager
    async def _client(self) -> AsyncIterator[ClientPool]:
        if self._shared is not None:
            yield self._shared
            return
        async with self._new_pool() as pool:
            yield pool

    def _new_pool(self) -> ClientPool:
        self._context()  # a bad certificate or key fails here, as the pool opens, not in a call (clients are lazy)
        return ClientPool(self._new_client, self.config.concurrency)

    def _new_client(self, connections: int) -> httpx.AsyncClient:
        return new_client(self.config, connections, self._context())

    def _context(self) -> ssl.SSLContext:
        """One verifying TLS context for every pool of this source (made once, as loading it costs)."""
        if self._ssl is None:
            self._ssl = tls_context(self.config) if is_https(self.config) else plain_context()
        return self._ssl

    async def _post_with_retries(self, client: ClientPool, body: bytes, attempts: list[int]) -> tuple[int, bytes]:
        return await post_with_retries(self.config, client, body, attempts)

    async def _call(self, client: ClientPool, query: Query) -> tuple[Mapped, CallRecord]:
        started = time.perf_counter()
        attempts = [0]
        body = build_query(query)
        masked = pnr.masked(query.person)
        try:
            status, raw = await self._post_with_retries(client, body, attempts)
        except Exception as e:  # noqa: BLE001 - any transport failure is a whole-call failure, never a crash
            reason = failure_text(e, attempts[0])
            mapped = unavailable_all(query, reason, self.clock())
            log.warning("registry.call_failed", case_id=query.case_id, person=masked,
                        korrelationsid=query.korrelationsid, reason=reason, attempts=attempts[0])
            return mapped, CallRecord(query.korrelationsid, masked, attempts[0], time.perf_counter() - started, reason)
        fetched_at = self.clock()
        if status != 200 and not _looks_like_soap(raw):
            digest = sha256_hex(raw)
            self._keep(query, raw, digest)
            reason = f"HTTP {status} från SSBTEK"
            log.warning("registry.call_failed", case_id=query.case_id, person=masked,
                        korrelationsid=query.korrelationsid, reason=reason)
            mapped = unavailable_all(query, reason, fetched_at, digest)
            return mapped, CallRecord(query.korrelationsid, masked, attempts[0], time.perf_counter() - started, reason)
        mapped = map_answer(raw, query, fetched_at, self.options)
        if mapped.raw_sha256 is not None:
            self._keep(query, raw, mapped.raw_sha256)
        if mapped.whole_call_error:
            log.warning("registry.call_failed", case_id=query.case_id, person=masked,
                        korrelationsid=query.korrelationsid, reason=mapped.whole_call_error)
        else:
            log.debug("registry.call", case_id=query.case_id, person=masked, korrelationsid=query.korrelationsid,
                      statuses={e.source.value: e.status.value for e in mapped.entries})
        seconds = time.perf_counter() - started
        return mapped, CallRecord(query.korrelationsid, masked, attempts[0], seconds, mapped.whole_call_error)

    def _keep(self, query: Query, raw: bytes, digest: str) -> None:
        for source in query.sources:
            self.evidence.put(query.request_id(source), raw, digest)


def _looks_like_soap(raw: bytes) -> bool:
    return b"Envelope" in raw[:2048]


def ensure_logging() -> None:
    """Log lines go to stderr (stdout carries JSON), redacted: configure structlog if nobody has."""
    if not structlog.is_configured():
        from adapters.driven.logging import configure

        configure(level=logging.WARNING)


def describe(config: ClientConfig) -> dict[str, Any]:
    """The effective registry settings, secrets and key material left out (``registry ping``)."""
    return {
        "url": config.url,
        "mutual_tls": config.cert is not None,
        "ca": str(config.ca) if config.ca else None,
        "concurrency": config.concurrency,
        "timeout_s": config.timeout_s,
        "attempts": config.attempts,
    }
