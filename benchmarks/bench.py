"""`make bench` / `make bench-quick`: every figure of issue 17 in one table — target, measured, verdict, bound.

Runs each benchmark script of this folder as its own process (so one's memory or imports do not disturb the
next), reads the figures it prints on its ``BENCH-JSON`` line, and prints one table. A figure that could not
be measured (no PostgreSQL, the ``bench`` extra not installed, a script that failed, a size too small for the
figure) is printed as "not measured" with the reason — never a made-up number. benchmarks/README.md says how
each figure is measured and what bounds it.

    .venv/bin/python benchmarks/bench.py            # the full sizes (within 60 minutes on 2 cores)
    .venv/bin/python benchmarks/bench.py --quick    # smaller sizes (within 10 minutes)
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent

# per size: the arguments of each script, run in this order. The batch keeps its schema (--keep-schema): impact
# analysis and the workbench then read the decisions the batch made (impact.py --schema, workbench.py --from-schema:
# nothing loaded for them), and this script drops it after them. Without the batch's schema the workbench loads its
# own (its "alone" arguments) and impact is not measured. The audit trail of 1 000 000 events is its own COPY load.
# At mid and full size the night skips its own impact and verify (--night-only): the impact and audit parts measure
# those figures at the sizes, so at 10 000 they were double work; quick keeps them (its table as before).
SIZES: dict[str, dict[str, list[str]]] = {
    "quick": {
        "evaluate": ["--n", "300", "--memory-n", "2000", "--repeat", "2"],
        "openfisca": ["--loops", "10", "--repeat", "2"],
        "startup": ["--repeat", "3"],
        "night": ["--n", "200"],
        "batch": ["--n", "300", "--cpu-n", "100", "--workers", "2", "--concurrency", "64", "--keep-schema"],
        "impact": ["--workers", "2"],
        "workbench": ["--requests", "10"],
        "audit": ["--n", "2000", "--verify", "--samples", "50", "--margin-gb", "1"],
    },
    # for planning: each part at about a tenth of its full size (benchmarks/README.md extrapolates from it, labelled)
    "mid": {
        "evaluate": ["--n", "1000", "--memory-n", "10000", "--repeat", "2"],
        "openfisca": ["--loops", "50", "--repeat", "2"],
        "startup": ["--repeat", "5"],
        "night": ["--n", "1000", "--night-only"],
        "batch": ["--n", "10000", "--cpu-n", "1000", "--workers", "2", "--concurrency", "64", "--keep-schema"],
        "impact": ["--workers", "2"],
        "workbench": ["--requests", "30"],
        "audit": ["--n", "50000", "--verify", "--samples", "50", "--margin-gb", "1"],
    },
    "full": {
        "evaluate": ["--n", "3000", "--memory-n", "100000", "--repeat", "3"],
        "openfisca": ["--loops", "200", "--repeat", "3"],
        "startup": ["--repeat", "10"],
        "night": ["--n", "10000", "--night-only"],  # impact and verify: their own parts, at full size
        "batch": ["--n", "100000", "--cpu-n", "2000", "--workers", "2", "--concurrency", "64", "--keep-schema"],
        "impact": ["--workers", "2"],
        "workbench": ["--requests", "100"],
        "audit": ["--n", "500000", "--verify", "--samples", "100"],  # 1 000 000 chained events
    },
}
ALONE = {"workbench": {"quick": ["--decisions", "200"], "mid": ["--decisions", "10000"],
                       "full": ["--decisions", "100000"]}}
ON_BATCH = {"impact", "workbench"}  # read the batch's schema when it kept one
NEEDS_PG = {"batch", "impact", "workbench", "audit"}
BUDGET_S = {"quick": 600.0, "full": 3600.0}  # make bench-quick within 10 minutes, make bench within 60
FILES = {"openfisca": "openfisca_bench"}  # a script's file name where it is not its key


@dataclass
class Row:
    figure: str
    target: str
    measured: str
    verdict: str
    bound: str


WALL: dict[str, float] = {}  # each script's wall time in this run


def run(script: str, args: list[str], timeout: float) -> tuple[dict[str, Any] | None, str]:
    """The script's BENCH-JSON figures, or None and why not. Past ``timeout`` the script gets SIGINT, so its own
    clean-up runs (its sandbox stopped, its schema dropped), and is killed 60 s later if still running."""
    path = HERE / f"{FILES.get(script, script)}.py"
    if not path.exists():
        return None, f"benchmarks/{path.name} does not exist yet"
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(path), *args, "--json"], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGINT)
        try:
            proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
        WALL[script] = time.perf_counter() - t0
        return None, f"{path.name} was stopped after {timeout:.0f} s (the run's time budget)"
    WALL[script] = time.perf_counter() - t0
    sys.stderr.write(f"[bench] {path.name} {' '.join(args)}: exit {proc.returncode}, "
                     f"{time.perf_counter() - t0:.0f} s\n")
    (ROOT / "var").mkdir(exist_ok=True)
    (ROOT / "var" / f"bench-{script}.log").write_text(out + err, encoding="utf-8")
    for line in reversed(out.splitlines()):
        if line.startswith("BENCH-JSON "):
            return json.loads(line.removeprefix("BENCH-JSON ")), ""
    tail = [x for x in (err + out).strip().splitlines() if x.strip()]
    return None, f"{path.name} exited {proc.returncode}: {tail[-1][:160] if tail else 'no output'}"


def nm(why: str) -> str:
    return f"not measured: {why}"


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def rows_evaluation(ev: dict[str, Any] | None, why: str, of: dict[str, Any] | None, of_why: str) -> list[Row]:
    if ev is None:
        return [Row("evaluation a/b (finaid vs bare engine)", "≤ 1.5", nm(why), "—", "engine + Python")]
    rows = [
        Row("evaluation (a) finaid, per case", "—", f"{ev['a_us']:,.0f} µs ({ev['engine_us']:,.0f} in the engine)",
            "—", "engine (assert per fact) + finaid's Python"),
        Row("evaluation (b) bare durable_rules, per case", "—", f"{ev['b_us']:,.0f} µs", "—", "engine: per fact"),
        Row("evaluation a/b", "≤ 1.5", f"{ev['a_b']:.2f}", verdict(ev["a_b"] <= 1.5), "finaid's Python around"),
        Row("facts asserted / rules fired per case", "fewer facts (one per subject)",
            f"{ev['facts_per_case']:.1f} / {ev['fired_per_case']:.1f} over {ev['runs_per_case']:.0f} runs", "—",
            "engine cost ∝ facts"),
        Row(f"evaluation memory over {ev['memory_n']:,} cases", "flat (≤ 2 MiB)",
            f"{ev['rss_growth_kib']:+,.0f} KiB", verdict(ev["flat"]), "state deleted per case"),
    ]
    if of is None:
        rows.append(Row("finaid / OpenFisca (same households)", "≤ 0.5", nm(of_why), "—", "engine + Python"))
    else:
        rows.append(Row(f"finaid / OpenFisca ({of['households']} demo households)", "≤ 0.5",
                        f"{of['ratio']:.2f} ({of['finaid_us']:,.0f} vs {of['openfisca_us']:,.0f} µs; agree to the kr)",
                        verdict(of["ratio"] <= 0.5), "finaid: findings + trace; OpenFisca: amounts"))
    return rows


def rows_startup(st: dict[str, Any] | None, why: str) -> list[Row]:
    if st is None:
        return [Row("finaid --help wall time", "< 0.3 s (quiet machine)", nm(why), "—", "imports")]
    return [
        Row("finaid --help wall time", "< 0.3 s (quiet machine)",
            f"{st['help_s']:.3f} s (python -c pass {st['pass_s']:.3f} s)", verdict(st["help_s"] < 0.3),
            "imports (typer; the command groups load when run, no rich)"),
        Row("finaid case decide BUNDLE --json wall time", "—",
            f"{st['decide_s']:.3f} s (python -c pass {st['pass_s']:.3f} s)", "—",
            "imports (SQLAlchemy, durable_rules), catalog, store"),
    ]


def rows_night(ni: dict[str, Any] | None, why: str) -> list[Row]:
    if ni is None:
        return [Row("night: finaid's own CPU per case", "≤ 3 ms", nm(why), "—", "CPU"),
                Row("impact analysis cases/s", "100 000 in < 60 s", nm(why), "—", "engine, 2 workers"),
                Row("audit verify events/s", "1 000 000 events, rate printed", nm(why), "—", "database + hashing")]
    ms = ni["ms_per_case"]
    rows = [
        Row(f"night CPU per case ({ni['decided']} cases, {ni['database']}, 1 worker, L = 0)", "own ≤ 3 ms",
            f"{ms['own_total']:.1f} ms: fetch+parse {ms['fetch_parse']:.1f}, evaluation {ms['evaluation']:.1f}, "
            f"database {ms['database']:.1f}, start+report {ms['start_report']:.1f}; sandbox apart {ms['sandbox']:.1f}",
            verdict(ms["own_total"] <= 3.0), "CPU"),
        Row("night cases/s (that run, 1 worker, L = 0)", "—", f"{ni['cases_per_s']:.1f}", "—", "CPU"),
    ]
    if "impact" not in ni:  # --night-only: the impact and audit parts measure these at their own sizes
        return rows
    imp = ni["impact"]
    if "error" in imp:
        rows.append(Row("impact analysis cases/s", "100 000 in < 60 s (≥ 1 667/s)", nm(imp["error"]), "—", "engine"))
    else:
        rows.append(Row(f"impact analysis cases/s ({imp['compared']} compared, 2 workers)",
                        "100 000 in < 60 s (≥ 1 667/s)", f"{imp['cases_per_s']:.1f} (start-up included)",
                        verdict(imp["cases_per_s"] >= 1667), "engine ×2 per case; process start at small n"))
    v = ni["verify"]
    events = v["audit_events"] + v["access_entries"]
    rows.append(Row(f"audit verify ({events:,} events)", "1 000 000 events, rate printed",
                    f"{v['events_per_s']:,.0f} events/s ({'intact' if v['ok'] else 'PROBLEMS'})",
                    "—" if events < 1_000_000 else "printed", "database read + hashing"))
    return rows


def rows_batch(ba: dict[str, Any] | None, why: str) -> list[Row]:
    if ba is None:
        return [Row("night: 100 000 at L = 100 ms", "< 10 min, ≤ 1.3× smaller bound", nm(why), "—", "network/CPU"),
                Row("RSS growth per worker 10k → 100k", "< 50 MB", nm(why), "—", "memory")]
    rows = [Row(f"night: {ba['applications']:,} at L = {ba['latency_ms']} ms, {ba['workers']} workers × C = "
                f"{ba['concurrency']}", "100k < 10 min; ≤ 1.3× smaller bound",
                f"{ba['rate']:.1f} cases/s → 100k in {ba['hundred_k_minutes']:.1f} min; ratio {ba['ratio']:.2f} "
                f"(network {ba['network_bound']:.0f}/s, CPU {ba['cpu_bound']:.0f}/s)",
                verdict(ba["hundred_k_minutes"] < 10 and ba["ratio"] <= 1.3), "min(network W·C/(L·k), CPU)")]
    growth = {w: g for w, g in ba["rss_growth_mb"].items() if g is not None}
    projected = {w: g for w, g in ba.get("rss_projected_mb", {}).items() if g is not None}
    if not growth and projected:
        worst = max(projected.values())
        rows.append(Row(f"RSS growth per worker 10k → 100k (projected from {ba['applications']:,} cases)", "< 50 MB",
                        f"{worst:+.1f} MB (worst worker: its RSS slope after 20 % of its cases × its 90 000 / "
                        f"{ba['workers']} cases)", verdict(worst < 50), "memory (a projection)"))
    elif not growth:
        rows.append(Row("RSS growth per worker 10k → 100k", "< 50 MB",
                        nm(f"{ba['applications']:,} applications: no worker went past 10 000 cases"), "—", "memory"))
    else:
        worst = max(growth.values())
        rows.append(Row(f"RSS growth per worker from ~10k to {ba['applications'] // ba['workers']:,} cases", "< 50 MB",
                        f"{worst:+.0f} MB (worst worker)", verdict(worst < 50), "memory"))
    return rows


def rows_workbench(wb: dict[str, Any] | None, why: str) -> list[Row]:
    if wb is None:
        return [Row("workbench p95 at 10 clients (queue / case / search)", "< 100 / 100 / 200 ms", nm(why), "—",
                    "database + templates")]
    p = wb["p95_ms"]
    ok = p["queue"] < 100 and p["case"] < 100 and p["search"] < 200
    workers = f", {wb['workers']} web workers" if "workers" in wb else ""
    return [Row(f"workbench p95, {wb['clients']} clients, {wb['decisions']:,} decisions{workers}",
                "< 100 / 100 / 200 ms", f"{p['queue']:.0f} / {p['case']:.0f} / {p['search']:.0f} ms "
                f"({wb['server_cpu_ms']:.1f} ms CPU/request)", verdict(ok), "CPU (2 cores: app + database)")]


def rows_audit(au: dict[str, Any] | None, why: str) -> list[Row]:
    if au is None or "verify" not in au:
        return [Row("audit verify events/s (loaded trail)", "1 000 000 events, rate printed", nm(why or "no figure"),
                    "—", "CPU (hashing) + database read")]
    v = au["verify"]
    return [Row(f"audit verify ({v['events']:,} events, {au['decisions']:,} decisions, COPY-loaded)",
                "1 000 000 events, rate printed",
                f"{v['events_per_s']:,.0f} events/s ({v['seconds']:.0f} s wall, {v['cpu_s']:.0f} s CPU, peak RSS "
                f"{v['peak_rss_mib']:,.0f} MiB; {'intact' if v['ok'] else 'PROBLEMS'})",
                "printed" if v["events"] >= 1_000_000 else "—",
                "CPU: hashing, parsing; the database server: reading, decompressing")]


def table(rows: list[Row]) -> str:
    head = Row("figure", "target", "measured", "verdict", "what bounds it")
    widths = [max(len(getattr(r, f)) for r in [head, *rows]) for f in ("figure", "target", "measured", "verdict")]
    widths = [min(w, cap) for w, cap in zip(widths, (58, 34, 200, 8), strict=True)]

    def line(r: Row) -> str:
        cells = (r.figure, r.target, r.measured, r.verdict)
        return " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " | " + r.bound

    rule = "-+-".join("-" * w for w in widths) + "-+-" + "-" * 20
    return "\n".join([line(head), rule, *(line(r) for r in rows)])


def rows_impact(im: dict[str, Any] | None, why: str) -> list[Row]:
    if im is None:
        return [Row("impact analysis over the batch's decisions", "100 000 in < 60 s", nm(why), "—",
                    "engine, 2 workers")]
    n = im["analysed"]
    met = verdict(im["seconds"] < 60) if n >= 100_000 else "—"
    return [Row(f"impact analysis over the batch's {n:,} decisions ({im['compared']:,} compared, "
                f"{im['workers']} workers)",
                "100 000 in < 60 s", f"{im['seconds']:.1f} s = {im['cases_per_s']:,.0f} cases/s; CPU "
                f"{im['cpu_ms_per_case']:.2f} ms per case (workers included); load {im['load_before']:.1f}", met,
                "engine (the draft's evaluation) per compared case; CPU of 2 cores shared with PostgreSQL")]


def drop_schema(url: str, schema: str) -> None:
    import sqlalchemy as sa

    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    admin.dispose()


def parts_table(size: str, plan: dict[str, list[str]], results: dict[str, tuple[dict[str, Any] | None, str]],
                total: float) -> str:
    lines = [f"{'part':<10} | {'wall s':>7} | arguments / why not run", f"{'-' * 10}-+-{'-' * 7}-+-{'-' * 40}"]
    for script, planned in plan.items():
        wall = WALL.get(script)
        why = results.get(script, (None, ""))[1]
        shown = " ".join(a for a in PLAN_ARGS.get(script, planned) if a != "--json")
        lines.append(f"{script:<10} | {f'{wall:7.0f}' if wall is not None else '      —'} | "
                     f"{shown if wall is not None else why}")
    lines.append(f"{'total':<10} | {total:7.0f} | {size} sizes; load average now {os.getloadavg()[0]:.1f}")
    return "\n".join(lines)


PLAN_ARGS: dict[str, list[str]] = {}  # the arguments each script was run with (the batch's schema filled in)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="smaller sizes (make bench-quick)")
    ap.add_argument("--mid", action="store_true", help="about a tenth of the full sizes: each part's time, to plan")
    ap.add_argument("--only", action="append", default=[], help="run only these scripts (repeatable)")
    ap.add_argument("--budget-s", type=float, default=0.0,
                    help="seconds for the whole run (default 600 quick, 3600 full); a script still running at the "
                         "end is stopped and its figures print as not measured")
    args = ap.parse_args(argv)
    size = "quick" if args.quick else "mid" if args.mid else "full"
    plan = SIZES[size]
    budget = args.budget_s or (BUDGET_S["quick"] if args.quick else BUDGET_S["full"])
    pg = os.environ.get("FINAID_TEST_PG_URL")
    results: dict[str, tuple[dict[str, Any] | None, str]] = {}
    started = time.perf_counter()
    load_start = os.getloadavg()[0]
    batch_schema: str | None = None
    for script, planned in plan.items():
        left = budget - (time.perf_counter() - started) - 15  # the agreement test and the table
        script_args = planned
        if script in ON_BATCH and batch_schema:
            script_args = [*planned, "--schema" if script == "impact" else "--from-schema", batch_schema]
        elif script in ALONE:
            script_args = [*planned, *ALONE[script][size]]
        PLAN_ARGS[script] = script_args
        if args.only and script not in args.only:
            results[script] = (None, "not run (--only)")
        elif script in NEEDS_PG and not pg:
            results[script] = (None, "needs PostgreSQL: set FINAID_TEST_PG_URL")
        elif script == "impact" and not batch_schema:
            results[script] = (None, "the batch kept no schema of decisions to analyse")
        elif left < 30:
            results[script] = (None, f"the run's time budget ({budget / 60:.0f} min) was spent before it")
        else:
            results[script] = run(script, script_args, left)
        if script == "batch" and results[script][0] is not None:
            batch_schema = results[script][0].get("schema")  # type: ignore[union-attr]
        if batch_schema and pg and script == "workbench":  # the last that reads it
            drop_schema(pg, batch_schema)
            batch_schema = None
    if batch_schema and pg:
        drop_schema(pg, batch_schema)
    if not args.only or "openfisca" in args.only:
        agree = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                                "benchmarks/test_openfisca_agreement.py"], cwd=ROOT, capture_output=True, text=True,
                               check=False)
        summary = (agree.stdout.strip().splitlines() or ["no output"])[-1]
        sys.stderr.write(f"[bench] OpenFisca agreement test: {summary}\n")
        if agree.returncode != 0 and results["openfisca"][0] is not None:
            results["openfisca"] = (None, f"the agreement test failed: {summary}")
    builders: list[Callable[[], list[Row]]] = [
        lambda: rows_evaluation(*results["evaluate"], *results["openfisca"]),
        lambda: rows_startup(*results["startup"]),
        lambda: rows_night(*results["night"]),
        lambda: rows_batch(*results["batch"]),
        lambda: rows_impact(*results["impact"]),
        lambda: rows_workbench(*results["workbench"]),
        lambda: rows_audit(*results["audit"]),
    ]
    rows = [r for build in builders for r in build()]
    total = time.perf_counter() - started
    print(f"\nfinaid benchmarks ({size} sizes, {total:.0f} s, {os.cpu_count()} cores, load average "
          f"{load_start:.1f} at the start; figures on a shared machine are noisy — see benchmarks/README.md; each "
          "script's output: var/bench-*.log)")
    print(table(rows))
    print("\nwall time per part (this run; measured, not extrapolated)")
    print(parts_table(size, plan, results, total))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
