"""Impact analysis over stored decisions (issue 17, target 4): `finaid rules impact` over a schema another benchmark
filled — in `make bench`, the decisions the nightly batch made (benchmarks/batch.py --keep-schema), so the 100 000
are real decisions and nothing is loaded for this figure.

    FINAID_TEST_PG_URL=postgresql+psycopg://root@127.0.0.1:5432/test \\
        .venv/bin/python benchmarks/impact.py --schema finaid_bench_xxxxxx [--workers 2] [--json]

Runs ``finaid rules impact --pack activity_requirement_2026_v1 --workers W --json`` in its own process (access
logging on, as always) and prints: cases analysed and compared, wall time (process start included), the CPU time of
the process and its worker processes together (``os.wait4``: the workers are reaped by it), CPU per case, cases/s,
and the load average before and after (wall time on a shared machine is only an upper bound). The 100 000-case
time is printed only when at least 100 000 cases were analysed; a smaller run prints its own time, never an
extrapolation. The schema is not changed (one access-log row) and not dropped.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FINAID = Path(sys.executable).with_name("finaid")
DRAFT = "activity_requirement_2026_v1"


def run_impact(url: str, schema: str, workers: int) -> dict[str, object]:
    env = {**{k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}, "FINAID_MODE": "demo",
           "FINAID_DB_URL": url, "FINAID_DB_SCHEMA": schema, "FINAID_REPORT_DIR": tempfile.mkdtemp(prefix="finaid-")}
    load0 = os.getloadavg()[0]
    with tempfile.TemporaryFile("w+", encoding="utf-8") as out, tempfile.TemporaryFile("w+", encoding="utf-8") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen([str(FINAID), "rules", "impact", "--pack", DRAFT, "--workers", str(workers), "--json"],
                                env=env, cwd=ROOT, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        code = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        text, errors = out.read(), err.read()
    if code != 0:
        tail = [x for x in errors.strip().splitlines() if x.strip()]
        return {"error": f"finaid rules impact exited {code}: {tail[-1][:160] if tail else 'no output'}"}
    cases = json.loads(text)["cases"]
    cpu = usage.ru_utime + usage.ru_stime
    analysed = cases["analysed"]
    return {
        "analysed": analysed, "compared": cases["compared"], "baseline_stored": cases["baseline_stored"],
        "workers": workers, "seconds": wall, "cpu_s": cpu, "cpu_ms_per_case": 1000 * cpu / max(analysed, 1),
        "cases_per_s": analysed / wall, "load_before": load0, "load_after": os.getloadavg()[0],
        "rate_line": next((x for x in errors.splitlines() if x.startswith("re-decided")), ""),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", default=os.environ.get("FINAID_TEST_PG_URL"))
    ap.add_argument("--schema", required=True, help="the schema whose stored decisions are analysed (kept)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--json", action="store_true", help="also print the figures as one BENCH-JSON line")
    args = ap.parse_args(argv)
    if not args.url:
        raise SystemExit("set FINAID_TEST_PG_URL or --url (PostgreSQL)")
    f = run_impact(args.url, args.schema, args.workers)
    if "error" in f:
        print(f"impact: {f['error']}")
        return 1
    print(f"impact ({DRAFT}, {f['workers']} workers) over schema {args.schema}: {f['analysed']:,} analysed "
          f"({f['compared']:,} compared, {f['baseline_stored']:,} with the stored decision as baseline) in "
          f"{f['seconds']:.1f} s wall = {f['cases_per_s']:,.0f} cases/s; CPU {f['cpu_s']:.1f} s with the workers = "
          f"{f['cpu_ms_per_case']:.2f} ms per case; load average {f['load_before']:.1f} → {f['load_after']:.1f}")
    print(f"  finaid's own line: {f['rate_line']}")
    if f["analysed"] >= 100_000:  # type: ignore[operator]
        print(f"  100 000 cases: {'met' if f['seconds'] < 60 else 'NOT met'} (target < 60 s)")  # type: ignore[operator]
    if args.json:
        print("BENCH-JSON " + json.dumps(f))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
