"""``finaid case …``: decide, submit, list and fetch applications (case bundles)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from adapters.driving.cli.common import PurposeOpt, read_bundle_bytes, services
from decision.errors import ConfigurationError, FieldError, InputError

NAME = "case"
app = typer.Typer(help="Decide one application (a case bundle) and show the decision basis.", no_args_is_help=True)


@app.command("decide")
def case_decide(
    ctx: typer.Context,
    bundle: Annotated[Path, typer.Argument(help="The case bundle (finaid.case-bundle/1 or /2 JSON); '-' reads stdin.")],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the decision basis as JSON (the contract's form).")
    ] = False,
    html: Annotated[
        Path | None, typer.Option("--html", help="Also write the beslutsunderlag as HTML to this file.")
    ] = None,
    purpose: Annotated[
        str, typer.Option(help="Why you look at this case (logged in the access log).")
    ] = "handlaggning",
) -> None:
    """Decide one application for one month, store it, and show the proposal.

    The bundle is stored before it is evaluated; the proposal is stored with its rule pack, guideline
    and code version, and its id is printed on stderr. Prints the proposed outcome (GRANT, PARTIAL,
    REJECT or MANUAL), the amounts and every finding the handler must judge; --json prints the full
    decision basis, --html writes a beslutsunderlag in Swedish for the case file.
    """
    from adapters.driven.crash import crash_point
    from decision.services import deciding
    from decision.validation import parse_bundle
    from rules.version import code_version

    s = services(ctx)
    parsed = parse_bundle(read_bundle_bytes(bundle))
    result = deciding.decide(
        s.uow(),
        # no registry answers yet: fetch them first (the sandbox in demo mode; refuses unconfigured)
        s.pipeline if parsed.registry is not None else s.pipeline_with_registry(s.database),
        s.catalog, s.access_log, s.clock, parsed, actor=s.actor, code_version=code_version(), purpose=purpose,
        channel="cli", after_store=lambda: crash_point("after_store"),
    )
    decided = result.decided
    print(f"decision {result.decision_id}{'' if result.created else ' (already decided)'}", file=sys.stderr)
    if html is not None:
        from adapters.driven.render.html import render_basis_html

        html.write_text(render_basis_html(decided), encoding="utf-8")
    if as_json:
        sys.stdout.write(decided.basis.to_json())
    else:
        from adapters.driven.render.text import print_summary

        print_summary(decided)


def _bundle_files(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            files.extend(sorted(p.glob("*.json")))
        else:
            files.append(p)
    return files


@app.command("submit")
def case_submit(
    ctx: typer.Context,
    bundles: Annotated[list[Path], typer.Argument(help="Bundle files, or folders of *.json bundles.")],
) -> None:
    """Store bundles as received, for the nightly batch (idempotent by content; new content = new revision).

    Every valid bundle is stored; every invalid one is named with its bad fields (exit code 2).
    """
    from decision.services import intake
    from decision.validation import parse_bundle

    s = services(ctx)
    catalog = s.catalog
    actor = s.actor
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
        stored = intake.submit(s.uow(), catalog, s.clock, bundle, actor)
        new += stored.created
        same += not stored.created
    print(f"received {new} new revision(s); {same} already stored; {len(errors) and 'some'} invalid"
          if errors else f"received {new} new revision(s); {same} already stored", file=sys.stderr)
    if errors:
        raise InputError(errors)


@app.command("list")
def case_list(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(help="How many applications to show.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    purpose: PurposeOpt = "handlaggning",
) -> None:
    """Show recent applications, their state and current proposal (protected identities counted, not listed)."""
    from rich.console import Console
    from rich.table import Table

    s = services(ctx)
    store = s.store
    with store.db.read() as session:
        rows = store.recent(session, limit)
        hidden = store.count_protected(session)
    s.access_log.record(s.actor, purpose, "cli", "list", "applications", [])
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


@app.command("fetch")
def case_fetch(
    ctx: typer.Context,
    bundle: Annotated[Path, typer.Argument(help="The case bundle (finaid.case-bundle/1 or /2 JSON); '-' reads stdin.")],
    evidence: Annotated[
        Path | None, typer.Option(help="Also write each raw SSBTEK answer envelope into this folder.")
    ] = None,
    purpose: PurposeOpt = "handlaggning",
) -> None:
    """Fetch the registry answers for a bundle, store them with the case and print the sealed bundle.

    One SSBTEK call per adult (and per child with declared income, Skatteverket only); every
    answer carries its request id, fetch time and the sha256 of the raw envelope. Agencies that
    fail are recorded as unavailable, never guessed. Notices go to stderr. An existing registry
    is replaced by the fresh answers. The sealed bundle is stored as a new revision of its
    application (state ``fetched``) with its raw envelopes, and the read is written to the access log
    (docs/architecture.md, "Fetch"); deciding the printed bundle reuses that revision.
    """
    from decision.services import fetching
    from decision.validation import parse_bundle

    parsed = parse_bundle(read_bundle_bytes(bundle))
    s = services(ctx)
    source = s.registry_source(s.database)
    if source is None:
        raise ConfigurationError(
            "no registry is configured: set FINAID_SSBTEK_URL, FINAID_SSBTEK_CERT, FINAID_SSBTEK_KEY, "
            "FINAID_SSBTEK_CA, FINAID_SSBTEK_ORGANISATIONSNUMMER and FINAID_SSBTEK_AKTORSID "
            "(or FINAID_MODE=demo with the sandbox)"
        )
    out = fetching.fetch(s.uow(), source, s.catalog, s.access_log, s.clock, parsed, actor=s.actor, purpose=purpose)
    result, sealed = out.answers, out.sealed
    print(f"revision {out.stored.revision_id}{'' if out.stored.created else ' (already stored)'}", file=sys.stderr)
    if evidence is not None:
        evidence.mkdir(parents=True, exist_ok=True)
        for entry in result.entries:
            raw_env = source.evidence.get(entry.request_id)
            if raw_env is not None:
                (evidence / f"{entry.request_id.split(':')[0]}.xml").write_bytes(raw_env)
    for notice in result.notices:
        print(f"notice: {notice}", file=sys.stderr)
    for call in result.calls:
        if call.whole_call_error:
            print(f"warning: the call for {call.person} failed: {call.whole_call_error}", file=sys.stderr)
    print(json.dumps(sealed.to_json_dict(), ensure_ascii=False, indent=2))
