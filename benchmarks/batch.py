"""The nightly batch on PostgreSQL against the sandbox registry: throughput against its bounds.

For N applications (default 10 000; the full check is --n 100000) with the sandbox at L = 100 ms
per call, W worker processes and C calls in flight per worker, prints: total time, cases/s, the
network bound W·C / (L·k) (k = calls per case, measured), the CPU bound from a zero-latency run of
the same batch in the same benchmark, the ratio of the achieved rate to the smaller bound (target:
within 1.3×), and each worker's resident memory after 10 000 cases and at the end (target: growth
under 50 MB; a run of fewer than 100 000 cases also prints the growth extrapolated linearly, labelled so).
Both rates are steady rates, from the first result to the last as they reach this process; the start-up
before the first result and the report after the last are printed apart and added back for the 100k time.
Needs FINAID_TEST_PG_URL (or --url); uses its own schema and drops it at the end (``--keep-schema``: keeps it,
with every decision the batch made, for the figures that read them: benchmarks/bench.py passes it on).
The applications are stored before each run with intake's own ``store_bundles``, 500 per transaction.

    .venv/bin/python benchmarks/batch.py --n 10000
    .venv/bin/python benchmarks/batch.py --n 100000 --workers 2 --concurrency 64
    .venv/bin/python benchmarks/batch.py --n 24000 --cpu-n 100 --latency-ms 0   # memory past 10 000 cases
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import httpx
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_sandbox(port: int, households: int, seed: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "FINAID_MODE": "demo"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "adapters.driving.cli", "sandbox", "serve", "--port", str(port), "--households",
         str(households), "--seed", str(seed)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT,
    )
    deadline = time.monotonic() + 900  # a large synthetic population takes a while to build
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/control/faults", timeout=1)
            return proc
        except httpx.HTTPError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("the sandbox did not start")


SUBMIT_CHUNK = 500  # applications stored per transaction by ``submit``


def submit(url: str, schema: str, n: int, seed: int, offset: int = 0) -> int:
    """Store ``n`` synthetic applications ``received`` for the night (the setting of the figure, not the figure):
    intake's own ``store_bundles`` — what ``intake.receive`` runs for one — a chunk of ``SUBMIT_CHUNK`` per
    transaction, so the rows, revisions and audit events are the ones one-by-one submission writes."""
    from adapters.devtools.synthetic import generate
    from adapters.driven.clock import SystemClock
    from adapters.driven.db.engine import Database
    from adapters.driven.db.store import CaseStore
    from decision.bundle import CaseBundle
    from decision.services import intake

    db = Database(url, schema)
    store = CaseStore(db)
    bundles = generate(offset + n, seed)[offset:]
    adults = 0
    for i in range(0, len(bundles), SUBMIT_CHUNK):
        chunk = [CaseBundle.model_validate_json(json.dumps(raw)) for raw in bundles[i:i + SUBMIT_CHUNK]]
        with store.uow() as uow:
            intake.store_bundles(uow, chunk, "api:benchmark", SystemClock().now())
            uow.commit()
        adults += sum(1 for b in chunk for m in b.application.household if m.role.value != "child")
    db.dispose()
    return adults


class Timing:
    """When the results reached this process: the deciding window apart from start-up and the report."""

    def __init__(self) -> None:
        self.start = time.perf_counter()
        self.at: list[float] = []
        self.end = self.start

    def seen(self, *_: object) -> None:
        self.at.append(time.perf_counter())

    @property
    def startup_s(self) -> float:
        return (self.at[0] if self.at else self.end) - self.start

    @property
    def tail_s(self) -> float:
        return self.end - (self.at[-1] if self.at else self.end)

    def steady_rate(self) -> float:
        """Cases/s from the first result on (results arrive a chunk at a time: the first chunk is not counted)."""
        if len(self.at) < 2 or self.at[-1] <= self.at[0]:
            return len(self.at) / max(self.end - self.start, 1e-9)
        return sum(1 for t in self.at if t > self.at[0]) / (self.at[-1] - self.at[0])


def run(url: str, schema: str, workers: int, limit: int | None, port: int, concurrency: int):  # noqa: ANN201
    os.environ.update({
        "FINAID_MODE": "demo", "FINAID_DB_URL": url, "FINAID_DB_SCHEMA": schema,
        "FINAID_SANDBOX_URL": f"http://127.0.0.1:{port}/ssbtek", "FINAID_SSBTEK_CONCURRENCY": str(concurrency),
        "FINAID_SSBTEK_TIMEOUT_S": "30",
    })
    from adapters.settings import settings

    settings.cache_clear()
    from adapters.driving.batch.runner import BatchConfig, run_batch

    cfg = BatchConfig(db_url=url, db_schema=schema, workers=workers, limit=limit, actor="system:batch:bench",
                      report_dir=str(ROOT / "var" / "bench-reports"), chunk=max(20, concurrency))
    timing = Timing()
    outcome = run_batch(cfg, on_result=timing.seen)
    timing.end = time.perf_counter()
    return outcome, timing.end - timing.start, timing


def _projected_mb(rss_kb: list[int], cases: int) -> float | None:
    """RSS growth over ``cases`` more cases at the slope (least squares, KB per case) of the worker's samples
    after its first 20 % (start-up and warm caches left out); None below 2 500 samples (RSS moves in steps:
    1 100 cases gave projections of +33 and +84 MB for workers whose RSS grew 2–3 MB). Linear: a cache that
    fills and stops makes it an overestimate; growth that speeds up, an underestimate."""
    tail = rss_kb[len(rss_kb) // 5:]
    if len(rss_kb) < 2_500 or len(tail) < 2:
        return None
    n = len(tail)
    mx, my = (n - 1) / 2, sum(tail) / n
    slope = sum((i - mx) * (y - my) for i, y in enumerate(tail)) / sum((i - mx) ** 2 for i in range(n))
    return slope * cases / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", default=os.environ.get("FINAID_TEST_PG_URL"))
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--cpu-n", type=int, default=1_000, help="applications in the zero-latency run")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--concurrency", type=int, default=64)
    ap.add_argument("--latency-ms", type=int, default=100)
    ap.add_argument("--seed", type=int, default=77)
    ap.add_argument("--json", action="store_true", help="also print the figures as one BENCH-JSON line")
    ap.add_argument("--keep-schema", action="store_true",
                    help="keep the schema with the decisions the batch made (its name is printed and in BENCH-JSON) "
                         "for the figures that read them (benchmarks/impact.py, workbench.py --from-schema)")
    args = ap.parse_args()
    if not args.url:
        raise SystemExit("set FINAID_TEST_PG_URL or --url (PostgreSQL)")
    schema = f"finaid_bench_{secrets.token_hex(3)}"
    admin = sa.create_engine(args.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    port = free_port()
    total_households = args.n + args.cpu_n
    sandbox = start_sandbox(port, total_households, args.seed)
    try:
        from adapters.driven.db import migrate
        from adapters.driven.db.engine import Database

        db = Database(args.url, schema)
        migrate.upgrade(db)
        db.dispose()
        # CPU bound: the same batch with no registry latency
        httpx.delete(f"http://127.0.0.1:{port}/control/faults").raise_for_status()
        t_submit = time.perf_counter()
        adults_cpu = submit(args.url, schema, args.cpu_n, args.seed)
        submit_s = time.perf_counter() - t_submit
        cpu_out, cpu_s, cpu_timing = run(args.url, schema, args.workers, None, port, args.concurrency)
        cpu_rate = cpu_timing.steady_rate()
        # the night: L per call
        httpx.put(f"http://127.0.0.1:{port}/control/faults",
                  json={"faults": [{"fault": "latency", "ms": args.latency_ms}]}).raise_for_status()
        t_submit = time.perf_counter()
        adults = submit(args.url, schema, args.n, args.seed, offset=args.cpu_n)
        submit_s += time.perf_counter() - t_submit
        print(f"submitted           {args.cpu_n + args.n} applications in {submit_s:.1f} s (chunks of {SUBMIT_CHUNK})",
              flush=True)
        k = adults / args.n
        out, seconds, timing = run(args.url, schema, args.workers, None, port, args.concurrency)
    finally:
        sandbox.terminate()
        sandbox.wait(timeout=10)
        if args.keep_schema and sys.exc_info()[0] is None:
            print(f"kept schema {schema} (drop it with: DROP SCHEMA {schema} CASCADE)")
        else:
            with admin.connect() as c:
                c.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    overall = len(out.results) / seconds
    rate = timing.steady_rate()
    # L = 0 (a memory run past 10 000 cases): no network bound
    network = args.workers * args.concurrency / (args.latency_ms / 1000 * k) if args.latency_ms else float("inf")
    bound = min(network, cpu_rate)
    growth: dict[str, float | None] = {}
    projected: dict[str, float | None] = {}  # a shorter run: the worker's RSS slope, over its share of 10k → 100k
    by_worker: dict[str, list[int]] = defaultdict(list)
    for r in out.results:
        by_worker[r.worker].append(r.rss_kb)
    print(f"applications        {len(out.results)} ({args.workers} workers, {args.concurrency} calls in flight each, "
          f"L = {args.latency_ms} ms, k = {k:.2f} calls per case)")
    print(f"total time          {seconds:.1f} s   (start-up {timing.startup_s:.1f} s before the first result, "
          f"report {timing.tail_s:.1f} s after the last; {overall:.1f} cases/s over the whole run)")
    print(f"achieved            {rate:.1f} cases/s   (steady: from the first result to the last)")
    print(f"network bound       {network:.1f} cases/s   (W·C / (L·k))")
    print(f"CPU bound           {cpu_rate:.1f} cases/s   "
          f"(zero latency, {len(cpu_out.results)} cases, {adults_cpu} calls, steady as above; "
          f"{len(cpu_out.results) / cpu_s:.1f} over its whole run)")
    print(f"ratio to the smaller bound  {bound / rate:.2f}×   (target ≤ 1.3)")
    for worker, rss in sorted(by_worker.items()):
        at10k = rss[min(len(rss) - 1, 10_000 // max(1, args.workers))] / 1024
        print(f"worker {worker.rsplit(':', 1)[-1]}: {len(rss)} cases, RSS {rss[0] / 1024:.0f} MB at start, "
              f"{at10k:.0f} MB at ~10k cases, {rss[-1] / 1024:.0f} MB at the end "
              f"(growth {rss[-1] / 1024 - at10k:+.0f} MB; target < 50)")
        # growth from ~10k cases on is only meaningful when the worker went well beyond them
        mark = 10_000 // max(1, args.workers)
        growth[worker] = rss[-1] / 1024 - at10k if len(rss) > mark else None
        if growth[worker] is not None and len(out.results) < 100_000:
            per_case = growth[worker] / (len(rss) - mark)  # type: ignore[operator]
            whole = per_case * (100_000 // args.workers - mark)
            print(f"  extrapolated, linearly, to 100k applications: {whole:+.0f} MB for this worker"
                  f" (measured over {len(rss) - mark} of its cases after ~10k in all)")
        projected[worker] = _projected_mb(rss, 90_000 // max(1, args.workers))
    hundred_k_minutes = (timing.startup_s + 100_000 / rate + timing.tail_s) / 60
    print(f"100k applications at this rate (with this run's start-up and report): {hundred_k_minutes:.1f} min "
          f"({'meets' if hundred_k_minutes < 10 else 'does not meet'} the 10-minute goal)")
    if args.json:
        print("BENCH-JSON " + json.dumps({
            "applications": len(out.results), "workers": args.workers, "concurrency": args.concurrency,
            "latency_ms": args.latency_ms, "k": k, "seconds": seconds, "rate": rate, "overall_rate": overall,
            "startup_s": timing.startup_s, "report_s": timing.tail_s, "network_bound": network,
            "cpu_bound": cpu_rate, "ratio": bound / rate, "hundred_k_minutes": hundred_k_minutes,
            "rss_growth_mb": growth, "rss_projected_mb": projected, "submit_s": submit_s,
            "schema": schema if args.keep_schema else None,
        }))


if __name__ == "__main__":
    main()
