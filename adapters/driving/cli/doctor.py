"""``finaid doctor``: one command an operator runs after set-up and after each upgrade (docs/operations.md).

Each line is ✓ or ✗ with what was found and, on ✗, what to do; exit 1 when any check fails. The checks
themselves are in adapters/driving/cli/checks.py; production ``web serve`` and ``batch run`` refuse to start
on the failures that would lose data or lock people out (``refuse_on_failures``).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import typer

from adapters.driving.cli.common import services
from decision.errors import ConfigurationError

if TYPE_CHECKING:
    from adapters.bootstrap import Services

NAME = "doctor"
app = typer.Typer(help="Check the installation: database, roles, keys, registry, rule packs, disk.",
                  invoke_without_command=True)


@app.callback()
def doctor(ctx: typer.Context) -> None:
    """Check the set-up: each line ✓ or ✗ and what to do; exit 1 when anything is ✗."""
    from adapters.driven.db.engine import where
    from adapters.driving.cli.checks import run_checks

    s = services(ctx)
    print(f"finaid: database {where(s.settings.db_url, s.settings.db_schema)}", file=sys.stderr)
    checks = run_checks(s)
    for check in checks:
        print(check.line())
    failed = [c for c in checks if not c.ok]
    print(f"{len(checks) - len(failed)} of {len(checks)} checks pass" + (": fix the ✗ lines above" if failed else ""))
    if failed:
        raise typer.Exit(1)


def refuse_on_failures(s: Services, command: str) -> None:
    """Refuse to start ``command`` in production while a check it depends on fails, naming each one."""
    from adapters.driving.cli.checks import blocking

    failed = blocking(s, command)
    if failed:
        lines = "\n".join(f"  {c.line()}" for c in failed)
        raise ConfigurationError(f"`finaid {command}` refuses to start in production:\n{lines}\n"
                                 "run `finaid doctor` for the whole picture")
