"""The workbench under load: queue, case and search p95 at 10 concurrent clients against the running app.

1. A throw-away schema on PostgreSQL (``FINAID_TEST_PG_URL`` or ``--url``), migrated; ``--decisions`` proposals
   in all: all but ``--real`` COPYed by benchmarks/workbench_seed.py (the example bundles decided by the real
   pipeline, replayed as synthetic households with their access log and audit events — for load only, see
   there), then ``--real`` synthetic applications submitted and decided by the real nightly batch on top
   (2 workers, the sandbox registry at L = 0), as a night writes them.
2. ``finaid web serve`` in demo mode on a free loopback port (its own process, as in production), with
   ``--workers`` (default 2) worker processes (``FINAID_WEB_WORKERS``, docs/operations.md).
3. ``--clients`` (default 10) httpx clients, each logged in as a demo supervisor (both units), each doing
   ``--requests`` rounds of: GET /queue, GET /case/<a random application>, POST /search for a random
   applicant's personnummer (purpose handlaggning; every search and case read is access-logged, as always).
   A client is a closed loop with no think time: it sends its next request the moment the previous answer's
   last byte has arrived, so 10 clients keep 10 requests in the server at every instant — far more than 10
   handlers reading cases (a person reads a page for seconds). The figures are the server's under that
   saturating load, not a model of a working day.
4. after one untimed warm-up round per client, p50/p95 per page, wall time from request to the last byte,
   over all clients. Targets (issue 17): queue and case p95 < 100 ms, search p95 < 200 ms with 100 000 decisions stored.

    .venv/bin/python benchmarks/workbench.py [--decisions 100000] [--real 200] [--requests 20] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import secrets
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psycopg
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from adapters.driven.keys import DEMO_HMAC_KEY  # noqa: E402
from adapters.driving.web.demo_accounts import UNITS  # noqa: E402
from benchmarks.audit_load import templates  # noqa: E402
from benchmarks.batch import free_port, run, start_sandbox, submit  # noqa: E402
from benchmarks.workbench_seed import WorkbenchPlan, seed  # noqa: E402

SUPERVISOR_MUNICIPALITIES = {m for _, _, ms in UNITS for m in ms}  # supervisor1's units: nord and syd
FINAID = Path(sys.executable).with_name("finaid")
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
USER = "supervisor1"


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1e3


async def login(c: httpx.AsyncClient, errors: list[str]) -> str:
    """Log in as the demo supervisor; the search form's CSRF token ("" when it failed)."""
    page = await c.get("/login")
    m = CSRF.search(page.text)
    if not m:
        errors.append("no csrf token on /login")
        return ""
    r = await c.post("/login", data={"csrf_token": m.group(1), "username": USER, "password": f"demo-{USER}",
                                     "next": "/"})
    if r.status_code != 303:
        errors.append(f"login answered {r.status_code}")
        return ""
    token = CSRF.search((await c.get("/search")).text)
    return token.group(1) if token else ""


async def client_loop(c: httpx.AsyncClient, token: str, rounds: int, cases: list[tuple[str, str]],
                      rng: random.Random, times: dict[str, list[float]] | None, errors: list[str]) -> None:
    """``rounds`` of queue, case, search; timed into ``times`` (None: a warm-up, not counted)."""
    for _ in range(rounds):
        app_id, person = rng.choice(cases)
        for kind, call in (
            ("queue", lambda: c.get("/queue")),
            ("case", lambda app_id=app_id: c.get(f"/case/{app_id}")),  # type: ignore[misc]
            ("search", lambda person=person: c.post("/search", data={  # type: ignore[misc]
                "csrf_token": token, "personnummer": person, "purpose": "handlaggning", "reference": ""})),
        ):
            t0 = time.perf_counter()
            resp = await call()
            if times is not None:
                times[kind].append(time.perf_counter() - t0)
            if resp.status_code != 200:
                errors.append(f"{kind} answered {resp.status_code}")


def _stat(pid: int | str) -> list[str]:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return []


def cpu_by_process(pid: int) -> dict[int, float]:
    """The CPU time (user + system, seconds) each of a process and its live children (the web workers) has
    used so far (Linux /proc; empty elsewhere)."""
    found = {}
    for entry in (e.name for e in Path("/proc").iterdir() if e.name.isdigit()):
        fields = _stat(entry)
        if fields and (entry == str(pid) or int(fields[1]) == pid):
            found[int(entry)] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return found


def start_web(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen([str(FINAID), "web", "serve", "--port", str(port)], env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("the web app did not start")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", default=os.environ.get("FINAID_TEST_PG_URL"))
    ap.add_argument("--decisions", type=int, default=100_000, help="proposals stored in all")
    ap.add_argument("--real", type=int, default=200, help="of them decided by the real nightly batch")
    ap.add_argument("--clients", type=int, default=10)
    ap.add_argument("--workers", type=int, default=2, help="web worker processes (FINAID_WEB_WORKERS)")
    ap.add_argument("--fresh-connections", action="store_true",
                    help="a new connection for every request (as a reverse proxy without upstream keep-alive "
                         "makes them; default: each client keeps one connection, as a browser does)")
    ap.add_argument("--requests", type=int, default=20, help="rounds (queue + case + search) per client")
    ap.add_argument("--seed", type=int, default=91)
    ap.add_argument("--schema", help="load into (or, when already loaded, reuse) this schema and keep it "
                                     "(repeated measurements on one load); default: a throw-away schema")
    ap.add_argument("--from-schema", metavar="SCHEMA",
                    help="measure this schema as it stands — the decisions another benchmark made there (bench.py: the "
                         "batch's) — with the cases taken from it; nothing is loaded, the schema is kept")
    ap.add_argument("--json", action="store_true", help="also print the figures as one BENCH-JSON line")
    args = ap.parse_args(argv)
    if not args.url:
        raise SystemExit("set FINAID_TEST_PG_URL or --url (PostgreSQL)")
    if args.from_schema:
        return measure_schema(args)
    schema = args.schema or f"finaid_bench_{secrets.token_hex(3)}"
    admin = sa.create_engine(args.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        loaded = bool(args.schema) and conn.exec_driver_sql(
            "SELECT 1 FROM pg_tables WHERE schemaname = %s AND tablename = 'decision'", (schema,)).first() is not None
        if loaded:
            loaded = conn.exec_driver_sql(f'SELECT count(*) FROM "{schema}".decision').scalar_one() > 0
        conn.exec_driver_sql(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    sandbox_port, web_port = free_port(), free_port()
    real = min(args.real, args.decisions)
    sandbox = start_sandbox(sandbox_port, real, args.seed)
    web: subprocess.Popen[bytes] | None = None
    try:
        from adapters.devtools.synthetic import generate
        from adapters.driven.db import migrate
        from adapters.driven.db.engine import Database

        if not loaded:  # a kept schema already loaded is measured as it stands (`finaid db upgrade` it first)
            db = Database(args.url, schema)
            migrate.upgrade(db)
            db.dispose()
        cases: list[tuple[str, str]] = []
        copied = args.decisions - real
        plan = WorkbenchPlan(copied, templates(), args.seed) if copied else None
        if plan is not None and not loaded:
            t0 = time.perf_counter()
            libpq = sa.make_url(args.url).set(drivername="postgresql").render_as_string(hide_password=False)
            with psycopg.connect(libpq, options=f"-csearch_path={schema}") as pg:
                seed(pg, plan, DEMO_HMAC_KEY)
            print(f"workbench: {copied:,} proposals COPYed in {time.perf_counter() - t0:.0f} s", flush=True)
        if plan is not None:
            cases += [(plan.app_id(i), plan.applicant[i % plan.households]) for i in range(copied)
                      if plan.municipality[i] in SUPERVISOR_MUNICIPALITIES and not plan.tpl[plan.choice[i]].protected]
        decided = copied
        if not loaded:
            httpx.delete(f"http://127.0.0.1:{sandbox_port}/control/faults").raise_for_status()
            submit(args.url, schema, real, args.seed)
            outcome, _seconds, _timing = run(args.url, schema, 2, None, sandbox_port, 32)
            decided += sum(1 for r in outcome.results if r.status == "decided")
        else:
            decided += real
        cases += [(b["application"]["id"], b["application"]["household"][0]["personnummer"])
                  for b in generate(real, args.seed)]
        web, (seconds, per_process, times, errors) = serve_and_measure(args, schema, cases, web_port)
    finally:
        if web is not None:
            web.terminate()
            web.wait(timeout=10)
        sandbox.terminate()
        sandbox.wait(timeout=10)
        if not args.schema:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    return report(args, decided, seconds, per_process, times, errors)


def report(args: argparse.Namespace, decided: int, seconds: float, per_process: list[float],
           times: dict[str, list[float]], errors: list[str]) -> int:
    if errors or not all(times.values()):
        print(f"workbench: requests failed: {sorted(set(errors))[:5]}")
        return 1
    server_cpu = sum(per_process)
    p95 = {k: p(v, 0.95) for k, v in times.items()}
    p50 = {k: statistics.median(v) * 1e3 for k, v in times.items()}
    total = sum(len(v) for v in times.values())
    print(f"workbench: {decided} decisions stored (PostgreSQL), {args.clients} closed-loop clients (no think time) "
          f"× {args.requests} rounds{', a new connection per request' if args.fresh_connections else ''}, "
          f"{args.workers} web worker process(es), {total} requests in {seconds:.1f} s "
          f"({total / seconds:.1f} req/s); the web processes: {server_cpu * 1e3 / total:.1f} ms CPU per request; "
          f"load average {os.getloadavg()[0]:.1f}")
    if args.workers > 1 and server_cpu > 0:  # each client keeps one connection, so it stays with one worker
        shares = sorted((c / server_cpu for c in per_process if c / server_cpu >= 0.01), reverse=True)
        how = "" if args.fresh_connections else " (each client's kept-alive connection stays with one worker)"
        print(f"  the CPU split over the web processes{how}: " + " / ".join(f"{x:.0%}" for x in shares))
    for kind, target in (("queue", 100), ("case", 100), ("search", 200)):
        print(f"  {kind:<7} p50 {p50[kind]:7.1f} ms   p95 {p95[kind]:7.1f} ms   (target p95 < {target} ms: "
              f"{'met' if p95[kind] < target else 'NOT met'})")
    if args.json:
        print("BENCH-JSON " + json.dumps({"decisions": decided, "clients": args.clients, "workers": args.workers,
                                          "fresh_connections": args.fresh_connections, "requests": total,
                                          "p50_ms": p50, "p95_ms": p95,
                                          "server_cpu_ms": server_cpu * 1e3 / total}))
    return 0


Measured = tuple[float, list[float], dict[str, list[float]], list[str]]


def serve_and_measure(args: argparse.Namespace, schema: str, cases: list[tuple[str, str]], web_port: int,
                      ) -> tuple[subprocess.Popen[bytes] | None, Measured]:
    """``finaid web serve`` on ``schema`` and the clients' timed rounds: (the web process, to stop; (wall s, its CPU s,
    the times per page, the errors))."""
    holder: list[subprocess.Popen[bytes]] = []
    try:
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("FINAID_")}, "FINAID_MODE": "demo",
               "FINAID_DB_URL": args.url, "FINAID_DB_SCHEMA": schema, "FINAID_WEB_HOST": "127.0.0.1",
               "FINAID_WEB_WORKERS": str(args.workers)}
        web = start_web(env, web_port)
        holder.append(web)
        times: dict[str, list[float]] = {"queue": [], "case": [], "search": []}
        errors: list[str] = []

        async def all_clients() -> tuple[float, list[float]]:
            """Log in and warm up (one untimed round each: caches, connections), then the timed rounds: their
            wall time and each web process's CPU time."""
            limits = httpx.Limits(max_keepalive_connections=0) if args.fresh_connections else httpx.Limits()
            clients = [httpx.AsyncClient(base_url=f"http://127.0.0.1:{web_port}", timeout=60, follow_redirects=False,
                                         limits=limits) for _ in range(args.clients)]
            rngs = [random.Random(args.seed + i) for i in range(args.clients)]
            try:
                tokens = await asyncio.gather(*(login(c, errors) for c in clients))
                await asyncio.gather(*(client_loop(c, t, 1, cases, r, None, errors)
                                       for c, t, r in zip(clients, tokens, rngs, strict=True)))
                t0, cpu0 = time.perf_counter(), cpu_by_process(web.pid)
                await asyncio.gather(*(client_loop(c, t, args.requests, cases, r, times, errors)
                                       for c, t, r in zip(clients, tokens, rngs, strict=True)))
                cpu1 = cpu_by_process(web.pid)
                return time.perf_counter() - t0, [cpu1[k] - cpu0.get(k, 0.0) for k in cpu1]
            finally:
                for c in clients:
                    await c.aclose()

        seconds, per_process = asyncio.run(all_clients())
    except BaseException:
        for w in holder:
            w.terminate()
            w.wait(timeout=10)
        raise
    return web, (seconds, per_process, times, errors)


def measure_schema(args: argparse.Namespace) -> int:
    """``--from-schema``: the decisions already stored there (the batch's), the cases of supervisor1's units from it."""
    schema = args.from_schema
    admin = sa.create_engine(args.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        decided = conn.exec_driver_sql(f'SELECT count(*) FROM "{schema}".decision').scalar_one()
        rows = conn.exec_driver_sql(
            f'SELECT a.id, r.bundle_json FROM "{schema}".application a JOIN "{schema}".application_revision r '
            "ON r.id = a.current_revision_id WHERE a.current_decision_id IS NOT NULL AND NOT a.protected "
            "AND a.municipality = ANY(%s) ORDER BY a.id LIMIT 5000", (sorted(SUPERVISOR_MUNICIPALITIES),)).all()
    admin.dispose()
    cases = [(r[0], json.loads(r[1])["application"]["household"][0]["personnummer"]) for r in rows]
    if not cases:
        print(f"workbench: no decided application of supervisor1's units in schema {schema}")
        return 1
    web = None
    try:
        web, (seconds, per_process, times, errors) = serve_and_measure(args, schema, cases, free_port())
    finally:
        if web is not None:
            web.terminate()
            web.wait(timeout=10)
    return report(args, decided, seconds, per_process, times, errors)


if __name__ == "__main__":
    raise SystemExit(main())
