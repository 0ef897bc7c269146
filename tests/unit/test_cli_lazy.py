"""The root command imports a command group's module only when that group runs (adapters/driving/cli/lazy.py).

The listing in ``finaid --help`` comes from ``lazy.GROUPS``; these tests keep that table equal to the groups'
own modules (every module with a ``NAME`` and an ``app`` is listed, under its ``NAME``, with its own help), and
show that ``--help`` imports none of the groups while a group's command imports its own group only.
"""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import typer
from typer.testing import CliRunner

import adapters.driving.cli as cli_package
from adapters.driving.cli.lazy import GROUPS
from adapters.driving.cli.main import app

ROOT = Path(__file__).resolve().parents[2]


def group_modules() -> dict[str, object]:
    """Every module of adapters.driving.cli that defines a command group (``NAME`` and a ``typer.Typer`` app)."""
    found = {}
    for info in pkgutil.iter_modules(cli_package.__path__):
        if info.name.startswith("_"):  # __main__ runs the CLI when imported
            continue
        module = importlib.import_module(f"adapters.driving.cli.{info.name}")
        if isinstance(getattr(module, "app", None), typer.Typer) and hasattr(module, "NAME"):
            found[info.name] = module
    return found


def test_the_table_lists_every_group_under_its_name_with_its_own_help() -> None:
    modules = group_modules()
    assert {name: module for name, (module, _) in GROUPS.items()} == {m.NAME: key for key, m in modules.items()}
    for name, (module_name, text) in GROUPS.items():
        assert text == modules[module_name].app.info.help, name


def imported_cli_modules(*args: str) -> set[str]:
    probe = "import sys; sys.argv = ['finaid', *sys.argv[1:]]; from adapters.driving.cli.main import main; main()"
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", probe, *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return {line.rsplit("|", 1)[1].strip() for line in proc.stderr.splitlines()
            if line.startswith("import time:") and "adapters.driving.cli." in line}


def test_help_lists_the_groups_without_importing_them() -> None:
    loaded = imported_cli_modules("--help")
    assert loaded <= {"adapters.driving.cli.main", "adapters.driving.cli.lazy"}, loaded
    assert "adapters.driving.cli.lazy" in loaded  # not vacuous: the probe saw the CLI's own modules


def test_a_group_imports_its_own_module_only() -> None:
    loaded = imported_cli_modules("schema", "--help")
    assert "adapters.driving.cli.schema" in loaded
    others = {f"adapters.driving.cli.{module}" for module, _ in GROUPS.values() if module != "schema"}
    assert not loaded & others, loaded & others


def test_the_listing_and_a_group_help_read_as_before() -> None:
    runner = CliRunner()
    listing = runner.invoke(app, ["--help"])
    assert listing.exit_code == 0
    for name in GROUPS:
        assert name in listing.output
    group = runner.invoke(app, ["retention", "--help"])
    assert group.exit_code == 0
    assert "purge" in group.output and "Gallring" in group.output  # a one-command group stays a group
    assert runner.invoke(app, ["nosuch"]).exit_code == 2
