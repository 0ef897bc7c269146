"""finaid's evaluation against OpenFisca's single-household build-and-calculate of the same formula, in one run.

Both run in this process over the same demo households (examples/bundles/, those the small model covers; see
benchmarks/openfisca_model/check.py), CPU time (``time.process_time``), best of ``--repeat`` interleaved passes
of ``--loops`` rounds over the households, after a warm-up:

- OpenFisca: ``SimulationBuilder().build_from_entities(system, situation)`` and ``calculate`` of the four
  amounts (norm, costs, income, proposed) — a fresh simulation per household, the tax-benefit system built
  once per pack and guideline (as finaid's catalog is loaded once). Amounts only: no findings, no trace.
- finaid: ``pipeline.evaluate(sealed)`` — the decision basis with every finding and the full trace.

Before timing, the two are checked to agree to the krona on every household (exit 1 if not).
Target (issue 17): finaid ≤ 0.5 × OpenFisca.

    .venv/bin/python benchmarks/openfisca_bench.py [--loops 50] [--repeat 3] [--json]
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.openfisca_model.check import OUTSIDE_MODEL, calculate, demo_households, disagreements  # noqa: E402
from decision.pipeline import Pipeline  # noqa: E402
from rules.catalog import Catalog  # noqa: E402
from rules.evaluator import PackEvaluator  # noqa: E402

TARGET = 0.5


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--loops", type=int, default=50, help="rounds over the demo households per pass")
    ap.add_argument("--repeat", type=int, default=3, help="interleaved passes; the best counts")
    ap.add_argument("--json", action="store_true", help="also print the figures as one BENCH-JSON line")
    args = ap.parse_args(argv)
    catalog = Catalog()
    pipeline = Pipeline(PackEvaluator(catalog))
    households = demo_households(catalog)
    wrong = disagreements(pipeline, households)  # also the warm-up of both
    print(f"OpenFisca (openfisca-core {metadata.version('openfisca-core')}) against finaid: {len(households)} demo "
          f"households, {args.loops} rounds per pass, best of {args.repeat}")
    for name, why in OUTSIDE_MODEL.items():
        print(f"  not compared: {name}: {why}")
    if wrong:
        print(f"  the model and finaid DISAGREE: {wrong}")
        return 1
    print("  the model and finaid agree to the krona on every compared household (norm, costs, income, proposed)")
    sealed = [pipeline.seal(h.bundle) for h in households]

    def run_finaid() -> None:
        for b in sealed:
            pipeline.evaluate(b)

    def run_openfisca() -> None:
        for h in households:
            calculate(h)

    gc.collect()
    gc.freeze()
    best = {"finaid": float("inf"), "openfisca": float("inf")}
    calls = len(households) * args.loops
    for _ in range(args.repeat):
        for key, fn in (("finaid", run_finaid), ("openfisca", run_openfisca)):
            t0 = time.process_time()
            for _ in range(args.loops):
                fn()
            best[key] = min(best[key], time.process_time() - t0)
    finaid_us = best["finaid"] / calls * 1e6
    of_us = best["openfisca"] / calls * 1e6
    ratio = finaid_us / of_us
    print(f"  finaid evaluate (findings, full trace)        {finaid_us:9.1f} µs/household")
    print(f"  OpenFisca build + calculate (amounts only)    {of_us:9.1f} µs/household")
    print(f"  ratio finaid / OpenFisca                      {ratio:9.2f}   (target ≤ {TARGET}: "
          f"{'met' if ratio <= TARGET else 'NOT met'})")
    if args.json:
        print("BENCH-JSON " + json.dumps({"households": len(households), "finaid_us": finaid_us, "openfisca_us": of_us,
                                          "ratio": ratio, "agree": True}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
