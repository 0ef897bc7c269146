"""``finaid audit …``: for auditors (internal control, JO, IVO, courts): head, verify, why, replay, query,
access and overrides (docs/audit.md)."""

from __future__ import annotations

import csv
import getpass
import json
import sys
from collections import Counter
from typing import TYPE_CHECKING, Annotated

import typer

from adapters.driving.cli.common import PurposeOpt, services
from audit.decided import stockholm
from decision.errors import FieldError, FinaidError, InputError

if TYPE_CHECKING:  # rich is imported by the commands that print a table, not by `finaid --help`
    from rich.table import Table

ACCESS_ACTION_SV = {
    "registry_read": "registeruppgifter hämtade", "fetch": "registeruppgifter hämtade",
    "fetch_again_kept": "registeruppgifter hämtade igen", "decide": "förslag framtaget", "view_case": "läste ärendet",
    "search": "sökte på personnummer", "access_report": "registerutdrag",
}


def print_table(table: Table) -> None:
    """A rich table, never ellipsized: as wide as its widest row needs even under a narrow ``COLUMNS`` (ids
    are copied from here into other commands, so they are never cut)."""
    from rich.console import Console
    from rich.measure import Measurement

    console = Console()
    need = Measurement.get(console, console.options.update_width(100_000), table).maximum
    if need > console.width:
        console = Console(width=need)
    console.print(table)

NAME = "audit"
app = typer.Typer(
    help="For auditors (internal control, JO, IVO, courts): why, replay, verify, query, access.",
    no_args_is_help=True,
)


def _parse_head(text: str | None, option: str = "--expected-head") -> tuple[int, str] | None:
    if text is None:
        return None
    seq, _, digest = text.partition(":")
    if not seq.isdigit() or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise InputError([FieldError(option, "must be SEQ:HASH (as printed by `finaid audit head`)")])
    return int(seq), digest


@app.command("head")
def audit_head(
    ctx: typer.Context,
    access: Annotated[bool, typer.Option("--access", help="The access log's head instead.")] = False,
    both: Annotated[bool, typer.Option("--both", help="Both heads, one per line: audit, then access.")] = False,
) -> None:
    """Print the audit chain's head as SEQ:HASH — publish or countersign it elsewhere (docs/audit.md)."""
    from adapters.driven.db.audit_store import heads

    with services(ctx).database.read() as s:
        got = heads(s)
    if both:
        print(f"audit {got['audit']}\naccess {got['access']}")
    else:
        print(got["access" if access else "audit"])


@app.command("verify")
def audit_verify(
    ctx: typer.Context,
    expected_head: Annotated[
        str | None, typer.Option(help="A published audit-chain head SEQ:HASH the chain must still contain.")
    ] = None,
    expected_access_head: Annotated[
        str | None, typer.Option(help="A published access-log head SEQ:HASH (`finaid audit head --access`).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Walk the audit and access chains and check every stored record against its recorded hash.

    Names any altered, removed, inserted, reordered or truncated event; reports purged content as
    lawful deletion. Exit code 0 when intact, 1 when anything was tampered with.
    """
    from adapters.driven.db.audit_store import verify

    head = _parse_head(expected_head)
    access_head = _parse_head(expected_access_head, "--expected-access-head")
    with services(ctx).database.read() as s:
        report = verify(s, head, access_head)
    problems = report.all_problems()
    if as_json:
        print(json.dumps({
            "ok": report.ok, "audit_events": report.audit.events, "access_entries": report.access.events,
            "head": f"{report.audit.head_seq}:{report.audit.head_hash}", "problems": problems,
            "lawful_deletions": report.lawful, "decisions": report.checked_decisions,
            "revisions": report.checked_revisions,
            "access_head": f"{report.access.head_seq}:{report.access.head_hash}",
            "rows_before_record_hashes": report.legacy, "not_judged_against_a_broken_chain": report.unjudged,
        }, indent=2))
    else:
        print(f"audit log: {report.audit.events} events, head {report.audit.head_seq}:{report.audit.head_hash}")
        print(f"access log: {report.access.events} entries, head {report.access.head_seq}:{report.access.head_hash}")
        print(f"checked {report.checked_decisions} decisions and {report.checked_revisions} revisions")
        for table, n in sorted(report.legacy.items()):
            print(f"{table}: {n} row(s) from before record hashes, checked against their events' fields")
        if report.unjudged:
            print(f"{len(report.unjudged)} record check(s) not judged against the broken audit chain")
        for line in report.lawful:
            print(f"lawful deletion: {line}")
        for p in problems:
            print(f"TAMPERED: {p}")
        print("OK: the trail is intact" if report.ok else f"FAILED: {len(problems)} problem(s)")
    if not report.ok:
        raise typer.Exit(1)


@app.command("why")
def audit_why(
    ctx: typer.Context,
    decision_id: Annotated[str, typer.Argument(help="The decision id (a ULID, printed by `case decide`).")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
    purpose: PurposeOpt = "revision",
) -> None:
    """Show a decision exactly as the handler saw it: amounts, rules, laws, facts with provenance, history."""
    from adapters.driven.db.audit_store import load_why
    from adapters.driven.db.models import Revision
    from audit.why import render_text

    store = services(ctx).store
    with store.db.read() as s:
        why = load_why(s, decision_id)
        rev = s.get(Revision, why.decision["revision"])
        people = _people(rev.bundle_json if rev else None)
    services(ctx).access_log.record(services(ctx).actor, purpose, "cli", "why", f"decision:{decision_id}", people)
    if as_json:
        print(json.dumps(why.to_json(), ensure_ascii=False, indent=2))
    else:
        sys.stdout.write(render_text(why))


def _people(bundle_json: str | None) -> list[str]:
    if not bundle_json:
        return []
    data = json.loads(bundle_json)
    return [m["personnummer"] for m in data["application"]["household"]]


@app.command("replay")
def audit_replay(
    ctx: typer.Context,
    decision_id: Annotated[str | None, typer.Argument(help="One decision to replay.")] = None,
    month_from: Annotated[str | None, typer.Option("--from", help="First month (YYYY-MM) to replay.")] = None,
    month_to: Annotated[str | None, typer.Option("--to", help="Last month (YYYY-MM) to replay.")] = None,
    purpose: PurposeOpt = "revision",
) -> None:
    """Decide sealed bundles again with their pinned pack and guideline and compare the bytes.

    Reports identical / different with the same code / different because the code changed / failed.
    Exit code 1 when any decision differs with the same code or fails.
    """
    from audit.replay import DIFFERENT_SAME_CODE, FAILED, ReplayResult, verdict
    from decision.services import replaying
    from rules.version import code_version

    if decision_id is None and not (month_from and month_to):
        raise InputError([FieldError("DECISION_ID", "give a decision id, or --from and --to")])
    s = services(ctx)
    version = code_version()
    ids = [decision_id] if decision_id is not None else replaying.between(s.uow(), str(month_from), str(month_to))
    results: list[ReplayResult] = []
    for start in range(0, len(ids), 500):
        chunk = replaying.replay(s.uow(), s.pipeline, ids[start:start + 500])
        results.extend(verdict(r, version) for r in chunk)
    if decision_id is not None and not results:
        raise FinaidError(f"no decision {decision_id}")
    services(ctx).access_log.record(
        services(ctx).actor, purpose, "cli", "replay", decision_id or f"months:{month_from}..{month_to}", []
    )
    for r in results:
        print(f"{r.decision_id} {r.verdict}{': ' + r.detail if r.detail else ''}")
    counts = Counter(r.verdict for r in results)
    print("summary: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) if results else "no decisions")
    if counts[DIFFERENT_SAME_CODE] or counts[FAILED]:
        raise typer.Exit(1)


@app.command("query")
def audit_query(
    ctx: typer.Context,
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
    final: Annotated[bool, typer.Option(
        "--final", help="Only proposals whose signed decision stands (not refused, waiting or superseded), with the "
                        "final outcome; --outcome may then be beviljat, delvis_beviljat or avslag.")] = False,
    purpose: PurposeOpt = "revision",
) -> None:
    """Auditors' questions: which decisions used a rule, a parameter, a pack … ordered by decision time."""
    from adapters.driven.db.audit_store import run_query
    from audit.query import Filters

    filters = Filters(rule, param, pack, guideline, finding, outcome, month, municipality)
    with services(ctx).database.read() as s:
        rows, hidden = run_query(s, filters, page, page_size, final=final)
    services(ctx).access_log.record(services(ctx).actor, purpose, "cli", "query",
                                    f"query:{filters.describe()}{',final' if final else ''}", [])
    cols: tuple[str, ...] = ("decided_at", "decision", "application", "month", "municipality", "outcome", "pack",
                             "guideline")
    if final:
        cols += ("final_outcome", "final_action", "signed_at", "sign_off")
    if as_csv:
        w = csv.writer(sys.stdout)
        w.writerow(cols)
        for r in rows:
            w.writerow([r[c] for c in cols])
    else:
        from rich.table import Table

        table = Table(title=f"{'Slutliga beslut' if final else 'Beslut'} — sida {page}")
        for c in cols:
            table.add_column(c, no_wrap=True, overflow="fold")
        for r in rows:
            table.add_row(*[str(r[c]) for c in cols])
        print_table(table)
    if hidden:
        print(f"{hidden} beslut med skyddade personuppgifter visas inte.", file=sys.stderr)


@app.command("access")
def audit_access(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    purpose: PurposeOpt = "registerutdrag",
) -> None:
    """A data subject's question: when, and why, was my data read? Reads the personnummer from stdin or a prompt."""
    from decision import personnummer as pnr

    text = sys.stdin.readline().strip() if not sys.stdin.isatty() else getpass.getpass("Personnummer: ").strip()
    try:
        number = pnr.normalise(text)
    except ValueError as e:
        raise InputError([FieldError("personnummer", str(e))]) from None
    log = services(ctx).access_log
    log.record(services(ctx).actor, purpose, "cli", "access_report", "person", [number])
    entries = log.accesses_of(number)
    if as_json:
        print(json.dumps([{"at": a.at.isoformat(), "actor": a.actor, "purpose": a.purpose, "channel": a.channel,
                           "action": a.action, "subject": a.subject} for a in entries], indent=2))
        return
    from rich.table import Table

    table = Table(title="Åtkomst till personens uppgifter (tider i Europe/Stockholm)")
    for c in ("Tid", "Vem", "Ändamål", "Kanal", "Åtgärd", "Ärende"):
        table.add_column(c, no_wrap=True, overflow="fold")
    for a in entries:
        table.add_row(stockholm(a.at) or "", a.actor, a.purpose, a.channel, ACCESS_ACTION_SV.get(a.action, a.action),
                      a.subject)
    print_table(table)


@app.command("overrides")
def audit_overrides(
    ctx: typer.Context,
    month_from: Annotated[str | None, typer.Option("--from", help="First month (YYYY-MM).")] = None,
    month_to: Annotated[str | None, typer.Option("--to", help="Last month (YYYY-MM).")] = None,
    municipality: Annotated[str | None, typer.Option(help="Municipality code.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    final: Annotated[bool, typer.Option(
        "--final", help="Count only decisions that stand: not refused, still waiting or superseded.")] = False,
    purpose: Annotated[str, typer.Option(help="Why you read this (access log).")] = "uppfoljning",
) -> None:
    """Per rule and reason code: how often handlers amend or reject finaid's proposal (protected cases not counted)."""
    from adapters.driving.web.queries import StatsFilter, override_statistics

    db = services(ctx).database
    with db.read() as s:
        stats = override_statistics(s, None, StatsFilter(month_from, month_to, municipality, final))
    services(ctx).access_log.record(services(ctx).actor, purpose, "report", "overrides", "statistics", [])
    if as_json:
        print(json.dumps(stats, indent=2, ensure_ascii=False))
        return
    if final:
        print("only decisions that stand (final, not superseded)")
    print("sign-offs: " + (", ".join(f"{k} {v}" for k, v in sorted(stats["sign_offs"].items())) or "none"))
    print(f"{'rule':40} {'signed':>7} {'amended':>8} {'rejected':>9} {'share':>6}")
    for r in stats["rules"]:
        share = f"{r['amended_share']:.0%}" if r["amended_share"] is not None else "–"
        print(f"{r['rule']:40} {r['signed']:>7} {r['amended']:>8} {r['rejected']:>9} {share:>6}")
    if stats["reason_codes"]:
        print("\nreason codes:")
        for c in stats["reason_codes"]:
            print(f"  {c['rule']:38} {c['reason_code']:44} {c['count']:>5}")
