"""``finaid users …``: people who log in to the web app, their roles and units (docs/roles.md)."""

from __future__ import annotations

import getpass
import json
import sys
from typing import Annotated

import typer

from adapters.driving.cli.common import services
from decision.errors import FieldError, InputError

NAME = "users"
app = typer.Typer(help="People who log in to the web app, their roles and units.", no_args_is_help=True)

RoleOpt = Annotated[list[str], typer.Option("--role", help="handler, supervisor, auditor or administrator")]
UnitOpt = Annotated[list[str], typer.Option("--unit", help="a unit id (finaid units list)")]


def _read_password(confirm: bool = True) -> str:
    """From a prompt (never argv); from stdin when it is not a terminal (one line)."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Lösenord: ")
    if confirm and getpass.getpass("Lösenord igen: ") != first:
        raise InputError([FieldError("password", "the two passwords differ")])
    return first


@app.command("add")
def users_add(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="Login name (letters, digits, . _ -).")],
    name: Annotated[str, typer.Option("--name", help="Full name, as it appears on decision letters.")],
    role: RoleOpt,
    unit: UnitOpt = [],  # noqa: B006
    title: Annotated[str | None, typer.Option(help="Title, e.g. socialsekreterare.")] = None,
) -> None:
    """Add a user. The password is read from a prompt (or stdin), never from the command line."""
    from adapters.driving.web.accounts import add_user

    password = _read_password()
    add_user(services(ctx).database, username, name, password, role, unit, services(ctx).actor, title=title,
             clock=services(ctx).clock)
    print(f"added {username}", file=sys.stderr)


@app.command("list")
def users_list(ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Users, roles, units and whether they are locked."""
    from adapters.driving.web.accounts import list_users

    users = list_users(services(ctx).database, services(ctx).clock)
    if as_json:
        print(json.dumps(users, default=str, indent=2))
        return
    for u in users:
        flags = ("" if u["active"] else " disabled") + (" locked" if u["locked"] else "")
        flags += " demo" if u["demo"] else ""
        flags += " sso" if u.get("sso") else (" totp" if u.get("totp") else "")
        print(f"{u['username']:20} {','.join(u['roles']):28} {','.join(u['units']):20}{flags}")


@app.command("roles")
def users_roles(ctx: typer.Context, username: str, role: RoleOpt) -> None:
    """Set a user's roles (replaces them; an audit event)."""
    from adapters.driving.web.accounts import set_roles

    set_roles(services(ctx).database, username, role, services(ctx).actor, services(ctx).clock)


@app.command("units")
def users_units(ctx: typer.Context, username: str, unit: UnitOpt) -> None:
    """Set a user's units (replaces them; an audit event)."""
    from adapters.driving.web.accounts import set_units

    set_units(services(ctx).database, username, unit, services(ctx).actor, services(ctx).clock)


@app.command("password")
def users_password(ctx: typer.Context, username: str) -> None:
    """Set a new password (prompt or stdin); ends the user's sessions."""
    from adapters.driving.web.accounts import set_password

    set_password(services(ctx).database, username, _read_password(), services(ctx).actor, services(ctx).clock)


@app.command("unlock")
def users_unlock(ctx: typer.Context, username: str) -> None:
    """Unlock an account locked after repeated failed logins."""
    from adapters.driving.web.accounts import unlock

    unlock(services(ctx).database, username, services(ctx).actor, services(ctx).clock)


@app.command("totp-reset")
def users_totp_reset(ctx: typer.Context, username: str) -> None:
    """Clear a user's TOTP (a lost phone): a new one is enrolled at their next login; their sessions end."""
    from adapters.driving.web.second_factor import reset

    had = reset(services(ctx).database, username, services(ctx).actor, services(ctx).clock)
    print(f"{username}: TOTP cleared; a new one is enrolled at the next login" if had else
          f"{username} had no TOTP; nothing to clear (enrolment happens at the next login)", file=sys.stderr)


@app.command("disable")
def users_disable(ctx: typer.Context, username: str) -> None:
    """Disable an account (and end its sessions)."""
    from adapters.driving.web.accounts import set_active

    set_active(services(ctx).database, username, False, services(ctx).actor, services(ctx).clock)
