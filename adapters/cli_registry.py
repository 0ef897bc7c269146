"""Registry commands: ``finaid sandbox serve``, ``finaid registry ping``, ``finaid case fetch`` and
``finaid demo generate`` (the synthetic households the sandbox answers for). docs/registry.md.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

import typer

from decision.errors import ConfigurationError, FieldError, InputError

sandbox_app = typer.Typer(
    help="The sandbox SSBTEK registry (demo mode only, 127.0.0.1): synthetic answers in the real SOAP shape.",
    no_args_is_help=True,
)
registry_app = typer.Typer(help="The registry connection (SSBTEK, or the sandbox in demo mode).", no_args_is_help=True)

AGENCY_NAMES = {
    "AF": "Arbetsförmedlingen",
    "CSN": "CSN",
    "FK": "Försäkringskassan och Pensionsmyndigheten (LEFI)",
    "SKV": "Skatteverket",
    "SO": "A-kassorna (Akassornas samorganisation)",
    "TNS": "Transportstyrelsen",
    "MIV": "Migrationsverket",
}


def register(app: typer.Typer, case_app: typer.Typer, demo_app: typer.Typer) -> None:
    app.add_typer(sandbox_app, name="sandbox")
    app.add_typer(registry_app, name="registry")
    case_app.command("fetch")(case_fetch)
    demo_app.command("generate")(demo_generate)


@sandbox_app.command("serve")
def sandbox_serve(
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
    from adapters.sandbox.app import SOAP_PATH, serve
    from adapters.settings import settings

    cfg = settings()
    if not cfg.demo:
        raise ConfigurationError("the sandbox registry runs in demo mode only: set FINAID_MODE=demo")
    if not 1 <= households <= 200_000:
        raise InputError([FieldError("--households", "must be between 1 and 200000")])
    chosen = port if port is not None else (urlsplit(cfg.sandbox_url).port or 8088)
    print(
        f"sandbox SSBTEK (synthetic data, {households} households, seed {seed}) on "
        f"http://127.0.0.1:{chosen}{SOAP_PATH} — control at http://127.0.0.1:{chosen}/control/faults",
        file=sys.stderr,
    )
    serve("127.0.0.1", chosen, households, seed, faults)


@registry_app.command("ping")
def registry_ping(
    as_json: Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")] = False,
) -> None:
    """Ask SSBTEK (testaBastjanstInformation) which agencies answer; no personal data is sent.

    Exit 0 when SSBTEK answered (agencies that failed are listed), 1 when it could not be reached.
    """
    from adapters import bootstrap

    source = bootstrap.registry_source()
    if source is None:
        raise ConfigurationError(
            "no registry is configured: set FINAID_SSBTEK_URL (with FINAID_SSBTEK_CERT, FINAID_SSBTEK_KEY, "
            "FINAID_SSBTEK_CA) or use FINAID_MODE=demo with the sandbox"
        )
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


def case_fetch(
    bundle: Annotated[Path, typer.Argument(help="The case bundle (finaid.case-bundle/1 JSON); '-' reads stdin.")],
    evidence: Annotated[
        Path | None, typer.Option(help="Also write each raw SSBTEK answer envelope into this folder.")
    ] = None,
) -> None:
    """Fetch the registry answers for a bundle and print the bundle with ``registry`` filled in.

    One SSBTEK call per adult (and per child with declared income, Skatteverket only); every
    answer carries its request id, fetch time and the sha256 of the raw envelope. Agencies that
    fail are recorded as unavailable, never guessed. Notices go to stderr. An existing registry
    is replaced by the fresh answers.
    """
    from adapters import bootstrap
    from adapters.cli import _read
    from decision.jsonload import MAX_BYTES
    from decision.validation import parse_bundle

    raw = sys.stdin.buffer.read(MAX_BYTES + 1) if str(bundle) == "-" else _read(bundle)
    parsed = parse_bundle(raw)
    source = bootstrap.registry_source()
    if source is None:
        raise ConfigurationError(
            "no registry is configured: set FINAID_SSBTEK_URL, FINAID_SSBTEK_CERT, FINAID_SSBTEK_KEY, "
            "FINAID_SSBTEK_CA, FINAID_SSBTEK_ORGANISATIONSNUMMER and FINAID_SSBTEK_AKTORSID "
            "(or FINAID_MODE=demo with the sandbox)"
        )
    result = asyncio.run(source.fetch_detailed(parsed.model_copy(update={"registry": None})))
    sealed = parsed.model_copy(update={"registry": result.entries})
    if evidence is not None:
        evidence.mkdir(parents=True, exist_ok=True)
        for entry in result.entries:
            raw_env = source.evidence.get(entry.request_id)
            if raw_env is not None:
                (evidence / f"{entry.request_id.split(':')[0]}.xml").write_bytes(raw_env)
    for notice in result.notices:
        print(f"notice: {notice}", file=sys.stderr)
    for call in result.calls:
        if call.whole_call_error:
            print(f"warning: the call for {call.person} failed: {call.whole_call_error}", file=sys.stderr)
    print(json.dumps(sealed.to_json_dict(), ensure_ascii=False, indent=2))


def demo_generate(
    n: Annotated[int, typer.Argument(help="How many synthetic households.")],
    seed: Annotated[int, typer.Option(help="Seed (the sandbox answers for the same seed).")] = 1,
    out: Annotated[Path, typer.Option(help="Folder to write the bundles into.")] = Path("demo-bundles"),
) -> None:
    """Write N synthetic case bundles (no registry yet) to OUT; the sandbox knows their people.

    Names and personnummer are synthetic (valid check digits, fictitious names); household i of a
    seed is the same whatever N is.
    """
    from adapters.synthetic import generate

    if not 1 <= n <= 100_000:
        raise InputError([FieldError("N", "must be between 1 and 200000")])
    out.mkdir(parents=True, exist_ok=True)
    for bundle in generate(n, seed):
        path = out / f"{bundle['application']['id']}.json"
        path.write_text(json.dumps(bundle, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"{n} synthetic bundles (seed {seed}) written to {out}", file=sys.stderr)
