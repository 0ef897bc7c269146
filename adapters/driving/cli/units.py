"""``finaid units …``: units (enheter) and the municipalities they handle (docs/roles.md)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from adapters.driving.cli.common import services

NAME = "units"
app = typer.Typer(help="Units (enheter) and the municipalities they handle.", no_args_is_help=True)


@app.command("set")
def units_set(
    ctx: typer.Context,
    unit_id: str,
    name: Annotated[str, typer.Option("--name")],
    municipality: Annotated[list[str], typer.Option("--municipality", help="1287 or 1287/district")],
) -> None:
    """Create or change a unit and the municipalities (districts) it handles."""
    from adapters.driving.web.accounts import set_unit

    areas = [(m.partition("/")[0], m.partition("/")[2]) for m in municipality]
    set_unit(services(ctx).database, unit_id, name, areas, services(ctx).actor, services(ctx).clock)


@app.command("load")
def units_load(ctx: typer.Context, file: Path) -> None:
    """Load a unit mapping file (YAML: units: [{id, name, municipalities: [...]}])."""
    from adapters.driving.web.scope import load_units_file

    n = load_units_file(services(ctx).database, file, services(ctx).actor, services(ctx).clock)
    print(f"loaded {n} unit(s)", file=sys.stderr)


@app.command("list")
def units_list(ctx: typer.Context) -> None:
    """Units and the municipalities (districts) they handle."""
    from adapters.driving.web.accounts import list_units

    for u in list_units(services(ctx).database):
        print(f"{u['id']:16} {u['name']:32} {' '.join(u['areas'])}")
