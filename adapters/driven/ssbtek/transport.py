"""The SSBTEK client's HTTP: the httpx clients, one POST with its limits, the retry policy, failure texts.

- A per-call timeout, bounded retries with jittered exponential backoff (tenacity) on connect errors,
  timeouts and HTTP 502/503/504, and a per-process limit of calls in flight (an ``asyncio.Semaphore``
  per event loop).
- A connection the server closed as it was reused (a kept-alive connection whose keep-alive timeout ran
  out at the moment the call took it: httpx raises ``RemoteProtocolError`` "Server disconnected without
  sending a response", ``ReadError`` or ``WriteError``) is asked again once, at once, on a new
  connection, within the same attempts. httpx does not say whether the connection was a reused one, so
  the one retry is allowed for any such error of a call; registry queries are idempotent reads.
- Mutual TLS: client certificate and key (mode 0600) and the CA by settings; certificate verification is
  always on. A plain-HTTP client (a loopback sandbox in demo mode only, :mod:`adapters.driven.ssbtek.config`)
  never does TLS; it is still handed a verifying context, a bare one that trusts no CA, which costs nothing
  to make, where httpx would load the system's CA bundle for every pool (≈ 25 ms of CPU each).
"""

from __future__ import annotations

import asyncio
import re
import ssl
import weakref
from urllib.parse import urlsplit

import httpx
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from adapters.driven.ssbtek.config import ClientConfig, check_key_file
from adapters.driven.ssbtek.pool import ClientPool
from decision.errors import ConfigurationError

RETRY_STATUSES = (502, 503, 504)
STALE = (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)
"""What a call on a connection the server had just closed raises: asked again once per call."""
_DIGITS = re.compile(r"[0-9]{1,19}", re.ASCII)


class RetryableStatus(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status


class CallTimeout(Exception):
    pass


class TooLarge(Exception):
    pass


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


def tls_context(c: ClientConfig) -> ssl.SSLContext:
    """The verifying TLS context of an https registry: the configured CA, the client certificate and key."""
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
    return ctx


def plain_context() -> ssl.SSLContext:
    """For a plain-HTTP client, which never does TLS: verifying (hostname and certificate required), no CA."""
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


def is_https(c: ClientConfig) -> bool:
    return urlsplit(c.url).scheme == "https"


def new_client(c: ClientConfig, connections: int, context: ssl.SSLContext) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        verify=context,
        timeout=httpx.Timeout(c.timeout_s, connect=c.connect_timeout_s),
        limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
        headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'},
        trust_env=False,
        follow_redirects=False,
    )


async def post_once(c: ClientConfig, pool: ClientPool, body: bytes) -> tuple[int, bytes]:
    limit = c.max_response_bytes
    async with process_limit(c.concurrency), pool.lease() as client:
        try:
            async with asyncio.timeout(c.timeout_s):
                async with client.stream("POST", c.url, content=body) as response:
                    declared = response.headers.get("content-length")
                    if declared is not None and _DIGITS.fullmatch(declared) and int(declared) > limit:
                        raise TooLarge()
                    chunks: list[bytes] = []
                    size = 0
                    async for chunk in response.aiter_bytes():
                        size += len(chunk)
                        if size > limit:
                            raise TooLarge()
                        chunks.append(chunk)
                    status = response.status_code
        except TimeoutError:
            raise CallTimeout() from None
    if status in RETRY_STATUSES:
        raise RetryableStatus(status)
    return status, b"".join(chunks)


async def post_with_retries(c: ClientConfig, pool: ClientPool, body: bytes, attempts: list[int]) -> tuple[int, bytes]:
    retried = (httpx.ConnectError, httpx.TimeoutException, CallTimeout, RetryableStatus)
    stale_left = [1]
    backoff = wait_exponential_jitter(multiplier=c.backoff_s, max=max(c.backoff_s * 8, 0.001), jitter=c.backoff_s)

    def retry(e: BaseException) -> bool:
        if isinstance(e, retried):
            return True
        if isinstance(e, STALE) and stale_left[0]:
            stale_left[0] -= 1
            return True
        return False

    def wait(state: RetryCallState) -> float:
        failed = state.outcome.exception() if state.outcome is not None else None
        return 0.0 if isinstance(failed, STALE) else backoff(state)  # a new connection is all a stale one needs

    retrying = AsyncRetrying(stop=stop_after_attempt(c.attempts), wait=wait, retry=retry_if_exception(retry),
                             reraise=True)
    async for attempt in retrying:
        with attempt:
            attempts[0] += 1
            return await post_once(c, pool, body)
    raise AssertionError("unreachable")  # pragma: no cover - reraise=True always raises or returns


def failure_text(e: BaseException, attempts: int) -> str:
    tries = f"{attempts} försök"
    if isinstance(e, RetryableStatus):
        return f"HTTP {e.status} från SSBTEK ({tries})"
    if isinstance(e, CallTimeout | httpx.TimeoutException):
        return f"tidsgränsen för anropet överskreds ({tries})"
    if isinstance(e, TooLarge):
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
