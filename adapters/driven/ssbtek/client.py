"""The SSBTEK client behind the ``RegistrySource`` port: one call per adult, concurrently, with provenance.

- One ``hamtaBastjanstInformation`` per adult (applicant, partner) of an application; a child is
  asked about (Skatteverket only) when the household declares income for it.
- httpx (async) with a per-call timeout, bounded retries with jittered exponential backoff
  (tenacity) on connect errors, timeouts and HTTP 502/503/504 only, and a per-process limit of
  calls in flight (an ``asyncio.Semaphore`` per event loop).
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
import re
import ssl
import time
import weakref
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
import structlog
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_exponential_jitter
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
from adapters.driven.ssbtek.values import month_bounds
from decision import personnummer as pnr
from decision.bundle import CaseBundle, RegistryEntry, Role, Source
from decision.errors import ConfigurationError, SourceError
from decision.ports import EvidenceStore, RegistryObserver

RETRY_STATUSES = (502, 503, 504)
_DIGITS = re.compile(r"[0-9]{1,19}", re.ASCII)
__all__ = [  # the settings moved to adapters.driven.ssbtek.config; kept importable from here
    "LAGTEXT_SOL_2001", "LAGTEXT_SOL_2025", "NEW_LAW_FROM", "CallRecord", "ClientConfig", "FetchResult",
    "SsbtekRegistrySource", "check_key_file", "check_url", "default_lagtext", "describe", "ensure_logging",
    "is_loopback",
]

log = structlog.get_logger("finaid.registry")


def utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


class _RetryableStatus(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status


class _CallTimeout(Exception):
    pass


class _TooLarge(Exception):
    pass


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


_limits: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[int, asyncio.Semaphore]] = (
    weakref.WeakKeyDictionary()
)


def process_limit(limit: int) -> asyncio.Semaphore:
    """The process-wide limit of SSBTEK calls in flight (one semaphore per event loop and size)."""
    loop = asyncio.get_running_loop()
    per_loop = _limits.setdefault(loop, {})
    if limit not in per_loop:
        per_loop[limit] = asyncio.Semaphore(limit)
    return per_loop[limit]


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
                raise SourceError("ssbtek", _failure_text(e, self.config.attempts)) from None
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
        return ClientPool(self._new_client, self.config.concurrency)

    def _new_client(self, connections: int) -> httpx.AsyncClient:
        c = self.config
        https = urlsplit(c.url).scheme == "https"
        return httpx.AsyncClient(
            verify=self._ssl_context() if https else True,
            timeout=httpx.Timeout(c.timeout_s, connect=c.connect_timeout_s),
            limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
            headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'},
            trust_env=False,
            follow_redirects=False,
        )

    def _ssl_context(self) -> ssl.SSLContext:
        if self._ssl is None:
            c = self.config
            ctx = ssl.create_default_context(cafile=str(c.ca) if c.ca else None)
            ctx.check_hostname = True
            ctx.verify_mode = ssl.CERT_REQUIRED
            if c.cert is not None and c.key is not None:
                check_key_file(c.key)
                try:
                    ctx.load_cert_chain(str(c.cert), str(c.key))
                except (ssl.SSLError, OSError) as e:
                    reason = e.strerror or type(e).__name__
                    raise ConfigurationError(f"cannot load the client certificate and key ({reason})") from None
            self._ssl = ctx
        return self._ssl

    async def _post_once(self, pool: ClientPool, body: bytes) -> tuple[int, bytes]:
        limit = self.config.max_response_bytes
        async with process_limit(self.config.concurrency), pool.lease() as client:
            try:
                async with asyncio.timeout(self.config.timeout_s):
                    async with client.stream("POST", self.config.url, content=body) as response:
                        declared = response.headers.get("content-length")
                        if declared is not None and _DIGITS.fullmatch(declared) and int(declared) > limit:
                            raise _TooLarge()
                        chunks: list[bytes] = []
                        size = 0
                        async for chunk in response.aiter_bytes():
                            size += len(chunk)
                            if size > limit:
                                raise _TooLarge()
                            chunks.append(chunk)
                        status = response.status_code
            except TimeoutError:
                raise _CallTimeout() from None
        if status in RETRY_STATUSES:
            raise _RetryableStatus(status)
        return status, b"".join(chunks)

    async def _post_with_retries(
        self, client: ClientPool, body: bytes, attempts: list[int]
    ) -> tuple[int, bytes]:
        c = self.config
        retrying = AsyncRetrying(
            stop=stop_after_attempt(c.attempts),
            wait=wait_exponential_jitter(multiplier=c.backoff_s, max=max(c.backoff_s * 8, 0.001), jitter=c.backoff_s),
            retry=retry_if_exception_type(
                (httpx.ConnectError, httpx.TimeoutException, _CallTimeout, _RetryableStatus)
            ),
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                attempts[0] += 1
                return await self._post_once(client, body)
        raise AssertionError("unreachable")  # pragma: no cover - reraise=True always raises or returns

    async def _call(self, client: ClientPool, query: Query) -> tuple[Mapped, CallRecord]:
        started = time.perf_counter()
        attempts = [0]
        body = build_query(query)
        masked = pnr.masked(query.person)
        try:
            status, raw = await self._post_with_retries(client, body, attempts)
        except Exception as e:  # noqa: BLE001 - any transport failure is a whole-call failure, never a crash
            reason = _failure_text(e, attempts[0])
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


def _failure_text(e: BaseException, attempts: int) -> str:
    tries = f"{attempts} försök"
    if isinstance(e, _RetryableStatus):
        return f"HTTP {e.status} från SSBTEK ({tries})"
    if isinstance(e, _CallTimeout | httpx.TimeoutException):
        return f"tidsgränsen för anropet överskreds ({tries})"
    if isinstance(e, _TooLarge):
        return "svaret från SSBTEK är större än tillåtet"
    if isinstance(e, httpx.ConnectError):
        cause = str(e).lower()
        if "ssl" in cause or "certificate" in cause or "tls" in cause:
            return f"TLS-handskakningen med SSBTEK misslyckades ({tries})"
        return f"kunde inte ansluta till SSBTEK ({tries})"
    if isinstance(e, httpx.TransportError):
        return f"förbindelsen med SSBTEK bröts ({type(e).__name__})"
    if isinstance(e, ConfigurationError):
        return f"felaktig konfiguration: {e}"
    return f"anropet misslyckades ({type(e).__name__})"


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
