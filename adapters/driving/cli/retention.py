"""``finaid retention purge``: gallring — delete personal data when the law says so (audit/retention.py)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from adapters.driving.cli.common import services
from decision.errors import FieldError, InputError

NAME = "retention"
app = typer.Typer(help="Gallring: delete personal data when the law says so.", no_args_is_help=True)


@app.command("purge")
def retention_purge(
    ctx: typer.Context,
    before: Annotated[str, typer.Option(help="Purge cases whose last note is before this date (YYYY-MM-DD).")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only list what would be purged.")] = False,
) -> None:
    """Delete the personal content of cases whose last note is before DATE (SoL 2025:400 16 kap. 1 §).

    Research-exempt records (configured counties, municipalities and birth days) are kept. Ids and
    hashes stay; a `purged` audit event is written per case; `audit verify` still passes.
    """
    from adapters.driven.db.audit_store import exemptions_from_settings, purge

    try:
        cutoff = date.fromisoformat(before)
    except ValueError:
        raise InputError([FieldError("--before", "must be a date YYYY-MM-DD")]) from None
    s = services(ctx)
    result = purge(s.database, cutoff, exemptions_from_settings(), s.actor, dry_run, s.clock)
    verb = "would purge" if dry_run else "purged"
    print(f"{verb} {len(result.purged)} case(s); kept {len(result.exempt)} research-exempt case(s)")
    for app_id in result.purged:
        print(f"  {verb}: {app_id}")
    from datetime import timedelta

    from adapters.driven.db.etjanst_retention import purge_unsent_drafts

    days = s.settings.etjanst_draft_retention_days
    now = s.clock.now()
    drafts = purge_unsent_drafts(s.database, now - timedelta(days=days), now, s.actor, dry_run)
    print(f"{verb} {len(drafts)} e-service draft(s) never sent and unchanged for {days} days "
          "(FINAID_ETJANST_DRAFT_RETENTION_DAYS)")
    from adapters.driven.db.etjanst_contact import purge_contacts

    contacts = purge_contacts(s.database, now - timedelta(days=days), now, s.actor, dry_run)
    print(f"{verb} {contacts} e-service contact(s) for notifications of persons with no case or draft kept")
