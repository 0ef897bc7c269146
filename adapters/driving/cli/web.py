"""``finaid web serve``: the handlers' web app and the HTTP API (adapters/driving/web, adapters/driving/api;
docs/web.md)."""

from __future__ import annotations

import os
import sys
from typing import Annotated, Any

import typer

from adapters.driving.cli.common import services
from decision.errors import ConfigurationError

NAME = "web"
app = typer.Typer(help="The handlers' web app (sign-off) and the HTTP API.", no_args_is_help=True)


@app.command("serve")
def web_serve(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option(help="Address to listen on (default FINAID_WEB_HOST, 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default FINAID_WEB_PORT, 8000).")] = None,
) -> None:
    """Run the web app and the API (behind a TLS reverse proxy outside demo mode; docs/web.md)."""
    import uvicorn

    from adapters.driven.logging import configure
    from adapters.driving.cli.doctor import refuse_on_failures
    from adapters.driving.web.app import create_app_from_services

    configure()  # JSON lines on stderr when not on a terminal (the journal): docs/operations.md "Logs for a SIEM"
    s = services(ctx)
    cfg = s.settings
    workers = cfg.web_workers
    if workers > 1 and cfg.web_session_secret is None and not cfg.demo:
        raise ConfigurationError("FINAID_WEB_WORKERS: more than one worker process needs FINAID_WEB_SESSION_SECRET "
                                 "(a session begun in one worker must be valid in the others)")
    refuse_on_failures(s, "web serve")  # production: not without an administrator, a session secret, …
    host = host or cfg.web_host
    port = port or cfg.web_port
    app = create_app_from_services(s, host)  # checks the settings and prepares the database (units, demo accounts)
    scheme = "http"
    print(f"finaid web: {scheme}://{host}:{port}/  (API: /api/openapi.json)"
          + (f"  {workers} worker processes" if workers > 1 else "")
          + ("  demo accounts: docs/web.md" if cfg.demo else ""), file=sys.stderr)
    # finaid's own http.request lines replace uvicorn's access log
    common: dict[str, Any] = {"host": host, "port": port, "log_level": "warning", "proxy_headers": True,
                              "server_header": False, "access_log": False}
    if workers == 1:
        uvicorn.run(app, **common)
        return
    os.environ["FINAID_WEB_HOST"] = host  # each worker builds its own app from the same settings
    s.database.dispose()
    # a listening socket per worker (SO_REUSEPORT): the kernel spreads the connections evenly (web/spread.py)
    from adapters.driving.web.spread import SpreadMultiprocess, reuseport_sockets

    config = uvicorn.Config("adapters.driving.web.process:worker_app", factory=True, workers=workers, **common)
    try:
        sockets = reuseport_sockets(host, port, workers, config.backlog)
    except OSError as exc:
        raise ConfigurationError(f"FINAID_WEB_HOST/FINAID_WEB_PORT: cannot listen on {host}:{port} ({exc})") from exc
    try:
        SpreadMultiprocess(config, sockets).run()
    except KeyboardInterrupt:
        pass
    finally:
        for sock in sockets:
            sock.close()
