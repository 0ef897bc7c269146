"""CLI: ``finaid case submit``, ``finaid batch run`` and ``finaid batch status``."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from decision.errors import FieldError, InputError

batch_app = typer.Typer(help="The nightly batch: decide every new application, unattended.", no_args_is_help=True)


def register(app: typer.Typer, case_app: typer.Typer) -> None:
    app.add_typer(batch_app, name="batch")
    case_app.command("submit")(case_submit)


def _bundle_files(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            files.extend(sorted(p.glob("*.json")))
        else:
            files.append(p)
    return files


def case_submit(
    bundles: Annotated[list[Path], typer.Argument(help="Bundle files, or folders of *.json bundles.")],
) -> None:
    """Store bundles as received, for the nightly batch (idempotent by content; new content = new revision).

    Every valid bundle is stored; every invalid one is named with its bad fields (exit code 2).
    """
    from adapters import bootstrap
    from decision.validation import parse_bundle

    store = bootstrap.store()
    catalog = bootstrap.catalog()
    actor = bootstrap.actor()
    new = same = 0
    errors: list[FieldError] = []
    for file in _bundle_files(bundles):
        try:
            bundle = parse_bundle(file.read_bytes())
            catalog.pack_for(bundle.application.month)
        except InputError as e:
            errors.extend(FieldError(f"{file.name}: {err.path}" if err.path else file.name, err.message)
                          for err in e.errors)
            continue
        except OSError as e:
            errors.append(FieldError(file.name, f"cannot read: {e.strerror}"))
            continue
        stored = store.receive(bundle, actor)
        new += stored.created
        same += not stored.created
    print(f"received {new} new revision(s); {same} already stored; {len(errors) and 'some'} invalid"
          if errors else f"received {new} new revision(s); {same} already stored", file=sys.stderr)
    if errors:
        raise InputError(errors)


@batch_app.command("run")
def batch_run(
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes (above 1 needs PostgreSQL).")] = 1,
    limit: Annotated[int | None, typer.Option(min=1, help="Decide at most this many applications.")] = None,
    lease: Annotated[float, typer.Option(help="Claim lease in seconds (renewed while working).")] = 120.0,
    budget: Annotated[int, typer.Option(min=1, help="Tries before a technical failure is permanent.")] = 3,
) -> None:
    """Decide every application that is received, fetched or failed-and-retryable, then write the morning report.

    Exit code 0 when every application was decided or routed to a handler, 3 when any failed technically.
    """
    from adapters import bootstrap
    from adapters.batch.progress import Reporter
    from adapters.batch.runner import BatchConfig, batch_actor, run_batch
    from adapters.settings import settings

    cfg_s = settings()
    bootstrap.database()  # migrate an embedded database on first use
    cfg = BatchConfig(
        db_url=cfg_s.db_url, db_schema=cfg_s.db_schema, workers=workers, limit=limit, lease_seconds=lease,
        budget=budget, registry_budget=budget, actor=batch_actor(), report_dir=str(cfg_s.report_dir),
        demo=cfg_s.demo,
    )
    reporter = Reporter(sys.stderr.isatty())
    start = time.perf_counter()
    with reporter:
        outcome = run_batch(cfg, reporter.on_result)
    reporter.done(outcome, time.perf_counter() - start)
    print(f"report: {outcome.report_html}")
    print(f"report: {outcome.report_json}")
    raise typer.Exit(outcome.exit_code)


@batch_app.command("status")
def batch_status(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Show pending, claimed, failed and failed_permanent applications and the last runs."""
    from sqlalchemy import func, select

    from adapters import bootstrap
    from adapters.db.models import Application, BatchRun
    from audit.chain import now

    db = bootstrap.database()
    with db.read() as s:
        states = dict(s.execute(select(Application.state, func.count()).group_by(Application.state)).all())
        claimed = s.execute(select(func.count()).where(Application.lease_until > now())).scalar_one()
        runs = s.execute(select(BatchRun).order_by(BatchRun.started_at.desc()).limit(5)).scalars().all()
        data: dict[str, Any] = {
            "pending": int(states.get("received", 0) + states.get("fetched", 0)),
            "claimed": int(claimed),
            "failed": int(states.get("failed", 0)),
            "failed_permanent": int(states.get("failed_permanent", 0)),
            "states": {str(k): int(v) for k, v in states.items()},
            "runs": [
                {"id": r.id, "started_at": r.started_at.isoformat(timespec="seconds"), "status": r.status,
                 "workers": r.workers, "counts": json.loads(r.counts) if r.counts else None, "report": r.report_path}
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
        print(f"run {r['id']} {r['started_at']} {r['status']} workers={r['workers']} cases={counts.get('cases', '?')}"
              f" report={r['report']}")
