"""The demo: decide the shipped synthetic example bundles and write their decision bases."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table

from adapters import bootstrap
from adapters.render.html import render_basis_html
from adapters.service import decide_and_store
from decision.errors import InputError
from decision.validation import parse_bundle


def run_examples(examples: Path, out: Path, console: Console | None = None) -> list[Path]:
    console = console or Console(width=max(140, Console().width))
    files = sorted(examples.glob("*.json"))
    if not files:
        raise InputError([])  # pragma: no cover - the repo ships examples
    out.mkdir(parents=True, exist_ok=True)
    pipeline = bootstrap.pipeline()
    catalog = bootstrap.catalog()
    store = bootstrap.store()
    access = bootstrap.access_log()
    actor = bootstrap.actor()
    table = Table(title="finaid demo — syntetiska hushåll (inga verkliga personer)")
    for col in ("Ansökan", "Månad", "Förslag", "Belopp", "Fynd att bedöma", "Beslut-id", "Beslutsunderlag"):
        table.add_column(col)
    written: list[Path] = []
    for file in files:
        result = decide_and_store(
            parse_bundle(file.read_bytes()), pipeline=pipeline, catalog=catalog, store=store, access=access,
            actor=actor, purpose="handlaggning", channel="cli",
        )
        decided = result.decided
        basis = decided.basis
        html = out / f"{file.stem}.html"
        html.write_text(render_basis_html(decided), encoding="utf-8")
        (out / f"{file.stem}.json").write_text(basis.to_json(), encoding="utf-8")
        written.append(html)
        manual = sorted({f.code for f in basis.findings if f.severity == "manual"})
        table.add_row(
            basis.application_id, basis.month, basis.outcome, basis.amounts.proposed, ", ".join(manual) or "–",
            result.decision_id, html.name,
        )
    console.print(table)
    console.print(f"\nBeslutsunderlagen (HTML och JSON) finns i: [bold]{out.resolve()}[/bold]")
    console.print(f"Besluten är lagrade i {store.db.url}; prova: finaid audit why <beslut-id>")
    return written
