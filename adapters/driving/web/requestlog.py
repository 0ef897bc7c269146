"""One JSON log line per web or API request (``http.request``; docs/operations.md "Logs for a SIEM").

Each request gets a request id — the caller's ``X-Request-ID`` when it is a plain token (letters, digits,
``.-_:``, at most 64), else a new ULID — bound to every log line written while it is served and returned in
the ``X-Request-ID`` response header. The line names the route's pattern (``/case/{app_id}``, never the
path or the query string), the status, the duration, the client address, the actor once known
(``user:<login>`` or ``api:<client>``), the application id the route names, and for a login its outcome
(never the user name typed). ``/healthz``, ``/readyz`` and ``/metrics`` are logged
only when they fail.
"""

from __future__ import annotations

import re
import time
from typing import Any

import structlog
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from ulid import ULID

REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
QUIET = ("/healthz", "/readyz", "/metrics")
log = structlog.get_logger("finaid.web")


class RequestLog:
    """Pure ASGI middleware (not Starlette's BaseHTTPMiddleware, which runs the app in a task of its own and
    streams the body through a memory channel on every request): the same line, the same header."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = Headers(scope=scope).get("x-request-id", "")
        request_id = given if REQUEST_ID.fullmatch(given) else str(ULID())
        structlog.contextvars.bind_contextvars(request_id=request_id)
        start = time.perf_counter()
        answer: dict[str, Any] = {"status": 500, "location": ""}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                answer["status"], answer["location"] = message["status"], headers.get("location", "")
                headers["X-Request-ID"] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            status = int(answer["status"])
            if status >= 400 or scope["path"] not in QUIET:
                _line(scope, status, time.perf_counter() - start, str(answer["location"]))
            structlog.contextvars.unbind_contextvars("request_id")


def _line(scope: Scope, status: int, seconds: float, location: str = "") -> None:
    route = getattr(scope.get("route"), "path", None)
    client = scope.get("client")
    fields = {"method": scope["method"], "route": route or "(no route)", "status": status,
              "duration_ms": round(seconds * 1000, 1), "client": client[0] if client else None}
    actor = scope.get("state", {}).get("actor")
    if actor:
        fields["actor"] = actor
    if route == "/login" and scope["method"] == "POST":  # the outcome, never the name that was typed
        fields["login"] = "throttled" if status == 429 else "ok" if status == 303 and "failed=" not in location \
            else "refused"
    params = scope.get("path_params") or {}
    case_id = params.get("application_id") or params.get("app_id")
    if case_id:
        fields["case_id"] = case_id
    (log.warning if status >= 500 else log.info)("http.request", **fields)
