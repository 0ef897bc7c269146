"""The sandbox SSBTEK: a FastAPI app that answers ``hamtaBastjanstInformation`` and
``testaBastjanstInformation`` in the v10 SOAP shape for the synthetic population, with faults
aimed per person and agency through ``/control`` (or a faults file). Demo mode only, loopback only.

Endpoints:
- ``POST /ssbtek`` — SOAP 1.1 (``text/xml``), both operations.
- ``GET|PUT|POST|DELETE /control/faults`` — list, replace, add one, clear fault rules (JSON).
- ``GET|DELETE /control/log`` — the request log (start/end in monotonic nanoseconds, person masked).
- ``GET /control/health`` — liveness and population size.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections import deque
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse

from adapters.devtools.sandbox.answers import BadRequest, answer, ping_answer, read_request, soap_fault
from adapters.devtools.sandbox.faults import AGENCY_FAULTS, CALL_FAULTS, FaultBook, FaultRule, parse_rules
from adapters.devtools.synthetic import PersonRecord, population
from decision import personnummer as pnr

MAX_REQUEST_BYTES = 1024 * 1024
SOAP_PATH = "/ssbtek"


class RequestLog:
    def __init__(self, size: int = 50_000) -> None:
        self._entries: deque[dict[str, Any]] = deque(maxlen=size)
        self._lock = threading.Lock()

    def add(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self._entries.append(entry)

    def entries(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def _xml(content: bytes, status: int = 200) -> Response:
    return Response(content=content, status_code=status, media_type="text/xml; charset=utf-8")


def create_app(people: dict[str, PersonRecord], faults: FaultBook | None = None) -> FastAPI:
    app = FastAPI(title="finaid sandbox SSBTEK (synthetic data only)", docs_url=None, redoc_url=None)
    book = faults or FaultBook()
    log = RequestLog()
    app.state.population = people
    app.state.faults = book
    app.state.log = log
    rng = random.Random(0)  # noqa: S311 - jitter for a test double, not cryptography

    @app.post(SOAP_PATH)
    async def soap(request: Request) -> Response:
        start = time.monotonic_ns()
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > MAX_REQUEST_BYTES:
            return _xml(soap_fault("SSBT-TOO-LARGE", "Frågan är för stor"), 500)
        body = await request.body()
        try:
            q = read_request(body)
        except BadRequest as e:
            log.add({"op": "bad", "start_ns": start, "end_ns": time.monotonic_ns(), "status": 500})
            return _xml(soap_fault("SSBT-BAD-REQUEST", f"Felaktig fråga: {e}"[:300]), 500)
        call_rules = book.take(q.person, CALL_FAULTS)
        delay_ms = sum(r.ms + (rng.randint(0, r.jitter_ms) if r.jitter_ms else 0)
                       for r in call_rules if r.fault in ("latency", "slow"))
        if delay_ms:
            await asyncio.sleep(delay_ms / 1000)
        fired = [r.fault for r in call_rules]
        status = 200
        response: Response
        if q.operation == "testa":
            agency_rules = book.take(q.person, AGENCY_FAULTS)
            response = _xml(ping_answer(agency_rules))
        elif "soap_fault" in fired:
            rule = next(r for r in call_rules if r.fault == "soap_fault")
            status = 500
            response = _xml(soap_fault(rule.felkod, "Tekniskt fel i den sammansatta bastjänsten"), 500)
        elif "http_status" in fired:
            rule = next(r for r in call_rules if r.fault == "http_status")
            status = rule.status
            response = Response(content=b"Service Unavailable", status_code=status, media_type="text/plain")
        elif "garbage_envelope" in fired:
            response = _xml(b"\x00\x01 detta \xff\xfe \xe4r inget kuvert <<<")
        else:
            agency_rules = book.take(q.person, AGENCY_FAULTS)
            fired += [f"{r.fault}:{r.agency}" for r in agency_rules]
            raw = answer(q, people.get(q.person), agency_rules)
            if "drop" in fired:
                response = StreamingResponse(_cut(raw), media_type="text/xml; charset=utf-8")
            else:
                response = _xml(raw)
        log.add(
            {
                "op": q.operation,
                "korrelationsid": q.korrelationsid,
                "case_id": q.case_id,
                "person": pnr.masked(q.person) if q.person else "",
                "start_ns": start,
                "end_ns": time.monotonic_ns(),
                "status": status,
                "faults": fired,
            }
        )
        return response

    @app.get("/control/health")
    async def health() -> dict[str, Any]:
        return {"ok": True, "population": len(people), "synthetic": True}

    @app.get("/control/faults")
    async def list_faults() -> dict[str, Any]:
        return {"faults": book.as_json()}

    @app.put("/control/faults")
    async def replace_faults(request: Request) -> Response:
        try:
            rules = parse_rules(await request.json())
        except ValueError as e:
            return JSONResponse({"error": str(e)}, status_code=422)
        book.replace(rules)
        return JSONResponse({"faults": book.as_json()})

    @app.post("/control/faults")
    async def add_fault(request: Request) -> Response:
        try:
            doc = await request.json()
            if not isinstance(doc, dict):
                raise ValueError("a fault rule is an object")
            rule = FaultRule(**doc)
        except (ValueError, TypeError) as e:
            return JSONResponse({"error": str(e)}, status_code=422)
        book.add(rule)
        return JSONResponse({"faults": book.as_json()})

    @app.delete("/control/faults")
    async def clear_faults() -> dict[str, Any]:
        book.clear()
        return {"faults": []}

    @app.get("/control/log")
    async def get_log() -> dict[str, Any]:
        return {"requests": log.entries()}

    @app.delete("/control/log")
    async def clear_log() -> dict[str, Any]:
        log.clear()
        return {"requests": []}

    return app


async def _cut(raw: bytes) -> AsyncIterator[bytes]:
    yield raw[: len(raw) // 2]
    raise ConnectionAbortedError("sandbox fault: connection dropped")


def build(households: int, seed: int, faults_file: Path | None = None) -> FastAPI:
    """The sandbox app for the first ``households`` synthetic households of ``seed``."""
    return create_app(population(households, seed), FaultBook(file=faults_file))


def serve(host: str, port: int, households: int, seed: int, faults_file: Path | None = None,
          log_level: str = "warning") -> None:
    import uvicorn

    uvicorn.run(build(households, seed, faults_file), host=host, port=port, log_level=log_level,
                access_log=False)
