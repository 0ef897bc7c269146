"""benchmarks/bench.py's table: the night's rows with and without its own impact and verify (--night-only)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench.py"


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("finaid_bench_table", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _night(**extra: Any) -> dict[str, Any]:
    ms = {"own_total": 5.8, "fetch_parse": 2.4, "evaluation": 0.8, "database": 1.6, "start_report": 1.0,
          "sandbox": 1.2}
    return {"decided": 200, "database": "PostgreSQL", "ms_per_case": ms, "cases_per_s": 135.7, **extra}


def test_night_only_prints_the_night_rows_and_leaves_impact_and_verify_to_their_parts() -> None:
    rows = _bench().rows_night(_night(), "")
    assert [r.figure.split(" (")[0] for r in rows] == ["night CPU per case", "night cases/s"]
    assert rows[0].verdict == "NOT met"


def test_the_night_with_its_own_impact_and_verify_keeps_their_rows() -> None:
    night = _night(impact={"compared": 90, "cases_per_s": 120.0},
                   verify={"audit_events": 600, "access_entries": 400, "events_per_s": 5000.0, "ok": True})
    rows = _bench().rows_night(night, "")
    assert len(rows) == 4
    assert rows[2].measured == "120.0 (start-up included)"
    assert rows[3].figure == "audit verify (1,000 events)" and rows[3].verdict == "—"  # under 1 000 000 events


def test_mid_and_full_run_the_night_alone_and_quick_keeps_its_table() -> None:
    sizes = _bench().SIZES
    assert "--night-only" in sizes["full"]["night"] and "--night-only" in sizes["mid"]["night"]
    assert "--night-only" not in sizes["quick"]["night"]
