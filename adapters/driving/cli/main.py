"""The ``finaid`` command line: ``finaid <noun> <verb>``; one module per command group beside this one.

Exit codes (the contract): 0 a decision basis was produced (any outcome); 2 the input is invalid
(each bad field named by its path on stderr); 1 anything else, with a message and no traceback
unless ``--debug``. Errors are mapped to exit codes here and only here.

``main`` builds the bootstrap's services once (lazily: ``finaid --help`` imports no database, rule engine,
registry client or web framework) and hands them to every command as the typer context's ``obj``.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from adapters.bootstrap import Services, bootstrap
from adapters.driving.cli.lazy import LazyGroup
from decision.errors import FinaidError, InputError

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
    rich_markup_mode=None,  # plain help text: rendering it with rich costs more than the rest of --help
    cls=LazyGroup,  # each command group's module is imported when that group runs (adapters/driving/cli/lazy.py)
)


@app.callback()
def _root(
    ctx: typer.Context,
    debug: Annotated[bool, typer.Option("--debug", help="Show a traceback when something unexpected fails.")] = False,
) -> None:
    if ctx.obj is None:  # run without main() (python -m adapters.driving.cli goes through main too)
        ctx.obj = bootstrap()


def main() -> None:
    """Console entry point: build the services once, run the command, map finaid's errors to exit codes."""
    debug = "--debug" in sys.argv[1:]
    services = bootstrap()
    try:
        _run(services, debug)
    finally:
        if services.database_named:  # which database this command used (never with a password)
            print(f"finaid: database {services.database_named}", file=sys.stderr)


def _run(services: Services, debug: bool) -> None:
    try:
        code = app(standalone_mode=False, obj=services)
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
        usage, abort, exit_ = _click_exceptions()
        if isinstance(e, usage):  # a bad option or value: exit 2, click's own message naming it
            e.show()  # type: ignore[attr-defined]
            sys.exit(2)
        if isinstance(e, abort):
            sys.exit(1)
        if isinstance(e, exit_):
            sys.exit(e.exit_code)  # type: ignore[attr-defined]
        if debug:
            raise
        named = _database_error(e)
        if named is not None:
            print(f"error: {named}", file=sys.stderr)
            sys.exit(1)
        print(f"error: finaid failed unexpectedly ({type(e).__name__}); run with --debug for details", file=sys.stderr)
        sys.exit(1)


def _click_exceptions() -> tuple[tuple[type[BaseException], ...], ...]:
    """click's UsageError, Abort and Exit — from click itself and from the copy typer 0.29 vendors
    (``typer._click``), which is the one its parser raises."""
    import importlib

    found: list[list[type[BaseException]]] = [[], [], []]
    for module in ("click.exceptions", "typer._click.exceptions"):
        try:
            exceptions = importlib.import_module(module)
        except ImportError:
            continue
        for i, name in enumerate(("UsageError", "Abort", "Exit")):
            if isinstance(cls := getattr(exceptions, name, None), type):
                found[i].append(cls)
    return tuple(tuple(f) for f in found)


def _database_error(e: Exception) -> str | None:
    """A database error that escaped a command, named by its cause (adapters/driven/db/problems.py)."""
    if "sqlalchemy" not in sys.modules:
        return None
    from sqlalchemy.exc import SQLAlchemyError

    if not isinstance(e, SQLAlchemyError):
        return None
    from adapters.driven.db.problems import explain
    from adapters.settings import settings

    try:
        cfg = settings()
    except FinaidError:
        return None
    return str(explain(e, cfg.db_url, cfg.db_schema))


if __name__ == "__main__":
    main()
