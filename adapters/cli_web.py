"""CLI: ``finaid web serve``, ``finaid users …``, ``finaid units …``, ``finaid tokens …`` and
``finaid audit overrides`` (docs/web.md)."""

from __future__ import annotations

import getpass
import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from decision.errors import FieldError, FinaidError, InputError

web_app = typer.Typer(help="The handlers' web app (sign-off) and the HTTP API.", no_args_is_help=True)
users_app = typer.Typer(help="People who log in to the web app, their roles and units.", no_args_is_help=True)
units_app = typer.Typer(help="Units (enheter) and the municipalities they handle.", no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens for calling systems (e-service, case system).", no_args_is_help=True)

RoleOpt = Annotated[list[str], typer.Option("--role", help="handler, supervisor, auditor or administrator")]
UnitOpt = Annotated[list[str], typer.Option("--unit", help="a unit id (finaid units list)")]


def register(app: typer.Typer, case_app: typer.Typer) -> None:
    from adapters.cli_audit import audit_app

    app.add_typer(web_app, name="web")
    app.add_typer(users_app, name="users")
    app.add_typer(units_app, name="units")
    app.add_typer(tokens_app, name="tokens")
    audit_app.command("overrides")(audit_overrides)


def _actor() -> str:
    from adapters import bootstrap

    return bootstrap.actor()


def _read_password(confirm: bool = True) -> str:
    """From a prompt (never argv); from stdin when it is not a terminal (one line)."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Lösenord: ")
    if confirm and getpass.getpass("Lösenord igen: ") != first:
        raise InputError([FieldError("password", "the two passwords differ")])
    return first


@web_app.command("serve")
def web_serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on (default FINAID_WEB_HOST, 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default FINAID_WEB_PORT, 8000).")] = None,
) -> None:
    """Run the web app and the API (behind a TLS reverse proxy outside demo mode; docs/web.md)."""
    import uvicorn

    from adapters.settings import settings
    from adapters.web.app import create_app_from_settings

    cfg = settings()
    host = host or cfg.web_host
    port = port or cfg.web_port
    app = create_app_from_settings(host)
    scheme = "http"
    print(f"finaid web: {scheme}://{host}:{port}/  (API: /api/openapi.json)"
          + ("  demo accounts: docs/web.md" if cfg.demo else ""), file=sys.stderr)
    uvicorn.run(app, host=host, port=port, log_level="warning", proxy_headers=True, server_header=False)


# ------------------------------------------------------------------------------------------ users
@users_app.command("add")
def users_add(
    username: Annotated[str, typer.Argument(help="Login name (letters, digits, . _ -).")],
    name: Annotated[str, typer.Option("--name", help="Full name, as it appears on decision letters.")],
    role: RoleOpt,
    unit: UnitOpt = [],  # noqa: B006
    title: Annotated[str | None, typer.Option(help="Title, e.g. socialsekreterare.")] = None,
) -> None:
    """Add a user. The password is read from a prompt (or stdin), never from the command line."""
    from adapters import bootstrap
    from adapters.web.auth import add_user

    password = _read_password()
    add_user(bootstrap.database(), username, name, password, role, unit, _actor(), title=title)
    print(f"added {username}", file=sys.stderr)


@users_app.command("list")
def users_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Users, roles, units and whether they are locked."""
    from adapters import bootstrap
    from adapters.web.auth import list_users

    users = list_users(bootstrap.database())
    if as_json:
        print(json.dumps(users, default=str, indent=2))
        return
    for u in users:
        flags = ("" if u["active"] else " disabled") + (" locked" if u["locked"] else "")
        flags += " demo" if u["demo"] else ""
        print(f"{u['username']:20} {','.join(u['roles']):28} {','.join(u['units']):20}{flags}")


@users_app.command("roles")
def users_roles(username: str, role: RoleOpt) -> None:
    """Set a user's roles (replaces them; an audit event)."""
    from adapters import bootstrap
    from adapters.web.auth import set_roles

    set_roles(bootstrap.database(), username, role, _actor())


@users_app.command("units")
def users_units(username: str, unit: UnitOpt) -> None:
    """Set a user's units (replaces them; an audit event)."""
    from adapters import bootstrap
    from adapters.web.auth import set_units

    set_units(bootstrap.database(), username, unit, _actor())


@users_app.command("password")
def users_password(username: str) -> None:
    """Set a new password (prompt or stdin); ends the user's sessions."""
    from adapters import bootstrap
    from adapters.web.auth import set_password

    set_password(bootstrap.database(), username, _read_password(), _actor())


@users_app.command("unlock")
def users_unlock(username: str) -> None:
    """Unlock an account locked after repeated failed logins."""
    from adapters import bootstrap
    from adapters.web.auth import unlock

    unlock(bootstrap.database(), username, _actor())


@users_app.command("disable")
def users_disable(username: str) -> None:
    """Disable an account (and end its sessions)."""
    from adapters import bootstrap
    from adapters.web.auth import set_active

    set_active(bootstrap.database(), username, False, _actor())


# ------------------------------------------------------------------------------------------ units
@units_app.command("set")
def units_set(
    unit_id: str,
    name: Annotated[str, typer.Option("--name")],
    municipality: Annotated[list[str], typer.Option("--municipality", help="1287 or 1287/district")],
) -> None:
    """Create or change a unit and the municipalities (districts) it handles."""
    from adapters import bootstrap
    from adapters.web.auth import set_unit

    areas = [(m.partition("/")[0], m.partition("/")[2]) for m in municipality]
    set_unit(bootstrap.database(), unit_id, name, areas, _actor())


@units_app.command("load")
def units_load(file: Path) -> None:
    """Load a unit mapping file (YAML: units: [{id, name, municipalities: [...]}])."""
    from adapters import bootstrap
    from adapters.web.scope import load_units_file

    n = load_units_file(bootstrap.database(), file, _actor())
    print(f"loaded {n} unit(s)", file=sys.stderr)


@units_app.command("list")
def units_list() -> None:
    from adapters import bootstrap
    from adapters.web.auth import list_units

    for u in list_units(bootstrap.database()):
        print(f"{u['id']:16} {u['name']:32} {' '.join(u['areas'])}")


# ------------------------------------------------------------------------------------------ tokens
@tokens_app.command("add")
def tokens_add(
    client: Annotated[str, typer.Argument(help="The calling system, e.g. e-tjanst or case-system.")],
    scope: Annotated[list[str], typer.Option("--scope", help="submit, status:read, basis:read, decision:read")],
    rate: Annotated[int | None, typer.Option(help="Requests per minute (default FINAID_API_RATE_PER_MINUTE).")] = None,
) -> None:
    """Create a token; it is printed once on stdout and stored only as a hash."""
    from adapters import bootstrap
    from adapters.settings import settings
    from adapters.web.api import add_token

    tid, token = add_token(bootstrap.database(), client, scope, _actor(), rate, settings().api_rate_per_minute)
    print(f"token id {tid} for {client} (store the token now; it is not shown again)", file=sys.stderr)
    print(token)


@tokens_app.command("revoke")
def tokens_revoke(token_id: str) -> None:
    """Revoke a token by its id (finaid tokens list)."""
    from adapters import bootstrap
    from adapters.web.api import revoke_token

    if not revoke_token(bootstrap.database(), token_id, _actor()):
        raise FinaidError(f"no active token {token_id}")
    print(f"revoked {token_id}", file=sys.stderr)


@tokens_app.command("list")
def tokens_list() -> None:
    from adapters import bootstrap
    from adapters.web.api import list_tokens

    for t in list_tokens(bootstrap.database()):
        print(f"{t['id']} {t['client']:20} {' '.join(t['scopes']):45} {t['rate_per_minute']}/min"
              + (" revoked" if t["revoked"] else ""))


# ------------------------------------------------------------------------------------------ audit
def audit_overrides(
    month_from: Annotated[str | None, typer.Option("--from", help="First month (YYYY-MM).")] = None,
    month_to: Annotated[str | None, typer.Option("--to", help="Last month (YYYY-MM).")] = None,
    municipality: Annotated[str | None, typer.Option(help="Municipality code.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    purpose: Annotated[str, typer.Option(help="Why you read this (access log).")] = "uppfoljning",
) -> None:
    """Per rule and reason code: how often handlers amend or reject finaid's proposal (protected cases not counted)."""
    from adapters import bootstrap
    from adapters.web.queries import StatsFilter, override_statistics

    db = bootstrap.database()
    with db.read() as s:
        stats = override_statistics(s, None, StatsFilter(month_from, month_to, municipality))
    bootstrap.access_log().record(bootstrap.actor(), purpose, "report", "overrides", "statistics", [])
    if as_json:
        print(json.dumps(stats, indent=2, ensure_ascii=False))
        return
    print("sign-offs: " + (", ".join(f"{k} {v}" for k, v in sorted(stats["sign_offs"].items())) or "none"))
    print(f"{'rule':40} {'signed':>7} {'amended':>8} {'rejected':>9} {'share':>6}")
    for r in stats["rules"]:
        share = f"{r['amended_share']:.0%}" if r["amended_share"] is not None else "–"
        print(f"{r['rule']:40} {r['signed']:>7} {r['amended']:>8} {r['rejected']:>9} {share:>6}")
    if stats["reason_codes"]:
        print("\nreason codes:")
        for c in stats["reason_codes"]:
            print(f"  {c['rule']:38} {c['reason_code']:44} {c['count']:>5}")
