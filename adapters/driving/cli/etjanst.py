"""``finaid etjanst serve``: the applicants' e-service on its own port (adapters/driving/etjanst; docs/etjanst.md)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from adapters.driving.cli.common import services

NAME = "etjanst"
app = typer.Typer(help="The applicants' e-service (e-tjänst): apply, follow the case, read the decision.",
                  no_args_is_help=True)


@app.command("serve")
def etjanst_serve(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option(help="Address (default FINAID_ETJANST_HOST, 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default FINAID_ETJANST_PORT, 8010).")] = None,
) -> None:
    """Run the e-service (behind a TLS reverse proxy outside demo mode; its own origin, apart from the workbench)."""
    import uvicorn

    from adapters.driving.etjanst.app import create_etjanst_app_from_services

    s = services(ctx)
    cfg = s.settings
    host = host or cfg.etjanst_host
    port = port or cfg.etjanst_port
    app = create_etjanst_app_from_services(s, host)
    print(f"finaid e-tjänst: http://{host}:{port}/" + ("  (demo: choose a demo person at login)" if cfg.demo else ""),
          file=sys.stderr)
    uvicorn.run(app, host=host, port=port, log_level="warning", proxy_headers=True, server_header=False)
