"""The ``finaid`` command line: ``finaid <noun> <verb>``.

Exit codes (the contract): 0 a decision basis was produced (any outcome); 2 the input is invalid
(each bad field named by its path on stderr); 1 anything else, with a message and no traceback
unless ``--debug``. Errors are mapped to exit codes here and only here.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from decision.errors import FieldError, FinaidError, InputError
from decision.jsonload import MAX_BYTES

app = typer.Typer(
    name="finaid",
    help=(
        "finaid föreslår beslut om ekonomiskt bistånd (försörjningsstöd) och visar varför.\n\n"
        "Decision support for social services: a case bundle (one application, one month) goes in; "
        "a decision basis comes out, computed by versioned rules and explained line by line, for a "
        "handler (handläggare) to review and sign. finaid proposes; a human decides."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
case_app = typer.Typer(
    help="Decide one application (a case bundle) and show the decision basis.", no_args_is_help=True
)
schema_app = typer.Typer(
    help="Print the JSON Schemas of the contract (for e-services and case systems).", no_args_is_help=True
)
demo_app = typer.Typer(
    help="Synthetic demo data (no real people): decide the shipped example households.", no_args_is_help=True
)
app.add_typer(case_app, name="case")
app.add_typer(schema_app, name="schema")
app.add_typer(demo_app, name="demo")
# --- command groups added by later issues register below this line ---
from adapters import cli_audit  # noqa: E402

cli_audit.register(app, case_app)
from adapters import cli_batch  # noqa: E402

cli_batch.register(app, case_app)
from adapters import cli_registry  # noqa: E402

cli_registry.register(app, case_app, demo_app)
from adapters import cli_web  # noqa: E402

cli_web.register(app, case_app)
from adapters import cli_rules  # noqa: E402

cli_rules.register(app)

_state = {"debug": False}


@app.callback()
def _root(
    debug: Annotated[bool, typer.Option("--debug", help="Show a traceback when something unexpected fails.")] = False,
) -> None:
    _state["debug"] = debug


def _read(path: Path) -> bytes:
    try:
        with path.open("rb") as f:  # one byte past the limit is enough for parse_bundle to refuse it
            return f.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise InputError([FieldError("", f"file not found: {path}")]) from None
    except IsADirectoryError:
        raise InputError([FieldError("", f"is a directory, not a bundle file: {path}")]) from None
    except OSError as e:
        raise InputError([FieldError("", f"cannot read {path}: {e.strerror}")]) from None


@case_app.command("decide")
def case_decide(
    bundle: Annotated[Path, typer.Argument(help="The case bundle (finaid.case-bundle/1 JSON); '-' reads stdin.")],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the decision basis as JSON (the contract's form).")
    ] = False,
    html: Annotated[
        Path | None, typer.Option("--html", help="Also write the beslutsunderlag as HTML to this file.")
    ] = None,
    purpose: Annotated[
        str, typer.Option(help="Why you look at this case (logged in the access log).")
    ] = "handlaggning",
) -> None:
    """Decide one application for one month, store it, and show the proposal.

    The bundle is stored before it is evaluated; the proposal is stored with its rule pack, guideline
    and code version, and its id is printed on stderr. Prints the proposed outcome (GRANT, PARTIAL,
    REJECT or MANUAL), the amounts and every finding the handler must judge; --json prints the full
    decision basis, --html writes a beslutsunderlag in Swedish for the case file.
    """
    from adapters import bootstrap
    from adapters.service import decide_and_store
    from decision.validation import parse_bundle

    raw = sys.stdin.buffer.read(MAX_BYTES + 1) if str(bundle) == "-" else _read(bundle)
    parsed = parse_bundle(raw)
    result = decide_and_store(
        parsed,
        # no registry answers yet: fetch them first (the sandbox in demo mode; refuses unconfigured)
        pipeline=bootstrap.pipeline() if parsed.registry is not None else bootstrap.pipeline_with_registry(
            bootstrap.database()
        ),
        catalog=bootstrap.catalog(),
        store=bootstrap.store(),
        access=bootstrap.access_log(),
        actor=bootstrap.actor(),
        purpose=purpose,
    )
    decided = result.decided
    print(f"decision {result.decision_id}{'' if result.created else ' (already decided)'}", file=sys.stderr)
    if html is not None:
        from adapters.render.html import render_basis_html

        html.write_text(render_basis_html(decided), encoding="utf-8")
    if as_json:
        sys.stdout.write(decided.basis.to_json())
    else:
        from adapters.render.text import print_summary

        print_summary(decided)


@schema_app.command("case-bundle")
def schema_case_bundle() -> None:
    """Print the JSON Schema of finaid.case-bundle/1 (what an e-service sends)."""
    from decision.bundle import CaseBundle

    print(json.dumps(CaseBundle.model_json_schema(by_alias=True), ensure_ascii=False, indent=2))


@schema_app.command("decision-basis")
def schema_decision_basis() -> None:
    """Print the JSON Schema of finaid.decision-basis/1 (what finaid proposes)."""
    from decision.basis import DecisionBasis

    print(json.dumps(DecisionBasis.model_json_schema(by_alias=True), ensure_ascii=False, indent=2))


@demo_app.command("run")
def demo_run(
    examples: Annotated[Path, typer.Option(help="Folder of example bundles (*.json).")] = Path("examples/bundles"),
    out: Annotated[Path, typer.Option(help="Folder to write the decision bases into.")] = Path("demo-output"),
) -> None:
    """Decide every example bundle and write its beslutsunderlag (HTML and JSON) to OUT."""
    from adapters.demo import run_examples

    run_examples(examples, out)


@demo_app.command("night")
def demo_night(
    n: Annotated[int, typer.Option("--n", min=1, max=20000, help="How many synthetic applications.")] = 500,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic population.")] = 1,
    out: Annotated[Path, typer.Option(help="Folder for the night's database, logs and report.")] = Path("demo-output"),
) -> None:
    """A whole night in minutes: the sandbox registry, N synthetic applications, the batch, the morning report."""
    from adapters.demo import run_night

    run_night(n, seed, out)


def main() -> None:
    """Console entry point: map finaid's errors to exit codes in one place."""
    debug = "--debug" in sys.argv[1:]
    try:
        code = app(standalone_mode=False)
        if isinstance(code, int) and code:  # typer.Exit(n) is returned, not raised, outside standalone mode
            sys.exit(code)
    except InputError as e:
        for err in e.errors:
            print(f"error: {err}" if err.path else f"error: {err.message}", file=sys.stderr)
        sys.exit(2)
    except FinaidError as e:
        if debug:
            raise
        print(f"error: {e}", file=sys.stderr)
        sys.exit(1)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as e:  # noqa: BLE001 - the contract: a message, no traceback unless --debug
        import click

        if isinstance(e, click.exceptions.UsageError):
            e.show()
            sys.exit(2)
        if isinstance(e, click.exceptions.Abort):
            sys.exit(1)
        if isinstance(e, click.exceptions.Exit):
            sys.exit(e.exit_code)
        if debug:
            raise
        print(f"error: finaid failed unexpectedly ({type(e).__name__}); run with --debug for details", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
