"""``finaid sandbox serve``: the sandbox SSBTEK (adapters/devtools/sandbox), demo mode only; docs/registry.md."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

import typer

from adapters.driving.cli.common import services
from decision.errors import ConfigurationError, FieldError, InputError

NAME = "sandbox"
app = typer.Typer(
    help="The sandbox SSBTEK registry (demo mode only, 127.0.0.1): synthetic answers in the real SOAP shape.",
    no_args_is_help=True,
)


@app.command("serve")
def sandbox_serve(
    ctx: typer.Context,
    port: Annotated[
        int | None, typer.Option(help="Port on 127.0.0.1 (default: the port of FINAID_SANDBOX_URL).")
    ] = None,
    households: Annotated[int, typer.Option(help="Synthetic households the sandbox knows.")] = 2000,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic population (as for demo generate).")] = 1,
    faults: Annotated[
        Path | None, typer.Option(help="JSON file of fault rules, re-read when it changes (docs/registry.md).")
    ] = None,
) -> None:
    """Serve the sandbox SSBTEK on 127.0.0.1 for the synthetic population (FINAID_MODE=demo only).

    It answers hamtaBastjanstInformation and testaBastjanstInformation in the v10 SOAP shape at
    /ssbtek, and takes fault rules (errors per agency, SOAP Faults, garbage, latency, slow answers)
    at /control/faults. Stop it with Ctrl-C.
    """
    cfg = services(ctx).settings
    if not cfg.demo:
        raise ConfigurationError("the sandbox registry runs in demo mode only: set FINAID_MODE=demo")
    from adapters.devtools.sandbox.app import SOAP_PATH, serve

    if not 1 <= households <= 200_000:
        raise InputError([FieldError("--households", "must be between 1 and 200000")])
    chosen = port if port is not None else (urlsplit(cfg.sandbox_url).port or 8088)
    print(
        f"sandbox SSBTEK (synthetic data, {households} households, seed {seed}) on "
        f"http://127.0.0.1:{chosen}{SOAP_PATH} — control at http://127.0.0.1:{chosen}/control/faults",
        file=sys.stderr,
    )
    serve("127.0.0.1", chosen, households, seed, faults)
