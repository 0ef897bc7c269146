"""The night's CPU per case by component, then `rules impact` and `audit verify` over what the night stored.

One batch worker runs in this process (``run_batch`` with one worker, as ``finaid batch run --workers 1``)
over ``--n`` synthetic applications, the sandbox registry answering at once (L = 0) from its own process.
Around the worker's components this harness (never production code) adds ``time.process_time`` by wrapping
them from outside:

- evaluation: ``Pipeline.evaluate``;
- database: loading the chunk, writing the access log, the chunk's commit, claiming, the supplementary
  look-up and the automated-decision check (finaid's client side: SQLAlchemy and the driver; the database
  server's own CPU is another process and is not counted);
- fetch + parse: the rest of each chunk — building the SSBTEK requests, HTTP, parsing the answer envelopes,
  sealing the bundles (the chunk's CPU less the two above);
- start and report: the run's CPU outside the chunks (the batch record, the morning report);
- the sandbox, apart: the CPU its process used (``/proc/<pid>/stat``), per case.

Then, on the same database: ``finaid rules impact`` with a draft pack over the stored decisions (cases/s,
against the single-case evaluation figure), and ``audit verify`` in-process (events/s). Access logging and
audit events stay on. Needs ``FINAID_TEST_PG_URL`` (or ``--url``) for PostgreSQL; without it a throw-away
SQLite file. Uses its own schema and drops it.

    .venv/bin/python benchmarks/night.py [--n 2000] [--json]
    .venv/bin/python benchmarks/night.py --n 600 --night-only --profile /tmp/night.prof   # cProfile, CPU clock
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.batch import free_port, start_sandbox, submit  # noqa: E402

FINAID = Path(sys.executable).with_name("finaid")
IMPACT_DRAFT = "activity_requirement_2026_v1"
TARGET_OWN_CPU_MS = 3.0


def proc_cpu_s(pid: int) -> float:
    """User + system CPU of another process (Linux /proc)."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Meter:
    """CPU seconds by component, added up by wrappers set on classes and modules (restored by ``undo``)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self._undo: list[Callable[[], None]] = []
        self._depth = 0

    def wrap(self, owner: Any, name: str, component: str) -> None:
        original = getattr(owner, name)
        meter = self

        def timed(*args: Any, **kwargs: Any) -> Any:
            if meter._depth:  # nested in another measured component: counted there
                return original(*args, **kwargs)
            meter._depth += 1
            t0 = time.process_time()
            try:
                return original(*args, **kwargs)
            finally:
                meter.seconds[component] += time.process_time() - t0
                meter._depth -= 1

        setattr(owner, name, timed)
        self._undo.append(lambda: setattr(owner, name, original))

    def undo(self) -> None:
        for fn in reversed(self._undo):
            fn()


def claim_s(meter: Meter) -> float:
    return meter.seconds["claim"]


def night(
    url: str, schema: str | None, n: int, port: int, sandbox_pid: int, profile: str | None = None
) -> dict[str, Any]:
    os.environ.update({
        "FINAID_MODE": "demo", "FINAID_DB_URL": url, "FINAID_SANDBOX_URL": f"http://127.0.0.1:{port}/ssbtek",
        "FINAID_SSBTEK_CONCURRENCY": "16", "FINAID_SSBTEK_TIMEOUT_S": "30",
    })
    if schema:
        os.environ["FINAID_DB_SCHEMA"] = schema
    from adapters.settings import settings

    settings.cache_clear()
    from adapters.driven.db.claims import Claims
    from adapters.driving.batch import worker as worker_mod
    from adapters.driving.batch.runner import BatchConfig, run_batch
    from decision.pipeline import Pipeline
    from decision.services import supplementary

    meter = Meter()
    meter.wrap(Pipeline, "evaluate", "evaluation")
    for name in ("_load", "_log_reads", "_commit", "_auto"):
        meter.wrap(worker_mod.Worker, name, "database")
    meter.wrap(Claims, "claim", "claim")
    meter.wrap(supplementary, "find_earlier", "database")
    chunk_s = [0.0]
    original_chunk = worker_mod.Worker.run_chunk

    def run_chunk(self: Any, claims: Any) -> Any:
        t0 = time.process_time()
        try:
            return original_chunk(self, claims)
        finally:
            chunk_s[0] += time.process_time() - t0

    worker_mod.Worker.run_chunk = run_chunk  # type: ignore[method-assign]
    cfg = BatchConfig(db_url=url, db_schema=schema, workers=1, actor="system:batch:bench", chunk=20,
                      report_dir=tempfile.mkdtemp(prefix="finaid-bench-"))
    sandbox0 = proc_cpu_s(sandbox_pid)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
    try:
        outcome = run_batch(cfg)
    finally:
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(profile)
        meter.undo()
        worker_mod.Worker.run_chunk = original_chunk  # type: ignore[method-assign]
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    sandbox = proc_cpu_s(sandbox_pid) - sandbox0
    decided = sum(1 for r in outcome.results if r.status == "decided")
    # claiming runs outside run_chunk; everything else measured runs inside it
    fetch = chunk_s[0] - meter.seconds["evaluation"] - meter.seconds["database"]
    per = max(decided, 1)
    return {
        "cases": len(outcome.results), "decided": decided, "wall_s": wall, "cpu_s": cpu, "cases_per_s": decided / wall,
        "ms_per_case": {
            "fetch_parse": max(fetch, 0.0) / per * 1e3, "evaluation": meter.seconds["evaluation"] / per * 1e3,
            "database": (meter.seconds["database"] + claim_s(meter)) / per * 1e3,
            "start_report": max(cpu - chunk_s[0] - claim_s(meter), 0.0) / per * 1e3,
            "own_total": cpu / per * 1e3, "sandbox": sandbox / per * 1e3,
        },
    }


def impact(env: dict[str, str]) -> dict[str, Any]:
    t0 = time.perf_counter()
    proc = subprocess.run([str(FINAID), "rules", "impact", "--pack", IMPACT_DRAFT, "--workers", "2", "--json"],
                          env=env, cwd=ROOT, capture_output=True, text=True, check=False, timeout=3600)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or ["no message"])[-1]
        return {"error": f"finaid rules impact exited {proc.returncode}: {tail}"}
    report = json.loads(proc.stdout)
    compared = int(report["cases"]["compared"])
    return {"compared": compared, "seconds": seconds, "cases_per_s": compared / seconds if seconds else 0.0}


def verify(url: str, schema: str | None) -> dict[str, Any]:
    from adapters.driven.db.audit_store import verify as run_verify
    from adapters.driven.db.engine import Database

    db = Database(url, schema)
    try:
        t0 = time.perf_counter()
        with db.read() as s:
            report = run_verify(s)
        seconds = time.perf_counter() - t0
    finally:
        db.dispose()
    events = report.audit.events + report.access.events
    return {"ok": report.ok, "audit_events": report.audit.events, "access_entries": report.access.events,
            "seconds": seconds, "events_per_s": events / seconds if seconds else 0.0}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", default=os.environ.get("FINAID_TEST_PG_URL"))
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=77)
    ap.add_argument("--json", action="store_true", help="also print the figures as one BENCH-JSON line")
    ap.add_argument("--profile", metavar="PATH", help="write a cProfile of the batch run (figures inflated)")
    ap.add_argument("--night-only", action="store_true", help="skip rules impact and audit verify")
    args = ap.parse_args(argv)
    tmp = tempfile.mkdtemp(prefix="finaid-night-")
    schema: str | None = None
    if args.url:
        url = args.url
        schema = f"finaid_bench_{secrets.token_hex(3)}"
        admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    else:
        url = f"sqlite:///{tmp}/finaid.db"
    port = free_port()
    sandbox = start_sandbox(port, args.n, args.seed)
    try:
        from adapters.driven.db import migrate
        from adapters.driven.db.engine import Database

        db = Database(url, schema)
        migrate.upgrade(db)
        db.dispose()
        httpx.delete(f"http://127.0.0.1:{port}/control/faults").raise_for_status()
        submit(url, schema, args.n, args.seed)  # type: ignore[arg-type]  # None: SQLite has no schema
        figures = night(url, schema, args.n, port, sandbox.pid, args.profile)
        env = {**{k: v for k, v in os.environ.items() if k.startswith("FINAID_") or k in ("PATH", "HOME", "LANG")},
               "FINAID_REPORT_DIR": tmp}
        if not args.night_only:
            figures["impact"] = impact(env)
            figures["verify"] = verify(url, schema)
    finally:
        sandbox.terminate()
        sandbox.wait(timeout=10)
        if schema:
            with admin.connect() as c:
                c.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    figures["database"] = "PostgreSQL" if schema else "SQLite"
    ms = figures["ms_per_case"]
    print(f"the night, one worker in this process, {figures['decided']} of {figures['cases']} decided on "
          f"{figures['database']}, sandbox at L = 0: {figures['cases_per_s']:.1f} cases/s")
    for key, label in (("fetch_parse", "fetch + parse (requests, HTTP, envelopes)"), ("evaluation", "evaluation"),
                       ("database", "database writes and reads (client side)"), ("start_report", "start + report"),
                       ("own_total", "finaid's own CPU, all of it"), ("sandbox", "the sandbox (apart)")):
        print(f"  {label:<44} {ms[key]:8.2f} ms CPU/case")
    print(f"  target: finaid's own CPU ≤ {TARGET_OWN_CPU_MS} ms/case: "
          f"{'met' if ms['own_total'] <= TARGET_OWN_CPU_MS else 'NOT met'}")
    imp = figures.get("impact", {"error": "skipped (--night-only)"})
    if "error" in imp:
        print(f"  rules impact: not measured: {imp['error']}")
    else:
        print(f"  rules impact ({IMPACT_DRAFT}, 2 workers): {imp['compared']} compared in {imp['seconds']:.1f} s, "
              f"{imp['cases_per_s']:.1f} cases/s")
    v = figures.get("verify")
    if v:
        print(f"  audit verify: {v['audit_events']} audit events + {v['access_entries']} access entries in "
              f"{v['seconds']:.2f} s, {v['events_per_s']:.0f} events/s ({'intact' if v['ok'] else 'PROBLEMS'})")
    if args.json:
        print("BENCH-JSON " + json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
