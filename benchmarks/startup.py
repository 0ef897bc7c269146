"""Start-up: wall time of ``finaid --help`` and ``finaid case decide BUNDLE --json`` against a bare ``python -c pass``.

Each command runs as a fresh process through the installed console script (``.venv/bin/finaid``), ``--repeat``
times interleaved (a busy neighbour hits all three alike); the best of each counts. ``case decide`` stores into
a throw-away SQLite file (migrated by a first, untimed run, so the timed runs find a current schema, as a
handler's machine would) and decides an example bundle that carries its registry answers (no fetch).
Target (issue 17): ``--help`` under 0.3 s on a quiet machine. Which modules the commands import is checked by
tests/unit/test_startup_imports.py.

    .venv/bin/python benchmarks/startup.py [--repeat 5] [--json]
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
BUNDLE = ROOT / "examples" / "bundles" / "01-worked-example-couple-two-children.json"
TARGET_HELP_S = 0.3


def wall(cmd: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.decode()[-500:]}")
    return seconds


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=5, help="interleaved runs of each command; the best counts")
    ap.add_argument("--json", action="store_true", help="also print the figures as one BENCH-JSON line")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("FINAID_")}
        decide_env = {**env, "FINAID_MODE": "demo", "FINAID_DB_URL": f"sqlite:///{Path(tmp) / 'finaid.db'}",
                      "FINAID_REPORT_DIR": tmp}
        commands = {
            "python -c pass": ([sys.executable, "-c", "pass"], env),
            "finaid --help": ([str(FINAID), "--help"], env),
            "finaid case decide BUNDLE --json": ([str(FINAID), "case", "decide", str(BUNDLE), "--json"], decide_env),
        }
        wall(*commands["finaid case decide BUNDLE --json"])  # migrates the fresh database; not timed
        best = dict.fromkeys(commands, float("inf"))
        for _ in range(args.repeat):
            for name, (cmd, cmd_env) in commands.items():
                best[name] = min(best[name], wall(cmd, cmd_env))
    bare = best["python -c pass"]
    print(f"start-up, best of {args.repeat} interleaved runs (wall time, fresh process each):")
    for name, seconds in best.items():
        extra = "" if name == "python -c pass" else f"   ({seconds / bare:.1f}× bare python, +{seconds - bare:.3f} s)"
        print(f"  {name:<36} {seconds:7.3f} s{extra}")
    verdict = "met" if best["finaid --help"] < TARGET_HELP_S else "NOT met"
    print(f"  target: finaid --help < {TARGET_HELP_S} s on a quiet machine: {verdict}")
    if args.json:
        print("BENCH-JSON " + json.dumps({"repeat": args.repeat, "pass_s": bare, "help_s": best["finaid --help"],
                                          "decide_s": best["finaid case decide BUNDLE --json"]}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
