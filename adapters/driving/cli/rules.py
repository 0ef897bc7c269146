"""CLI: ``finaid rules …`` — the rule-pack lifecycle (docs/rule-lifecycle.md).

list / show / diff (what the packs say), which (which pack a decision would use), coverage (law → rule
→ test), verify (published packs are unchanged), publish (a draft becomes a published pack), impact
(a draft tried on the stored caseload before it is published).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from adapters.driving.cli.common import day as _day
from adapters.driving.cli.common import month as _month
from adapters.driving.cli.common import print_json as _print_json
from adapters.driving.cli.common import services
from decision.errors import FieldError, InputError, RulesError

NAME = "rules"
app = typer.Typer(
    help=(
        "Rule packs and municipal guidelines: what they say, which one a decision uses, whether the published "
        "ones are unchanged, publishing a new one, and its impact on past cases before it is published."
    ),
    no_args_is_help=True,
)


@app.command("list")
def rules_list(
    ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False
) -> None:
    """Every rule pack and guideline: published, drafts, and any that no longer match their lock."""
    from adapters.driving.lifecycle.compare import listing

    rows = listing(services(ctx).catalog)
    if as_json:
        _print_json(rows)
        return
    print(f"{'id':34} {'kind':9} {'state':10} {'months / municipalities':24} {'published':10} hash")
    for r in rows:
        scope = f"{r['months']['from']}..{r['months']['to']}" if r["kind"] == "pack" else ",".join(r["municipalities"])
        print(f"{r['id']:34} {r['kind']:9} {r['state']:10} {scope:24} {r['published_at'] or '-':10} {r['hash'][:19]}")


@app.command("show")
def rules_show(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="A pack or guideline id, a draft id, or a draft's folder.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Every parameter (values by date, status, source, legal reference) and every rule (legal reference, status)."""
    from adapters.driving.lifecycle.compare import resolve, show

    data = show(resolve(services(ctx).catalog, ref))
    if as_json:
        _print_json(data)
        return
    print(f"{data['id']} — {data['title']}")
    print(f"  {data['kind']}, {data['state']}, published {data['published_at'] or '-'} ({data['decision'] or '-'})")
    if data["kind"] == "pack":
        print(f"  months {data['months']['from']}..{data['months']['to']}; law: {data['law']}")
    print(f"  hash {data['hash']}\n  folder {data['folder']}\n\nParameters")
    for p in data["parameters"]:
        print(f"  {p['path']} ({p['unit']}) — {p['description']['sv']}\n    legal reference: {p['legal_reference']}")
        for v in p["values"]:
            print(f"    from {v['since']}: {v['value']:>10}  [{v['status']}]  {v['source']}")
    if data["kind"] == "pack":
        print("\nRules")
        for r in data["rules"]:
            extra = f" {r['code']} ({r['severity']})" if r["code"] else ""
            print(f"  {r['rule']} — {r['kind']}{extra}")
            for ref_ in r["legal_reference"]:
                print(f"    from {ref_['from']}: {ref_['text']}  [{ref_['status']}]")


@app.command("diff")
def rules_diff(
    ctx: typer.Context,
    a: Annotated[str, typer.Argument(help="The first pack or guideline (id, draft id, or folder).")],
    b: Annotated[str, typer.Argument(help="The second.")],
    changed_only: Annotated[bool, typer.Option("--changed", help="Only rows that differ.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Parameters (per value date) and rules side by side, each with its legal reference and status."""
    from adapters.driving.lifecycle.compare import diff, resolve

    catalog = services(ctx).catalog
    left, right = resolve(catalog, a), resolve(catalog, b)
    if type(left) is not type(right):
        raise RulesError(f"{a} and {b} are not both packs or both guidelines")
    rows = [r for r in diff(left, right) if r.changed or not changed_only]
    if as_json:
        _print_json({"a": left.id, "b": right.id, "rows": [r.to_json() for r in rows]})
        return
    print(f"{'':2}{'what':48} | {left.id:58} | {right.id}")
    for r in rows:
        mark = "≠ " if r.changed else "  "
        print(f"{mark}{r.section + ' ' + r.key:48} | {r.a[:58]:58} | {r.b[:58]}")
    print(f"\n{sum(r.changed for r in rows)} of {len(rows)} rows differ")


@app.command("which")
def rules_which(
    ctx: typer.Context,
    month: Annotated[str, typer.Option("--month", help="The month applied for (YYYY-MM).")],
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="The decision's date (YYYY-MM-DD); default today.")
    ] = None,
    municipality: Annotated[str, typer.Option(help="The municipality (for its guideline).")] = "1287",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Which pack (and guideline) a decision for MONTH made on AS-OF would use: the latest published covering it."""
    from decision.pipeline import decision_day

    _month(month, "--month")
    day = _day(as_of, "--as-of") if as_of else decision_day(services(ctx).clock.now())
    catalog = services(ctx).catalog
    try:
        pack = catalog.pack_for(month, day)
    except InputError as e:
        if as_json:
            _print_json({"month": month, "as_of": day.isoformat(), "pack": None, "reason": e.errors[0].message})
        else:
            print(f"none: {e.errors[0].message}")
        raise typer.Exit(3) from None
    guideline = catalog.guideline_for(municipality, day)
    published = pack.published_at.isoformat() if pack.published_at else None
    data = {
        "month": month, "as_of": day.isoformat(),
        "pack": {"id": pack.id, "hash": pack.hash, "published_at": published},
        "guideline": {"id": guideline.id, "hash": guideline.hash},
    }
    if as_json:
        _print_json(data)
        return
    print(f"{month} as of {day}: {pack.id} (published {published}, {pack.hash}); "
          f"guideline {guideline.id} for {municipality}")


@app.command("draft")
def rules_draft(
    ctx: typer.Context,
    new_id: Annotated[str, typer.Argument(help="The new pack's id (never reused), e.g. sol2025_400_2027_v1.")],
    source: Annotated[str, typer.Option("--from", help="The published pack or guideline to start from.")],
    months: Annotated[str | None, typer.Option(help="The new pack's months, FROM..TO (e.g. 2027-01..2027-12).")] = None,
) -> None:
    """Copy a published pack (or guideline) into drafts/ under a new id, to edit; drafts are never selected."""
    from adapters.driving.lifecycle.drafts import new_draft
    from rules.catalog import PACKAGE_DIR, search_roots

    span: tuple[str, str] | None = None
    if months is not None:
        first, _, last = months.partition("..")
        span = (str(_month(first, "--months")), str(_month(last, "--months")))
        if span[0] > span[1]:
            raise InputError([FieldError("--months", "FROM must not be after TO")])
    roots = search_roots()
    root = roots[-1]  # $FINAID_RULES_DIR when set: a municipality never edits the installed package
    folder = new_draft(services(ctx).catalog, source, new_id, root, span)
    where = "the installed package (set FINAID_RULES_DIR for your own rules)" if root == PACKAGE_DIR else str(root)
    is_pack = (folder / "rulesets").is_dir()
    check = f"finaid rules coverage --pack {new_id}" if is_pack else f"finaid rules show {new_id}"
    print(f"draft {new_id} in {folder} ({where}); edit it, then: {check}")


@app.command("verify")
def rules_verify() -> None:
    """Fail (exit 1) if a published pack or guideline changed since it was locked; tests/ may change freely."""
    from adapters.driving.lifecycle.publish import verify
    from rules.catalog import search_roots

    report = verify(search_roots())
    for problem in report.problems:
        print(f"error: {problem}", file=sys.stderr)
    if not report.ok:
        raise typer.Exit(1)
    print(f"ok: {report.checked['pack']} published pack(s) and {report.checked['guideline']} guideline(s) "
          "match their locks")


@app.command("publish")
def rules_publish(
    ctx: typer.Context,
    draft: Annotated[str, typer.Argument(help="The draft's id (in <rules root>/drafts/) or its folder.")],
    published_at: Annotated[str, typer.Option("--published-at", help="From this date (YYYY-MM-DD) decisions "
                                              "select it.")],
    decision: Annotated[str, typer.Option("--decision", help="The decision that publishes it (e.g. the board's "
                                          "minutes reference).")],
    changelog: Annotated[
        Path | None, typer.Option(help="The CHANGELOG that must name it (default: the root's).")
    ] = None,
) -> None:
    """Publish a draft: its tests pass and cover every rule, the CHANGELOG says what, why and from which law;
    it moves into packs/ (or guidelines/), its hash is locked, and an audit event is written."""
    from adapters.driven.db.trail import append_event
    from adapters.driving.lifecycle.publish import move_into_place, prepare, undo

    day = _day(published_at, "--published-at")
    catalog = services(ctx).catalog
    kind, folder, root, warnings = prepare(catalog, draft, day, decision, changelog)
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    db = services(ctx).database
    actor = services(ctx).actor
    done = move_into_place(kind, folder, root, day, decision)
    try:
        with db.transaction() as s:
            append_event(
                s, actor, "rules_published", f"{'rule_pack' if kind == 'pack' else 'guideline'}:{done.id}",
                {"kind": kind, "id": done.id, "hash": done.hash, "published_at": day.isoformat(), "decision": decision,
                 "root": str(root)},
                services(ctx).clock.now(),
            )
    except BaseException:
        undo(done)
        raise
    print(f"published {kind} {done.id} {done.hash} from {day} ({decision}); locked in {root}")


@app.command("coverage")
def rules_coverage(
    ctx: typer.Context,
    pack: Annotated[str | None, typer.Option("--pack", help="Only this pack (id or draft).")] = None,
    check: Annotated[
        bool, typer.Option("--check", help="Exit 1 if any rule lacks a legal reference or a test.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Per pack, every rule with its legal reference and the scenario tests whose traces include it."""
    from adapters.driving.lifecycle.coverage import coverage
    from adapters.driving.lifecycle.scenarios import ScenarioRunner, scenario_packs

    catalog = services(ctx).catalog
    packs = scenario_packs(catalog)
    if pack is not None:
        packs = [p for p in packs if p.id == pack] or [catalog.draft_pack(pack)]
    result = coverage(ScenarioRunner(catalog), packs)
    if pack is not None:
        result.code_problems = []  # the "why not" rules are covered by all packs' tests together
    if as_json:
        _print_json(result.to_json())
    else:
        for pc in result.packs:
            print(f"{pc.pack} ({pc.state}): {len(pc.rules)} rules, {pc.scenarios} scenario tests")
            for r in pc.rules:
                print(f"  {r.rule:38} {len(r.scenarios):4} test(s)  [{r.status}] {r.legal_reference}")
        print("rules outside the packs (rules/why_not.py; covered by the code version)")
        for r in result.code_rules:
            print(f"  {r.rule:38} {len(r.scenarios):4} test(s)  [{r.status}] {r.legal_reference}")
    for pc in result.packs:
        for warning in pc.warnings:
            print(f"warning: {pc.pack}: {warning}", file=sys.stderr)
    for problem in result.problems:
        print(f"problem: {problem}", file=sys.stderr)
    if check and result.problems:
        raise typer.Exit(1)


@app.command("impact")
def rules_impact(
    ctx: typer.Context,
    pack: Annotated[str, typer.Option("--pack", help="The draft pack (id under drafts/, or its folder).")],
    month_from: Annotated[str | None, typer.Option("--from", help="First month of stored cases (YYYY-MM).")] = None,
    month_to: Annotated[str | None, typer.Option("--to", help="Last month of stored cases (YYYY-MM).")] = None,
    as_month: Annotated[str | None, typer.Option("--as-month", help="Decide each case as if applied for this month "
                                                 "(YYYY-MM).")] = None,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes.")] = 2,
    out: Annotated[Path | None, typer.Option(help="Parent folder of the report (default: FINAID_REPORT_DIR).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    redecide_baseline: Annotated[bool, typer.Option(
        "--redecide-baseline", help="Decide every stored case again for the baseline (and report those that no "
        "longer replay), also those today's code decided (by default their stored decision is the baseline).",
    )] = False,
) -> None:
    """Re-decide the stored caseload with a draft pack and report what would change (nothing is written to
    decisions; the read is logged with purpose impact_analysis)."""
    from adapters.driving.lifecycle.impact import ImpactRequest, run_impact

    request = ImpactRequest(
        draft=pack, month_from=_month(month_from, "--from"), month_to=_month(month_to, "--to"),
        as_month=_month(as_month, "--as-month"), workers=workers,
        out=out or Path(services(ctx).settings.report_dir), actor=services(ctx).actor, channel="cli",
        redecide_baseline=redecide_baseline,
    )
    result = run_impact(
        request, services(ctx).database, services(ctx).access_log, services(ctx).catalog,
        progress=lambda msg: print(msg, file=sys.stderr),
    )
    r = result.report
    if as_json:
        _print_json(r)
    else:
        c, ch = r["cases"], r["changed"]
        print(f"{r['pack']['id']}: {c['compared']} case(s) compared, {ch['cases']} changed "
              f"({ch['increased']} up, {ch['decreased']} down, {ch['outcome']} outcome, "
              f"{ch['finding_codes']} findings)")
        print(f"proposed per month: {r['proposed_total']['baseline']} -> {r['proposed_total']['draft']} "
              f"(delta {r['proposed_total']['delta']})")
        if r["as_month"]:
            print(f"as if applied for {r['as_month']}: {r['as_month_note']}")
        for reason, n in {**c["skipped"], **c["failed"]}.items():
            print(f"not compared: {n} ({reason})")
    print(f"report: {result.html_path}", file=sys.stderr)
    print(f"report: {result.json_path}", file=sys.stderr)
