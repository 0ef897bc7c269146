"""The demo: decide the shipped synthetic example bundles and write their decision bases (``finaid demo run``),
and a whole night in minutes (``finaid demo night``). Called by adapters/driving/cli/demo.py with its services."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

from adapters.driven.render.html import render_basis_html
from decision.bundle_parts import BUNDLE_SCHEMA_V1 as V1
from decision.bundle_parts import BUNDLE_SCHEMA_V2 as V2
from decision.errors import ConfigurationError, InputError
from decision.services import deciding, intake
from decision.validation import parse_bundle
from rules.version import code_version

if TYPE_CHECKING:
    from adapters.bootstrap import Services


def run_examples(services: Services, examples: Path, out: Path, console: Console | None = None) -> list[Path]:
    console = console or Console(width=max(140, Console().width))
    files = sorted(examples.glob("*.json"))
    if not files:
        raise InputError([])  # pragma: no cover - the repo ships examples
    out.mkdir(parents=True, exist_ok=True)
    pipeline = services.pipeline
    catalog = services.catalog
    access = services.access_log
    actor = services.actor
    table = Table(title="finaid demo — syntetiska hushåll (inga verkliga personer)")
    for col in ("Ansökan", "Månad", "Förslag", "Belopp", "Fynd att bedöma", "Beslut-id", "Beslutsunderlag"):
        table.add_column(col)
    written: list[Path] = []
    for file in files:
        result = deciding.decide(
            services.uow(), pipeline, catalog, access, services.clock, parse_bundle(file.read_bytes()), actor=actor,
            code_version=code_version(), purpose="handlaggning", channel="cli",
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
    console.print(f"Besluten är lagrade i {services.database.url}; prova: finaid audit why <beslut-id>")
    return written


def _free_port() -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for_port(port: int, proc: Any, seconds: float = 60.0) -> None:
    import socket
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ConfigurationError("the sandbox registry stopped while starting (see sandbox.log)")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise ConfigurationError("the sandbox registry did not start within a minute (see sandbox.log)")


def run_night(services: Services, n: int, seed: int, out: Path, console: Console | None = None) -> Path:
    """The whole night in minutes: a fresh SQLite file, the sandbox on a free loopback port, N
    synthetic applications submitted, the batch with its progress bar, the morning report.

    Each household is submitted as case bundle /2 (adapters/devtools/synthetic_v2.py) when the pack its
    month selects as of the night's date accepts /2, otherwise as /1 (the same people and amounts): the
    night decides as of ``FINAID_TODAY`` (the Makefile's date), so the packs that take /2 are used once
    they are published. After the night, a few GRANT proposals are signed as the demo handler and a
    supplementary application for one of those household-months is submitted and decided by a second, small
    run of the batch (adapters/devtools/demo_signing.py), so that every part of /2 is shown."""
    import os
    import subprocess
    import sys
    import time
    from datetime import datetime

    from adapters.devtools.demo_signing import sign_and_supplement
    from adapters.devtools.synthetic import generate
    from adapters.devtools.synthetic_v2 import households_v2
    from adapters.driving.batch.progress import Reporter
    from adapters.driving.batch.runner import BatchConfig, batch_actor, run_batch
    from adapters.settings import settings
    from decision.bundle import CaseBundle
    from decision.pipeline import decision_day

    console = console or Console(width=max(140, Console().width))
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    work = (out / f"natt-{stamp}").resolve()
    work.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    env = {
        "FINAID_MODE": "demo",
        "FINAID_DB_URL": f"sqlite:///{work / 'finaid.db'}",
        "FINAID_SANDBOX_URL": f"http://127.0.0.1:{port}/ssbtek",
        "FINAID_REPORT_DIR": str(work / "reports"),
    }
    os.environ.update(env)
    settings.cache_clear()
    night = services.with_settings(settings())  # the night's own database, sandbox and report folder
    log = (work / "sandbox.log").open("w", encoding="utf-8")
    sandbox = subprocess.Popen(
        [sys.executable, "-m", "adapters.driving.cli", "sandbox", "serve", "--port", str(port), "--households",
         str(max(n, 1)), "--seed", str(seed)],
        env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        _wait_for_port(port, sandbox)
        console.print(f"Sandbox-SSBTEK (syntetiska uppgifter) på 127.0.0.1:{port}; databas {work / 'finaid.db'}")
        actor = "api:demo-e-tjanst"
        t = time.perf_counter()
        as_of = decision_day(night.clock.now())
        v2 = {}
        for one, h in zip(generate(n, seed), households_v2(n, seed), strict=True):
            two = h.bundle
            pack = night.catalog.pack_for(two["application"]["month"], as_of)
            raw = two if V2 in pack.manifest.get("accepts_bundles", [V1]) else one
            if raw is two:
                v2[two["application"]["id"]] = h
            intake.submit(night.uow(), night.catalog, night.clock, CaseBundle.model_validate_json(json.dumps(raw)),
                          actor)
        console.print(f"{n} syntetiska ansökningar mottagna, {len(v2)} som finaid.case-bundle/2 "
                      f"({time.perf_counter() - t:.1f} s). Nattkörningen startar.")
        cfg_s = settings()
        cfg = BatchConfig(
            db_url=cfg_s.db_url, db_schema=None, workers=1, actor=batch_actor(), report_dir=str(cfg_s.report_dir),
            demo=True,
        )
        reporter = Reporter(sys.stderr.isatty())
        start = time.perf_counter()
        with reporter:
            outcome = run_batch(cfg, reporter.on_result, night)
        reporter.done(outcome, time.perf_counter() - start)
        t = time.perf_counter()
        morning = sign_and_supplement(night, outcome.results, v2)
        extra = None
        if morning.supplement is not None:  # decided by the batch like any other application
            console.print(f"Demo-handläggaren har undertecknat {len(morning.signed)} förslag om bifall; en "
                          f"tilläggsansökan ({morning.supplement}) för samma hushåll och månad som "
                          f"{morning.supplement_of} har kommit in och beslutas "
                          f"({time.perf_counter() - t:.1f} s).")
            t = time.perf_counter()
            extra = run_batch(cfg, None, night)
            console.print(f"Tilläggsansökan beslutad ({time.perf_counter() - t:.1f} s).")
    finally:
        sandbox.terminate()
        try:
            sandbox.wait(timeout=10)
        except subprocess.TimeoutExpired:
            sandbox.kill()
        log.close()
    first: dict[str, str] = {}
    for r in outcome.results:
        if r.outcome and not r.protected and r.outcome not in first:
            first[r.outcome] = r.application_id
    console.print(f"\nMorgonrapporten: [bold]{outcome.report_html}[/bold]")
    for key in ("GRANT", "PARTIAL", "REJECT", "MANUAL"):
        if key in first:
            page = Path(cfg.report_dir).resolve() / "decisions" / (first[key] + ".html")
            console.print(f"  ett beslutsunderlag {key:8} {page}")
    if extra is not None and morning.supplement is not None:
        for r in extra.results:
            if r.application_id == morning.supplement:
                page = Path(cfg.report_dir).resolve() / "decisions" / (r.application_id + ".html")
                console.print(f"  en tilläggsansökan  {r.outcome or r.status:8} {page}")
                console.print(f"    (mot det undertecknade beslutet för {morning.supplement_of}; "
                              f"morgonrapport {extra.report_html})")
    console.print(f"Prova: FINAID_DB_URL=sqlite:///{work / 'finaid.db'} .venv/bin/finaid batch status")
    return outcome.report_html or work
