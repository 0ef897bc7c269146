"""A short terminal summary of a decided case, for a handler at a terminal."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from decision.pipeline import Decided

OUTCOME_SV = {
    "GRANT": "bifall föreslås",
    "PARTIAL": "delvis bifall föreslås",
    "REJECT": "avslag föreslås",
    "MANUAL": "handläggaren måste bedöma",
}


def print_summary(decided: Decided, console: Console | None = None) -> None:
    console = console or Console()
    b = decided.basis
    console.print(f"[bold]{b.application_id}[/bold]  månad {b.month}  regelpaket {b.rules.pack}")
    console.print(f"Förslag: [bold]{b.outcome}[/bold] ({OUTCOME_SV[b.outcome]})")
    table = Table(show_header=True, header_style="bold")
    table.add_column("Regel")
    table.add_column("Belopp", justify="right")
    table.add_column("Skäl")
    for line in b.lines:
        table.add_row(line.rule, line.amount, line.reason)
    console.print(table)
    a = b.amounts
    console.print(
        f"Norm {a.norm} + kostnader {a.costs_accepted} − inkomster {a.income_counted} = föreslaget {a.proposed} kr"
    )
    for f in b.findings:
        mark = "[red]MANUELL[/red]" if f.severity == "manual" else "[yellow]notis[/yellow]"
        console.print(f"{mark} {f.code}: {f.reason}")
