"""``finaid batch …``: the nightly batch — run it, and see its status (adapters/driving/batch)."""

from __future__ import annotations

import json
import sys
import time
from typing import Annotated, Any

import typer

from adapters.driving.cli.common import services, stockholm

NAME = "batch"
app = typer.Typer(help="The nightly batch: decide every new application, unattended.", no_args_is_help=True)


@app.command("run")
def batch_run(
    ctx: typer.Context,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes (above 1 needs PostgreSQL).")] = 1,
    limit: Annotated[int | None, typer.Option(min=1, help="Decide at most this many applications.")] = None,
    lease: Annotated[float, typer.Option(help="Claim lease in seconds (renewed while working).")] = 120.0,
    budget: Annotated[int, typer.Option(min=1, help="Tries before a technical failure is permanent.")] = 3,
) -> None:
    """Decide every application that is received, fetched or failed-and-retryable, then write the morning report.

    Exit code 0 when every application was decided or routed to a handler, 3 when any failed technically.
    """
    from adapters.driving.batch.progress import Reporter
    from adapters.driving.batch.runner import BatchConfig, batch_actor, run_batch

    s = services(ctx)
    cfg_s = s.settings
    s.database  # noqa: B018 - migrate an embedded database on first use
    from adapters.driving.cli.doctor import refuse_on_failures

    refuse_on_failures(s, "batch run")  # production: not without the access-log key, a current schema, …
    cfg = BatchConfig(
        db_url=cfg_s.db_url, db_schema=cfg_s.db_schema, workers=workers, limit=limit, lease_seconds=lease,
        budget=budget, registry_budget=budget, actor=batch_actor(), report_dir=str(cfg_s.report_dir),
        demo=cfg_s.demo, db_retry_s=cfg_s.batch_db_retry_s,
    )
    reporter = Reporter(sys.stderr.isatty())
    start = time.perf_counter()
    with reporter:
        outcome = run_batch(cfg, reporter.on_result, s)
    reporter.done(outcome, time.perf_counter() - start)
    if cfg_s.metrics_textfile is not None:  # node_exporter's textfile collector reads it (docs/operations.md)
        from adapters.driving.batch.metrics_file import write_run_metrics

        try:
            write_run_metrics(cfg_s.metrics_textfile, outcome)
            print(f"metrics: {cfg_s.metrics_textfile}", file=sys.stderr)
        except OSError as e:  # the run's work is done and stored: a warning, not a failed run
            print(f"warning: FINAID_METRICS_TEXTFILE {cfg_s.metrics_textfile} cannot be written "
                  f"({e.strerror or type(e).__name__})", file=sys.stderr)
    print(f"report: {outcome.report_html}")
    print(f"report: {outcome.report_json}")
    raise typer.Exit(outcome.exit_code)


@app.command("status")
def batch_status(ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Show pending, claimed, failed and failed_permanent applications and the last runs.

    A run whose process was killed shows as ``abandoned`` once its lease has passed."""
    from sqlalchemy import func, select

    from adapters.driven.clock import SystemClock
    from adapters.driven.db.models import Application, BatchRun
    from adapters.driving.batch.heartbeat import shown_status

    db = services(ctx).database
    at = SystemClock().now()  # the lease clock: the wall clock, like the claims
    with db.read() as s:
        states = dict(s.execute(select(Application.state, func.count()).group_by(Application.state)).all())
        # leases run on the wall clock (adapters/driven/db/claims.py), whatever the decisions' clock says
        claimed = s.execute(select(func.count()).where(Application.lease_until > SystemClock().now())).scalar_one()
        runs = s.execute(select(BatchRun).order_by(BatchRun.started_at.desc()).limit(5)).scalars().all()
        data: dict[str, Any] = {
            "pending": int(states.get("received", 0) + states.get("fetched", 0)),
            "claimed": int(claimed),
            "failed": int(states.get("failed", 0)),
            "failed_permanent": int(states.get("failed_permanent", 0)),
            "states": {str(k): int(v) for k, v in states.items()},
            "runs": [
                {"id": r.id, "started_at": r.started_at.isoformat(timespec="seconds"),
                 "status": shown_status(r.status, r.counts, at),
                 "workers": r.workers, "counts": json.loads(r.counts) if r.counts and r.finished_at else None,
                 "report": r.report_path}
                for r in runs
            ],
        }
    if as_json:
        print(json.dumps(data, indent=2))
        return
    print(f"pending {data['pending']}  claimed {data['claimed']}  failed {data['failed']}  "
          f"failed_permanent {data['failed_permanent']}")
    for state, n in sorted(data["states"].items()):
        print(f"  {state:28} {n}")
    for r in data["runs"]:
        counts = r["counts"] or {}
        print(f"run {r['id']} {stockholm(r['started_at'])} {r['status']} workers={r['workers']} "
              f"cases={counts.get('cases', '?')} report={r['report']}")
