"""``finaid registry ping``: the registry connection (SSBTEK, or the sandbox in demo mode); docs/registry.md."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from adapters.driving.cli.common import services
from decision.errors import ConfigurationError

NAME = "registry"
app = typer.Typer(help="The registry connection (SSBTEK, or the sandbox in demo mode).", no_args_is_help=True)

AGENCY_NAMES = {
    "AF": "Arbetsförmedlingen",
    "CSN": "CSN",
    "FK": "Försäkringskassan och Pensionsmyndigheten (LEFI)",
    "SKV": "Skatteverket",
    "SO": "A-kassorna (Akassornas samorganisation)",
    "TNS": "Transportstyrelsen",
    "MIV": "Migrationsverket",
}


@app.command("ping")
def registry_ping(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")] = False,
) -> None:
    """Ask SSBTEK (testaBastjanstInformation) which agencies answer; no personal data is sent.

    Exit 0 when SSBTEK answered (agencies that failed are listed), 1 when it could not be reached.
    """
    source = services(ctx).registry_source()
    if source is None:
        raise ConfigurationError(
            "no registry is configured: set FINAID_SSBTEK_URL (with FINAID_SSBTEK_CERT, FINAID_SSBTEK_KEY, "
            "FINAID_SSBTEK_CA) or use FINAID_MODE=demo with the sandbox"
        )
    import asyncio

    answer = asyncio.run(source.ping())
    rows = []
    for element, name in AGENCY_NAMES.items():
        called = answer.called.get(element)
        err = answer.errors.get(element)
        rows.append(
            {
                "agency": element,
                "name": name,
                "called": called,
                "answers": bool(called) and err is None,
                "error": f"kalla {err.kalla}, felkod {err.felkod}: {err.felmeddelande}" if err else None,
            }
        )
    if as_json:
        print(json.dumps({"url": source.config.url, "agencies": rows}, ensure_ascii=False, indent=2))
        return
    print(f"SSBTEK at {source.config.url}")
    for row in rows:
        mark = "svarar" if row["answers"] else ("anropades inte" if not row["called"] else "FEL")
        extra = f" — {row['error']}" if row["error"] else ""
        print(f"  {row['agency']:<4} {row['name']:<48} {mark}{extra}")
