"""``finaid tokens …``: API tokens for calling systems (e-service, case system); docs/web.md."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from adapters.driving.cli.common import services
from decision.errors import FinaidError

NAME = "tokens"
app = typer.Typer(help="API tokens for calling systems (e-service, case system).", no_args_is_help=True)


@app.command("add")
def tokens_add(
    ctx: typer.Context,
    client: Annotated[str, typer.Argument(help="The calling system, e.g. e-tjanst or case-system.")],
    scope: Annotated[list[str], typer.Option("--scope", help="submit, status:read, basis:read, decision:read")],
    rate: Annotated[int | None, typer.Option(help="Requests per minute (default FINAID_API_RATE_PER_MINUTE).")] = None,
) -> None:
    """Create a token; it is printed once on stdout and stored only as a hash."""
    from adapters.driving.api.tokens import add_token

    s = services(ctx)
    tid, token = add_token(s.database, client, scope, s.actor, rate, s.settings.api_rate_per_minute, s.clock)
    print(f"token id {tid} for {client} (store the token now; it is not shown again)", file=sys.stderr)
    print(token)


@app.command("revoke")
def tokens_revoke(ctx: typer.Context, token_id: str) -> None:
    """Revoke a token by its id (finaid tokens list)."""
    from adapters.driving.api.tokens import revoke_token

    if not revoke_token(services(ctx).database, token_id, services(ctx).actor, services(ctx).clock):
        raise FinaidError(f"no active token {token_id}")
    print(f"revoked {token_id}", file=sys.stderr)


@app.command("list")
def tokens_list(ctx: typer.Context) -> None:
    """Tokens: id, client, scopes, rate and whether revoked (never the token)."""
    from adapters.driving.api.tokens import list_tokens

    for t in list_tokens(services(ctx).database):
        print(f"{t['id']} {t['client']:20} {' '.join(t['scopes']):45} {t['rate_per_minute']}/min"
              + (" revoked" if t["revoked"] else ""))
