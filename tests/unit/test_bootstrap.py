"""The one bootstrap: lazy services (``finaid --help`` imports nothing heavy), overrides by name, one clock —
and ``FINAID_TODAY`` only in demo mode."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from adapters.bootstrap import bootstrap
from adapters.driven.clock import DemoClock, FixedClock, SystemClock
from adapters.settings import Settings
from decision.errors import ConfigurationError
from decision.pipeline import decision_day

ROOT = Path(__file__).resolve().parents[2]
FINAID = Path(sys.executable).with_name("finaid")
HEAVY = ("sqlalchemy", "fastapi", "httpx", "weasyprint", "durable", "alembic", "uvicorn", "starlette", "lxml")

PROBE = """
import sys
sys.argv = ["finaid", *{args!r}]
from adapters.driving.cli.main import main
try:
    main()
except SystemExit:
    pass
print("LOADED:" + ",".join(sorted(n for n in {heavy!r} if n in sys.modules)))
"""


def loaded_by(*args: str, **extra: str) -> list[str]:
    """Which heavy packages a ``finaid`` command line imports (a fresh interpreter, like the console script)."""
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("FINAID_")}, **extra}
    proc = subprocess.run([sys.executable, "-c", PROBE.format(args=list(args), heavy=HEAVY)], capture_output=True,
                          text=True, cwd=ROOT, env=env, timeout=120, check=False)
    line = [x for x in proc.stdout.splitlines() if x.startswith("LOADED:")]
    assert line, proc.stdout + proc.stderr
    return [n for n in line[-1].removeprefix("LOADED:").split(",") if n]


@pytest.mark.parametrize("args", [("--help",), ("case", "--help"), ("web", "--help"), ("rules", "--help")])
def test_help_imports_no_database_engine_registry_or_web_framework(args: tuple[str, ...]) -> None:
    assert loaded_by(*args) == []


def test_a_command_that_needs_no_database_imports_no_sqlalchemy() -> None:
    assert loaded_by("schema", "case-bundle") == []


def test_the_probe_sees_a_heavy_import(tmp_path: Path) -> None:
    # guard against a vacuous pass: a command that opens the database does load SQLAlchemy
    assert "sqlalchemy" in loaded_by("batch", "status", FINAID_DB_URL=f"sqlite:///{tmp_path / 'finaid.db'}")


def test_services_are_built_lazily_and_once() -> None:
    services = bootstrap(Settings(mode="demo"))
    assert "catalog" not in services.__dict__
    assert services.catalog is services.catalog
    assert services.pipeline.clock is services.clock


def test_overrides_replace_members_by_name() -> None:
    at = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
    services = bootstrap(Settings(mode="demo"), clock=FixedClock(at))
    assert services.clock.now() == at
    assert services.pipeline.clock is services.clock
    with pytest.raises(TypeError, match="unknown services: kettle"):
        bootstrap(kettle=object())


def test_the_system_clock_outside_demo_mode() -> None:
    assert isinstance(bootstrap(Settings(mode="production")).clock, SystemClock)


def test_finaid_today_sets_the_clocks_date_in_demo_mode() -> None:
    services = bootstrap(Settings(mode="demo", today=date(2025, 3, 15)))
    assert isinstance(services.clock, DemoClock)
    assert decision_day(services.clock.now()) == date(2025, 3, 15)
    assert services.pipeline.clock is services.clock


def test_the_demo_clock_keeps_the_date_at_any_time_of_day() -> None:
    clock = DemoClock(date(2025, 3, 30))  # the night clocks go forward in Sweden
    for _ in range(3):
        assert decision_day(clock.now()) == date(2025, 3, 30)


def test_finaid_today_is_refused_outside_demo_mode() -> None:
    services = bootstrap(Settings(mode="production", today=date(2025, 3, 15)))
    with pytest.raises(ConfigurationError, match="FINAID_TODAY"):
        _ = services.clock


def _finaid(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("FINAID_")}
    return subprocess.run([str(FINAID), *args], capture_output=True, text=True, env={**base, **env}, timeout=120,
                          check=False)


def test_the_cli_refuses_finaid_today_outside_demo_mode_naming_it() -> None:
    proc = _finaid("rules", "which", "--month", "2025-03", "--json", FINAID_TODAY="2025-03-15")
    assert proc.returncode == 1, proc.stderr
    assert "FINAID_TODAY" in proc.stderr and "Traceback" not in proc.stderr


def test_the_cli_names_a_bad_finaid_today() -> None:
    proc = _finaid("rules", "which", "--month", "2025-03", FINAID_MODE="demo", FINAID_TODAY="15 mars")
    assert proc.returncode == 1 and "FINAID_TODAY" in proc.stderr and "Traceback" not in proc.stderr


def test_the_cli_stands_on_finaid_today_in_demo_mode() -> None:
    proc = _finaid("rules", "which", "--month", "2026-03", "--json", FINAID_MODE="demo", FINAID_TODAY="2026-12-01")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["as_of"] == "2026-12-01"
    # the same date before the packs were published: the decision would have no pack (exit 3)
    early = _finaid("rules", "which", "--month", "2026-03", "--json", FINAID_MODE="demo", FINAID_TODAY="2025-03-15")
    assert early.returncode == 3 and json.loads(early.stdout)["as_of"] == "2025-03-15"
