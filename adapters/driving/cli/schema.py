"""``finaid schema …``: the JSON Schemas of the contract."""

from __future__ import annotations

import json
from typing import Annotated

import typer

NAME = "schema"
app = typer.Typer(
    help="Print the JSON Schemas of the contract (for e-services and case systems).", no_args_is_help=True
)


@app.command("case-bundle")
def schema_case_bundle(
    version: Annotated[
        int,
        typer.Option("--version", help="The contract version: 2 (current) or 1 (still accepted)."),
    ] = 2,
) -> None:
    """Print the JSON Schema of finaid.case-bundle/2 (what an e-service sends); --version 1 for /1."""
    from decision.bundle_v2 import json_schema
    from decision.errors import FieldError, InputError

    if version not in (1, 2):
        raise InputError([FieldError("--version", "must be 1 or 2")])
    print(json.dumps(json_schema(version), ensure_ascii=False, indent=2))


@app.command("decision-basis")
def schema_decision_basis(
    version: Annotated[
        int,
        typer.Option("--version", help="The output version: 2 (the current packs) or 1 (the older packs' decisions)."),
    ] = 2,
) -> None:
    """Print the JSON Schema of finaid.decision-basis/2 (what finaid proposes); --version 1 for /1."""
    from decision.basis_schema import json_schema
    from decision.errors import FieldError, InputError

    if version not in (1, 2):
        raise InputError([FieldError("--version", "must be 1 or 2")])
    print(json.dumps(json_schema(version), ensure_ascii=False, indent=2))
