"""How fast finaid decides, against the bare rule engine and against plain Python, and whether memory stays flat.

Run from the repository root::

    .venv/bin/python benchmarks/evaluate.py                 # N=3000 cases, memory check over 20 000
    .venv/bin/python benchmarks/evaluate.py --memory-n 100000   # the full memory check
    .venv/bin/python benchmarks/evaluate.py --profile       # also: cProfile of finaid's evaluation

One process, one core. The workload is N valid bundles generated deterministically from ``--seed``
by the plain-``random`` twin of the property tests' strategies (tests/strategies.py): households
of 1–9 members, every income/cost/asset kind, registry answers of every status, both rule packs.

Measured per case in CPU time of this process (``time.process_time``, so other load on a shared
machine disturbs less), best of ``--repeat`` interleaved passes, after a warm-up:

(a) finaid: ``pipeline.evaluate(sealed)`` — a parsed, validated bundle to the decision-basis object,
    trace included (no JSON/HTML rendering, no start-up);
(b) the same rulesets (the packs' own condition dicts) and the very facts finaid asserted, on a bare
    durable_rules host whose actions only append the rule id: facts asserted one by one, a sentinel
    fact so an action always fires, ``delete_state`` per run;
(c) plain Python: the same conditions, hand-written, over the same recorded fact dicts.

(b) and (c) are checked to fire exactly the rules finaid's engine fired, case by case, so the three
do the same matching. Also timed separately: parsing + validation (``parse_bundle`` on the JSON
text) and JSON rendering (``basis.to_json()``). Targets: a/b ≤ 1.5 (finaid's own work around the
engine costs at most half the engine again); memory flat.
"""

from __future__ import annotations

import argparse
import copy
import cProfile
import gc
import io
import json
import os
import platform
import pstats
import resource
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from datetime import time as time_of_day
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from durable import engine as durable_engine  # noqa: E402

from adapters.driven.clock import FixedClock  # noqa: E402
from benchmarks.evaluate_facts import per_version, print_versions  # noqa: E402
from benchmarks.evaluate_plain import plain_run  # noqa: E402
from decision.bundle import CaseBundle  # noqa: E402
from decision.pipeline import Pipeline  # noqa: E402
from decision.validation import parse_bundle  # noqa: E402
from rules.catalog import Catalog  # noqa: E402
from rules.engine import Match, RuleEngine  # noqa: E402
from rules.evaluator import RULESETS, PackEvaluator  # noqa: E402
from tests.strategies import random_bundles  # noqa: E402

TARGET_A_OVER_B = 1.5
SID = "1"
START = "__start"

Facts = list[dict[str, Any]]


@dataclass
class Run:
    """One ruleset run of one case: what finaid asserted and which rules fired."""

    ruleset: str  # "<pack id>/<ruleset>"
    facts: Facts
    fired: list[str]


@dataclass
class Recorded:
    cases: list[list[Run]] = field(default_factory=list)


# --------------------------------------------------------------------------- recording finaid's facts
class RecordingEngine(RuleEngine):
    """finaid's own engine, keeping a copy of every fact it asserts and the rules that fired."""

    def __init__(self, into: Recorded) -> None:
        super().__init__()
        self.into = into

    def run(self, name: str, facts: Iterable[Mapping[str, Any]]) -> list[Match]:
        copied = [dict(f) for f in facts]
        matches = super().run(name, copied)
        self.into.cases[-1].append(Run(name, copied, sorted(m.rule for m in matches)))
        return matches


class TimingEngine(RuleEngine):
    """finaid's own engine, adding up the CPU time spent inside ``run`` (finaid's engine share)."""

    seconds = 0.0

    def run(self, name: str, facts: Iterable[Mapping[str, Any]]) -> list[Match]:
        t0 = time.process_time()
        try:
            return super().run(name, facts)
        finally:
            self.seconds += time.process_time() - t0


def record(catalog: Catalog, sealed: list[CaseBundle], as_of: date | None = None) -> Recorded:
    rec = Recorded()
    evaluator = PackEvaluator(catalog, engine=RecordingEngine(rec))
    for bundle in sealed:
        rec.cases.append([])
        evaluator.evaluate(bundle, as_of=as_of)
    return rec


# --------------------------------------------------------------------------- (b) a bare durable host
class _BareHost(durable_engine.Host):  # type: ignore[misc]
    """No timer threads (as rules/engine.py): driven synchronously."""

    def _run(self) -> None:
        return None


class BareEngine:
    """The packs' rulesets on a bare host; actions only append the rule id."""

    def __init__(self, catalog: Catalog) -> None:
        self.host = _BareHost()
        self.fired: list[str] = []
        self.names: dict[str, str] = {}
        for pack in catalog.packs.values():
            for name in RULESETS:
                definition: dict[str, Any] = {}
                for rule_id, condition in pack.rulesets[name].items():
                    cond = copy.deepcopy(dict(condition))  # registration mutates the definition
                    cond["run"] = self._action(rule_id)
                    definition[rule_id] = cond
                definition["__sentinel"] = {"all": [{"m": {"t": START}}], "run": self._sentinel}
                bare_name = f"bare-{pack.id}-{name}"
                self.host.register_rulesets({bare_name: definition})
                self.names[f"{pack.engine_key}/{name}"] = bare_name

    def _action(self, rule_id: str) -> Callable[[Any], None]:
        fired = self.fired

        def action(c: Any) -> None:
            fired.append(rule_id)

        return action

    def _sentinel(self, c: Any) -> None:
        return None

    def run(self, ruleset: str, facts: Facts) -> list[str]:
        del self.fired[:]
        name = self.names[ruleset]
        host = self.host
        host.assert_fact(name, {"id": "start", "sid": SID, "t": START})
        for i, fact in enumerate(facts):
            try:
                host.assert_fact(name, {**fact, "id": f"f{i}", "sid": SID})
            except durable_engine.MessageNotHandledException:
                pass
        host.delete_state(name, SID)
        return list(self.fired)


def rss_bytes() -> int:
    """Current resident set size (Linux /proc/self/statm; elsewhere the peak from getrusage)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak if sys.platform == "darwin" else peak * 1024


def check_same_rules(rec: Recorded, bare: BareEngine) -> tuple[int, list[str], set[str]]:
    """Replay every recorded run on (b) and (c): (b) must fire exactly finaid's rules (else the run is no
    comparison); the rules where the hand-written (c) differs are returned (then (c) is not reported)."""
    runs = 0
    problems: list[str] = []
    plain_off: set[str] = set()
    for k, case in enumerate(rec.cases):
        for run in case:
            runs += 1
            b = sorted(bare.run(run.ruleset, run.facts))
            c = sorted(plain_run(run.ruleset, run.facts))
            if b != run.fired:
                problems.append(f"case {k} {run.ruleset}: finaid {run.fired}, bare {b}")
            if c != run.fired:
                plain_off.update(set(run.fired) ^ set(c))
    return runs, problems, plain_off


def memory_check(pipeline: Pipeline, sealed: list[CaseBundle], total: int, samples: int = 10) -> list[tuple[int, int]]:
    points: list[tuple[int, int]] = []
    step = max(1, total // samples)
    gc.collect()
    points.append((0, rss_bytes()))
    for i in range(1, total + 1):
        pipeline.evaluate(sealed[i % len(sealed)])
        if i % step == 0 or i == total:
            points.append((i, rss_bytes()))
    return points


def profile(pipeline: Pipeline, sealed: list[CaseBundle], top: int = 25) -> str:
    """cProfile of finaid's evaluation: hotspots by own time, then finaid's functions by cumulative time."""
    prof = cProfile.Profile()
    prof.enable()
    for bundle in sealed:
        pipeline.evaluate(bundle)
    prof.disable()
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(r"(rules|decision)/", top)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=3000, help="generated cases to time (default 3000)")
    ap.add_argument("--memory-n", type=int, default=20_000, help="cases for the memory check (full check: 100000)")
    ap.add_argument("--seed", type=int, default=2025, help="seed of the generated workload")
    ap.add_argument("--repeat", type=int, default=3, help="timed passes per measurement; the best counts")
    ap.add_argument("--profile", action="store_true", help="print a cProfile of finaid's evaluation")
    ap.add_argument("--as-of", type=date.fromisoformat, help="decide as of this day (default: the newest packs)")
    ap.add_argument("--json", action="store_true", help="also print the figures as one BENCH-JSON line (make bench)")
    args = ap.parse_args(argv)
    n = args.n

    print(f"finaid evaluation benchmark — {n} generated cases (seed {args.seed}), best of {args.repeat} passes")
    print(
        f"Python {platform.python_version()} on {platform.machine()}, "
        f"durable-rules {metadata.version('durable-rules')}, pid {os.getpid()}"
    )

    texts = random_bundles(n, args.seed)
    catalog = Catalog()
    clock = FixedClock(datetime.combine(args.as_of, time_of_day(12), tzinfo=UTC)) if args.as_of else None
    pipeline = Pipeline(PackEvaluator(catalog), clock=clock)

    sealed = [pipeline.seal(parse_bundle(t)) for t in texts]
    bases = [pipeline.evaluate(b).basis for b in sealed]  # also the warm-up: rulesets registered

    rec = record(catalog, sealed, args.as_of)
    bare = BareEngine(catalog)
    runs, problems, plain_off = check_same_rules(rec, bare)  # also warms (b) and (c)
    if problems:
        print("\nthe bare engine fires other rules than finaid:")
        for p in problems[:10]:
            print("  " + p)
        print("(update benchmarks/evaluate.py when a ruleset changes)")
        return 1
    flat_runs = [run for case in rec.cases for run in case]

    def run_a() -> None:
        for b in sealed:
            pipeline.evaluate(b)  # the result is dropped, as a service would after storing it

    timing = TimingEngine()
    timed_pipeline = Pipeline(PackEvaluator(catalog, engine=timing), clock=clock)
    for b in sealed[:200]:
        timed_pipeline.evaluate(b)
    engine_share = float("inf")

    def run_a_timed() -> None:
        nonlocal engine_share
        timing.seconds = 0.0
        for b in sealed:
            timed_pipeline.evaluate(b)
        engine_share = min(engine_share, timing.seconds)

    def run_b() -> None:
        for run in flat_runs:
            bare.run(run.ruleset, run.facts)

    def run_c() -> None:
        for run in flat_runs:
            plain_run(run.ruleset, run.facts)

    def run_parse() -> None:
        for t in texts:
            parse_bundle(t)

    def run_json() -> None:
        for b in bases:
            b.to_json()

    # everything built so far is long-lived: keep the collector from re-scanning it in every pass
    gc.collect()
    gc.freeze()
    timed = {"a": run_a, "b": run_b, "c": run_c, "parse": run_parse, "json": run_json, "a_engine": run_a_timed}
    best = dict.fromkeys(timed, float("inf"))
    for _ in range(args.repeat):  # interleaved, so a disturbance hits every measurement alike
        for key, fn in timed.items():
            t0 = time.process_time()
            fn()
            best[key] = min(best[key], time.process_time() - t0)
    t_a, t_b, t_c, t_parse, t_json = (best[k] for k in ("a", "b", "c", "parse", "json"))

    facts_per_case = sum(len(r.facts) for r in flat_runs) / n
    fired_per_case = sum(len(r.fired) for r in flat_runs) / n
    outcomes = Counter(b.outcome for b in bases)
    packs = Counter(b.rules.pack for b in bases)

    def row(label: str, seconds: float) -> str:
        us = seconds / n * 1e6
        return f"  {label:<52} {n / seconds:>10,.0f} {us:>10,.1f}"

    def sub(label: str, seconds: float) -> str:
        return f"  {label:<52} {'':>10} {seconds / n * 1e6:>10,.1f}"

    print(
        f"\nworkload: {facts_per_case:.1f} facts asserted and {fired_per_case:.1f} rules fired per case "
        f"over {runs // n} ruleset runs; outcomes {dict(sorted(outcomes.items()))}; packs {dict(sorted(packs.items()))}"
    )
    print("the bare engine fired exactly finaid's rules in every run: yes")
    print_versions(versions := per_version(catalog, sealed))
    if plain_off:
        print(f"the plain-Python twin (c) is out of date for {len(plain_off)} rule(s) of the current packs "
              f"({', '.join(sorted(plain_off))}): (c) is not reported (update benchmarks/evaluate_plain.py)")

    points = memory_check(pipeline, sealed, args.memory_n)
    base_i = 1 if len(points) > 2 else 0
    growth = points[-1][1] - points[base_i][1]
    per_case = growth / max(1, points[-1][0] - points[base_i][0])
    flat = growth <= 2 * 1024 * 1024

    a_b = t_a / t_b
    a_c = t_a / t_c
    print("\n" + "=" * 78)
    print(f"  {'per case':<52} {'cases/s':>10} {'µs/case':>10}")
    print("  " + "-" * 74)
    print(row("(a) finaid: pipeline.evaluate → basis, trace included", t_a))
    print(sub("    of which inside finaid's RuleEngine.run", engine_share))
    print(sub("    of which finaid's own Python around it", t_a - engine_share))
    print(row("(b) bare durable_rules host, same rules and facts", t_b))
    if not plain_off:
        print(row("(c) plain Python, same checks over the same facts", t_c))
    print(row("parse + validate (parse_bundle on JSON text)", t_parse))
    print(row("render JSON (basis.to_json())", t_json))
    print("  " + "-" * 74)
    verdict = "OK" if a_b <= TARGET_A_OVER_B else "ABOVE TARGET"
    print(f"  {'ratio a/b (target ≤ 1.5)':<52} {a_b:>21.2f}  {verdict}")
    if not plain_off:
        print(f"  {'ratio a/c':<52} {a_c:>21.1f}")
        print(f"  {'ratio b/c (the engine against plain Python)':<52} {t_b / t_c:>21.1f}")
    print("  " + "-" * 74)
    mb = 1024 * 1024
    print(
        f"  memory over {args.memory_n:,} cases: RSS {points[base_i][1] / mb:.1f} → {points[-1][1] / mb:.1f} MiB "
        f"(after {points[base_i][0]:,} → {points[-1][0]:,}), growth {growth / 1024:+,.0f} KiB "
        f"({per_case:+.1f} B/case): {'flat' if flat else 'NOT FLAT'}"
    )
    print("  RSS samples (cases: MiB): " + ", ".join(f"{i:,}: {r / mb:.1f}" for i, r in points))
    print("=" * 78)

    if args.json:
        print("BENCH-JSON " + json.dumps({
            "n": n, "a_us": t_a / n * 1e6, "b_us": t_b / n * 1e6, "a_b": a_b,
            "c_us": None if plain_off else t_c / n * 1e6,
            "engine_us": engine_share / n * 1e6, "facts_per_case": facts_per_case, "fired_per_case": fired_per_case,
            "runs_per_case": runs / n, "parse_us": t_parse / n * 1e6, "json_us": t_json / n * 1e6,
            "memory_n": args.memory_n, "rss_growth_kib": growth / 1024, "flat": flat, "as_of": str(args.as_of),
            "facts_per_case_by_day": {str(v.day): v.facts_per_case for v in versions},
        }))
    if (args.profile or a_b > TARGET_A_OVER_B) and not args.json:
        if not args.profile:
            print(f"\na/b is above {TARGET_A_OVER_B}: cProfile of finaid's evaluation over the same cases")
        print(profile(pipeline, sealed[:1000]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
