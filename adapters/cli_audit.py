"""CLI: ``finaid db …``, ``finaid case list``, ``finaid audit …`` and ``finaid retention …``."""

from __future__ import annotations

import csv
import getpass
import json
import sys
from collections import Counter
from datetime import date
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from decision.errors import FieldError, FinaidError, InputError

db_app = typer.Typer(help="The database: apply migrations.", no_args_is_help=True)
audit_app = typer.Typer(
    help="For auditors (internal control, JO, IVO, courts): why, replay, verify, query, access.",
    no_args_is_help=True,
)
retention_app = typer.Typer(help="Gallring: delete personal data when the law says so.", no_args_is_help=True)

PurposeOpt = Annotated[
    str,
    typer.Option(help="Why you read this (access log): handlaggning, uppfoljning, revision, tillsyn, registerutdrag."),
]


def register(app: typer.Typer, case_app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
    app.add_typer(audit_app, name="audit")
    app.add_typer(retention_app, name="retention")
    case_app.command("list")(case_list)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the database migrations (FINAID_DB_URL; SQLite file by default)."""
    from adapters.db import migrate
    from adapters.db.engine import Database
    from adapters.settings import settings

    cfg = settings()
    db = Database(cfg.db_url, cfg.db_schema)
    migrate.upgrade(db)
    print(f"database at revision {migrate.current(db)}", file=sys.stderr)


def case_list(
    limit: Annotated[int, typer.Option(help="How many applications to show.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    purpose: PurposeOpt = "handlaggning",
) -> None:
    """Show recent applications, their state and current proposal (protected identities counted, not listed)."""
    from adapters import bootstrap

    store = bootstrap.store()
    with store.db.read() as s:
        rows = store.recent(s, limit)
        hidden = store.count_protected(s)
    bootstrap.access_log().record(bootstrap.actor(), purpose, "cli", "list", "applications", [])
    if as_json:
        print(json.dumps({"applications": rows, "protected_not_listed": hidden}, default=str, indent=2))
        return
    table = Table(title="Senaste ansökningar")
    for col in ("Ansökan", "Kommun", "Månad", "Läge", "Förslag", "Beslut-id", "Uppdaterad"):
        table.add_column(col)
    for r in rows:
        table.add_row(
            r["application"], r["municipality"], r["month"],
            r["state"] + (f" ({r['reason']})" if r["reason"] else ""),
            r["outcome"] or "–", r["decision"] or "–", str(r["updated_at"])[:19],
        )
    Console().print(table)
    if hidden:
        print(f"{hidden} ärenden med skyddade personuppgifter visas inte.", file=sys.stderr)


def _parse_head(text: str | None) -> tuple[int, str] | None:
    if text is None:
        return None
    seq, _, digest = text.partition(":")
    if not seq.isdigit() or len(digest) != 64:
        raise InputError([FieldError("--expected-head", "must be SEQ:HASH (as printed by `finaid audit head`)")])
    return int(seq), digest


@audit_app.command("head")
def audit_head() -> None:
    """Print the audit chain's head as SEQ:HASH — publish or countersign it elsewhere."""
    from sqlalchemy import select

    from adapters import bootstrap
    from adapters.db.models import ChainHead

    with bootstrap.database().read() as s:
        head = s.execute(select(ChainHead).where(ChainHead.chain == "audit")).scalar_one()
    print(f"{head.seq}:{head.hash}")


@audit_app.command("verify")
def audit_verify(
    expected_head: Annotated[
        str | None, typer.Option(help="A published head SEQ:HASH the chain must still contain.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Walk the audit and access chains and check every stored record against its recorded hash.

    Names any altered, removed, inserted, reordered or truncated event; reports purged content as
    lawful deletion. Exit code 0 when intact, 1 when anything was tampered with.
    """
    from adapters import bootstrap
    from audit.verify import verify

    head = _parse_head(expected_head)
    with bootstrap.database().read() as s:
        report = verify(s, head)
    problems = report.all_problems()
    if as_json:
        print(json.dumps({
            "ok": report.ok, "audit_events": report.audit.events, "access_entries": report.access.events,
            "head": f"{report.audit.head_seq}:{report.audit.head_hash}", "problems": problems,
            "lawful_deletions": report.lawful, "decisions": report.checked_decisions,
            "revisions": report.checked_revisions,
        }, indent=2))
    else:
        print(f"audit log: {report.audit.events} events, head {report.audit.head_seq}:{report.audit.head_hash}")
        print(f"access log: {report.access.events} entries")
        print(f"checked {report.checked_decisions} decisions and {report.checked_revisions} revisions")
        for line in report.lawful:
            print(f"lawful deletion: {line}")
        for p in problems:
            print(f"TAMPERED: {p}")
        print("OK: the trail is intact" if report.ok else f"FAILED: {len(problems)} problem(s)")
    if not report.ok:
        raise typer.Exit(1)


@audit_app.command("why")
def audit_why(
    decision_id: Annotated[str, typer.Argument(help="The decision id (a ULID, printed by `case decide`).")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
    purpose: PurposeOpt = "revision",
) -> None:
    """Show a decision exactly as the handler saw it: amounts, rules, laws, facts with provenance, history."""
    from adapters import bootstrap
    from adapters.db.models import Revision
    from audit.why import load_why, render_text

    store = bootstrap.store()
    with store.db.read() as s:
        why = load_why(s, decision_id)
        rev = s.get(Revision, why.decision["revision"])
        people = _people(rev.bundle_json if rev else None)
    bootstrap.access_log().record(bootstrap.actor(), purpose, "cli", "why", f"decision:{decision_id}", people)
    if as_json:
        print(json.dumps(why.to_json(), ensure_ascii=False, indent=2))
    else:
        sys.stdout.write(render_text(why))


def _people(bundle_json: str | None) -> list[str]:
    if not bundle_json:
        return []
    data = json.loads(bundle_json)
    return [m["personnummer"] for m in data["application"]["household"]]


@audit_app.command("replay")
def audit_replay(
    decision_id: Annotated[str | None, typer.Argument(help="One decision to replay.")] = None,
    month_from: Annotated[str | None, typer.Option("--from", help="First month (YYYY-MM) to replay.")] = None,
    month_to: Annotated[str | None, typer.Option("--to", help="Last month (YYYY-MM) to replay.")] = None,
    purpose: PurposeOpt = "revision",
) -> None:
    """Decide sealed bundles again with their pinned pack and guideline and compare the bytes.

    Reports identical / different with the same code / different because the code changed / failed.
    Exit code 1 when any decision differs with the same code or fails.
    """
    from adapters import bootstrap
    from adapters.db.models import Decision
    from audit.replay import DIFFERENT_SAME_CODE, FAILED, decisions_between, replay_one
    from rules.version import code_version

    if decision_id is None and not (month_from and month_to):
        raise InputError([FieldError("DECISION_ID", "give a decision id, or --from and --to")])
    pipeline = bootstrap.pipeline()
    version = code_version()
    results = []
    with bootstrap.database().read() as s:
        if decision_id is not None:
            d = s.get(Decision, decision_id)
            if d is None:
                raise FinaidError(f"no decision {decision_id}")
            decisions = [d]
        else:
            decisions = list(decisions_between(s, str(month_from), str(month_to)))
        for d in decisions:
            results.append(replay_one(s, pipeline, d, version))
    bootstrap.access_log().record(
        bootstrap.actor(), purpose, "cli", "replay", decision_id or f"months:{month_from}..{month_to}", []
    )
    for r in results:
        print(f"{r.decision_id} {r.verdict}{': ' + r.detail if r.detail else ''}")
    counts = Counter(r.verdict for r in results)
    print("summary: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) if results else "no decisions")
    if counts[DIFFERENT_SAME_CODE] or counts[FAILED]:
        raise typer.Exit(1)


@audit_app.command("query")
def audit_query(
    rule: Annotated[str | None, typer.Option(help="Rule id that fired, e.g. disregard.jobbstimulans.")] = None,
    param: Annotated[str | None, typer.Option(help="Parameter used, e.g. riksnorm.personal.couple@2025-01-01.")] = None,
    pack: Annotated[str | None, typer.Option(help="Rule pack id.")] = None,
    guideline: Annotated[str | None, typer.Option(help="Guideline id.")] = None,
    finding: Annotated[str | None, typer.Option(help="Finding code.")] = None,
    outcome: Annotated[str | None, typer.Option(help="GRANT, PARTIAL, REJECT or MANUAL.")] = None,
    month: Annotated[str | None, typer.Option(help="Month applied for (YYYY-MM).")] = None,
    municipality: Annotated[str | None, typer.Option(help="Municipality code.")] = None,
    page: Annotated[int, typer.Option(min=1)] = 1,
    page_size: Annotated[int, typer.Option(min=1, max=1000)] = 50,
    as_csv: Annotated[bool, typer.Option("--csv", help="CSV on stdout.")] = False,
    purpose: PurposeOpt = "revision",
) -> None:
    """Auditors' questions: which decisions used a rule, a parameter, a pack … ordered by decision time."""
    from adapters import bootstrap
    from audit.query import Filters, run_query

    filters = Filters(rule, param, pack, guideline, finding, outcome, month, municipality)
    with bootstrap.database().read() as s:
        rows, hidden = run_query(s, filters, page, page_size)
    bootstrap.access_log().record(bootstrap.actor(), purpose, "cli", "query", f"query:{filters.describe()}", [])
    cols = ("decided_at", "decision", "application", "month", "municipality", "outcome", "pack", "guideline")
    if as_csv:
        w = csv.writer(sys.stdout)
        w.writerow(cols)
        for r in rows:
            w.writerow([r[c] for c in cols])
    else:
        table = Table(title=f"Beslut — sida {page}")
        for c in cols:
            table.add_column(c)
        for r in rows:
            table.add_row(*[str(r[c]) for c in cols])
        Console().print(table)
    if hidden:
        print(f"{hidden} beslut med skyddade personuppgifter visas inte.", file=sys.stderr)


@audit_app.command("access")
def audit_access(
    as_json: Annotated[bool, typer.Option("--json")] = False,
    purpose: PurposeOpt = "registerutdrag",
) -> None:
    """A data subject's question: when, and why, was my data read? Reads the personnummer from stdin or a prompt."""
    from adapters import bootstrap
    from decision import personnummer as pnr

    text = sys.stdin.readline().strip() if not sys.stdin.isatty() else getpass.getpass("Personnummer: ").strip()
    try:
        number = pnr.normalise(text)
    except ValueError as e:
        raise InputError([FieldError("personnummer", str(e))]) from None
    log = bootstrap.access_log()
    log.record(bootstrap.actor(), purpose, "cli", "access_report", "person", [number])
    entries = log.accesses_of(number)
    if as_json:
        print(json.dumps([{"at": a.at.isoformat(), "purpose": a.purpose, "channel": a.channel,
                           "action": a.action} for a in entries], indent=2))
        return
    table = Table(title="Åtkomst till personens uppgifter")
    for c in ("Datum", "Ändamål", "Kanal", "Åtgärd"):
        table.add_column(c)
    for a in entries:
        table.add_row(a.at.isoformat()[:19], a.purpose, a.channel, a.action)
    Console().print(table)


@retention_app.command("purge")
def retention_purge(
    before: Annotated[str, typer.Option(help="Purge cases whose last note is before this date (YYYY-MM-DD).")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only list what would be purged.")] = False,
) -> None:
    """Delete the personal content of cases whose last note is before DATE (SoL 2025:400 16 kap. 1 §).

    Research-exempt records (configured counties, municipalities and birth days) are kept. Ids and
    hashes stay; a `purged` audit event is written per case; `audit verify` still passes.
    """
    from adapters import bootstrap
    from audit.retention import Exemptions, purge

    try:
        cutoff = date.fromisoformat(before)
    except ValueError:
        raise InputError([FieldError("--before", "must be a date YYYY-MM-DD")]) from None
    result = purge(bootstrap.database(), cutoff, Exemptions.from_settings(), bootstrap.actor(), dry_run)
    verb = "would purge" if dry_run else "purged"
    print(f"{verb} {len(result.purged)} case(s); kept {len(result.exempt)} research-exempt case(s)")
    for app_id in result.purged:
        print(f"  {verb}: {app_id}")
