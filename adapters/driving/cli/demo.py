"""``finaid demo …``: synthetic demo data (adapters/devtools): the example households, a whole night, and
the seeded generator. One of the two CLI modules that may import adapters.devtools (with sandbox.py)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from adapters.driving.cli.common import services
from decision.errors import FieldError, InputError

NAME = "demo"
app = typer.Typer(
    help="Synthetic demo data (no real people): decide the shipped example households.", no_args_is_help=True
)


@app.command("run")
def demo_run(
    ctx: typer.Context,
    examples: Annotated[Path, typer.Option(help="Folder of example bundles (*.json).")] = Path("examples/bundles"),
    out: Annotated[Path, typer.Option(help="Folder to write the decision bases into.")] = Path("demo-output"),
) -> None:
    """Decide every example bundle and write its beslutsunderlag (HTML and JSON) to OUT."""
    from adapters.devtools.demo import run_examples

    run_examples(services(ctx), examples, out)


@app.command("night")
def demo_night(
    ctx: typer.Context,
    n: Annotated[int, typer.Option("--n", min=1, max=20000, help="How many synthetic applications.")] = 500,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic population.")] = 1,
    out: Annotated[Path, typer.Option(help="Folder for the night's database, logs and report.")] = Path("demo-output"),
) -> None:
    """A whole night in minutes: the sandbox registry, N synthetic applications, the batch, the morning report."""
    from adapters.devtools.demo import run_night

    run_night(services(ctx), n, seed, out)


@app.command("generate")
def demo_generate(
    n: Annotated[int, typer.Argument(help="How many synthetic households.")],
    seed: Annotated[int, typer.Option(help="Seed (the sandbox answers for the same seed).")] = 1,
    out: Annotated[Path, typer.Option(help="Folder to write the bundles into.")] = Path("demo-bundles"),
) -> None:
    """Write N synthetic case bundles (no registry yet) to OUT; the sandbox knows their people.

    Names and personnummer are synthetic (valid check digits, fictitious names); household i of a
    seed is the same whatever N is.
    """
    from adapters.devtools.synthetic import generate

    if not 1 <= n <= 100_000:
        raise InputError([FieldError("N", "must be between 1 and 200000")])
    out.mkdir(parents=True, exist_ok=True)
    for bundle in generate(n, seed):
        path = out / f"{bundle['application']['id']}.json"
        path.write_text(json.dumps(bundle, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"{n} synthetic bundles (seed {seed}) written to {out}", file=sys.stderr)
