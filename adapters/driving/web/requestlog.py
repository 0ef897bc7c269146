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

import structlog
from fastapi import Request
from fastapi.responses import Response
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from ulid import ULID

REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
QUIET = ("/healthz", "/readyz", "/metrics")
log = structlog.get_logger("finaid.web")


class RequestLog(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        given = request.headers.get("x-request-id", "")
        request_id = given if REQUEST_ID.fullmatch(given) else str(ULID())
        structlog.contextvars.bind_contextvars(request_id=request_id)
        start = time.perf_counter()
        status, location = 500, ""
        try:
            response = await call_next(request)
            status, location = response.status_code, response.headers.get("location", "")
            response.headers["X-Request-ID"] = request_id
            return response
        finally:
            if status >= 400 or request.url.path not in QUIET:
                _line(request, status, time.perf_counter() - start, location)
            structlog.contextvars.unbind_contextvars("request_id")


def _line(request: Request, status: int, seconds: float, location: str = "") -> None:
    route = getattr(request.scope.get("route"), "path", None)
    fields = {"method": request.method, "route": route or "(no route)", "status": status,
              "duration_ms": round(seconds * 1000, 1), "client": request.client.host if request.client else None}
    actor = request.scope.get("state", {}).get("actor")
    if actor:
        fields["actor"] = actor
    if route == "/login" and request.method == "POST":  # the outcome, never the name that was typed
        fields["login"] = "throttled" if status == 429 else "ok" if status == 303 and "failed=" not in location \
            else "refused"
    params = request.scope.get("path_params") or {}
    case_id = params.get("application_id") or params.get("app_id")
    if case_id:
        fields["case_id"] = case_id
    (log.warning if status >= 500 else log.info)("http.request", **fields)
