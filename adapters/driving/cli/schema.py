"""``finaid schema …``: the JSON Schemas of the contract."""

from __future__ import annotations

import json

import typer

NAME = "schema"
app = typer.Typer(
    help="Print the JSON Schemas of the contract (for e-services and case systems).", no_args_is_help=True
)


@app.command("case-bundle")
def schema_case_bundle() -> None:
    """Print the JSON Schema of finaid.case-bundle/1 (what an e-service sends)."""
    from decision.bundle import CaseBundle

    print(json.dumps(CaseBundle.model_json_schema(by_alias=True), ensure_ascii=False, indent=2))


@app.command("decision-basis")
def schema_decision_basis() -> None:
    """Print the JSON Schema of finaid.decision-basis/1 (what finaid proposes)."""
    from decision.basis import DecisionBasis

    print(json.dumps(DecisionBasis.model_json_schema(by_alias=True), ensure_ascii=False, indent=2))
