"""Impact analysis: re-decide the stored caseload with a draft pack before it is published.

For every application whose current revision has a current decision (optionally only months
``--from``..``--to``), the sealed bundle is decided twice — with the pack and guideline the decision
recorded (the baseline, under today's code, so only the pack differs) and with the draft under the
same guideline — and the two are compared: the proposed amount, the other amounts, the outcome and
the finding codes. With ``--as-month`` each bundle is first moved to that month
(:mod:`adapters.driving.lifecycle.asmonth`) and the report says so.

Nothing is written to decisions. Reading the caseload is logged once, with purpose
``impact_analysis``, before the report exists; the report (JSON and HTML: a histogram of amount
changes, the largest changes, application ids only, protected-identity cases counted but never
listed) goes to a new folder of mode 0700.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from adapters.driven.db.access import AccessLog
from adapters.driven.db.engine import Database
from adapters.driven.db.uow import SqlUnitOfWork
from adapters.driving.lifecycle.asmonth import NOTE_EN, NOTE_SV
from adapters.driving.lifecycle.impact_worker import CaseInput, ImpactEvaluator, decide_chunk, init_worker
from decision.errors import FinaidError
from decision.money import format_ore
from decision.services import impact
from rules.catalog import Catalog, RulePack

SCHEMA = "finaid.impact-report/1"
CHUNK = 25
# Histogram of the change of the proposed amount, in kronor: (label, low, high) with low < Δ ≤ high.
BINS: tuple[tuple[str, float, float], ...] = (
    ("< −5 000", float("-inf"), -5000.0),
    ("−5 000 … −2 000", -5000.0, -2000.0),
    ("−2 000 … −1 000", -2000.0, -1000.0),
    ("−1 000 … −500", -1000.0, -500.0),
    ("−500 … −100", -500.0, -100.0),
    ("−100 … 0", -100.0, -0.001),
    ("0", -0.001, 0.0),
    ("0 … 100", 0.0, 100.0),
    ("100 … 500", 100.0, 500.0),
    ("500 … 1 000", 500.0, 1000.0),
    ("1 000 … 2 000", 1000.0, 2000.0),
    ("2 000 … 5 000", 2000.0, 5000.0),
    ("> 5 000", 5000.0, float("inf")),
)
AMOUNT_KEYS = ("proposed", "norm", "costs", "income")


@dataclass(frozen=True)
class ImpactRequest:
    draft: str  # a draft id under a rules root's drafts/, or its folder
    month_from: str | None = None
    month_to: str | None = None
    as_month: str | None = None
    workers: int = 1
    out: Path = Path("var/reports")
    actor: str = ""
    channel: str = "cli"


@dataclass
class ImpactResult:
    report: dict[str, Any]
    folder: Path
    json_path: Path
    html_path: Path


def load_cases(db: Database, month_from: str | None, month_to: str | None) -> tuple[list[CaseInput], int]:
    """The sealed bundles and stored decisions of every application's current revision; (cases, undecided)."""
    return impact.cases(SqlUnitOfWork(db), month_from, month_to)


def processes(cases: int, workers: int) -> int:
    """How many worker processes a run uses (none beside this one for a small caseload)."""
    chunks = -(-cases // CHUNK)
    return 1 if workers <= 1 or chunks <= 1 else min(workers, chunks)


def run_cases(
    cases: list[CaseInput], draft: RulePack, as_month: str | None, workers: int, catalog: Catalog | None = None
) -> list[dict[str, Any]]:
    """Decide every case with the baseline and the draft; in spawned processes when ``workers`` > 1."""
    folder = str(Path(draft.folder).resolve())
    if processes(len(cases), workers) == 1:
        evaluator = ImpactEvaluator(folder, as_month, catalog)
        return [evaluator.decide(c) for c in cases]
    chunks = [cases[i:i + CHUNK] for i in range(0, len(cases), CHUNK)]
    ctx = mp.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=processes(len(cases), workers), mp_context=ctx, initializer=init_worker, initargs=(folder, as_month)
    ) as pool:
        out: list[dict[str, Any]] = []
        for part in pool.map(decide_chunk, chunks):
            out.extend(part)
    return out


def _bin(delta_ore: int) -> str:
    kr = delta_ore / 100
    for label, low, high in BINS:
        if low < kr <= high:
            return label
    return BINS[-1][0]  # pragma: no cover - the bins cover every number


def compare(row: dict[str, Any]) -> dict[str, Any]:
    """What changed for one compared case."""
    base, new = row["baseline"], row["draft"]
    before, after = Counter(base["codes"]), Counter(new["codes"])
    return {
        "application_id": row["application_id"],
        "month": row["month"],
        "outcome": [base["outcome"], new["outcome"]],
        "proposed": [format_ore(base["proposed"]), format_ore(new["proposed"])],
        "delta": new["proposed"] - base["proposed"],
        "amounts_changed": [k for k in AMOUNT_KEYS if base[k] != new[k]],
        "codes_added": sorted((after - before).elements()),
        "codes_removed": sorted((before - after).elements()),
    }


def build_report(
    results: list[dict[str, Any]], draft: RulePack, request: ImpactRequest, run_id: str, undecided: int
) -> dict[str, Any]:
    compared = [r for r in results if r["status"] == "compared"]
    rows = [{**compare(r), "protected": r["protected"]} for r in compared]
    changed = [c for c in rows if c["amounts_changed"] or c["outcome"][0] != c["outcome"][1]
               or c["codes_added"] or c["codes_removed"]]
    listed = [c for c in changed if not c["protected"]]

    def public(c: dict[str, Any]) -> dict[str, Any]:
        return {**{k: v for k, v in c.items() if k not in ("protected", "delta")}, "delta": format_ore(c["delta"])}

    hist = Counter(_bin(c["delta"]) for c in rows)
    transitions = Counter(f"{c['outcome'][0]}→{c['outcome'][1]}" for c in rows if c["outcome"][0] != c["outcome"][1])
    added = Counter(code for c in rows for code in set(c["codes_added"]))
    removed = Counter(code for c in rows for code in set(c["codes_removed"]))
    base_total = sum(r["baseline"]["proposed"] for r in compared)
    new_total = sum(r["draft"]["proposed"] for r in compared)
    largest = sorted((c for c in listed if c["delta"]), key=lambda c: (-abs(c["delta"]), c["application_id"]))[:25]
    return {
        "schema": SCHEMA,
        "run_id": run_id,
        "pack": {"id": draft.id, "hash": draft.hash, "state": draft.state, "months": [draft.month_from, draft.month_to],
                 "title": draft.title},
        "months": {"from": request.month_from, "to": request.month_to},
        "as_month": request.as_month,
        "workers": processes(len(results), request.workers),
        "as_month_note": NOTE_EN.format(as_month=request.as_month) if request.as_month else None,
        "as_month_note_sv": NOTE_SV.format(as_month=request.as_month) if request.as_month else None,
        "baseline": "each stored decision's own pack and guideline, re-decided with today's code",
        "cases": {
            "analysed": len(results),
            "compared": len(compared),
            "skipped": dict(Counter(r["reason"] for r in results if r["status"] == "skipped")),
            "failed": dict(Counter(r["reason"] for r in results if r["status"] == "failed")),
            "current_revision_not_decided": undecided,
            "baseline_differs_from_stored": sum(1 for r in compared if not r.get("replay_identical", True)),
        },
        "changed": {
            "cases": len(changed),
            "proposed": sum(1 for c in rows if c["delta"] != 0),
            "any_amount": sum(1 for c in rows if c["amounts_changed"]),
            "outcome": sum(1 for c in rows if c["outcome"][0] != c["outcome"][1]),
            "finding_codes": sum(1 for c in rows if c["codes_added"] or c["codes_removed"]),
            "increased": sum(1 for c in rows if c["delta"] > 0),
            "decreased": sum(1 for c in rows if c["delta"] < 0),
            "protected_not_listed": sum(1 for c in changed if c["protected"]),
        },
        "proposed_total": {
            "baseline": format_ore(base_total), "draft": format_ore(new_total),
            "delta": format_ore(new_total - base_total),
        },
        "outcomes": {
            "baseline": dict(Counter(r["baseline"]["outcome"] for r in compared)),
            "draft": dict(Counter(r["draft"]["outcome"] for r in compared)),
            "transitions": dict(sorted(transitions.items())),
        },
        "finding_codes": {"added": dict(sorted(added.items())), "removed": dict(sorted(removed.items()))},
        "histogram": [{"bin": label, "cases": hist.get(label, 0)} for label, _, _ in BINS],
        "largest_changes": [public(c) for c in largest],
        "changed_cases": [public(c) for c in listed],
    }


def _persons(bundle_json: str) -> list[str]:
    return [str(m["personnummer"]) for m in json.loads(bundle_json)["application"]["household"]]


def _private_folder(parent: Path, name: str) -> Path:
    parent.mkdir(parents=True, exist_ok=True)
    folder = parent / name
    folder.mkdir(mode=0o700)
    os.chmod(folder, 0o700)  # whatever the umask
    return folder


def _write(path: Path, text: str) -> None:
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)


def run_impact(
    request: ImpactRequest, db: Database, access: AccessLog, catalog: Catalog,
    progress: Callable[[str], None] | None = None,
) -> ImpactResult:
    from ulid import ULID

    from adapters.driven.render.html import environment

    draft = catalog.draft_pack(request.draft)
    if request.as_month is not None and not draft.covers(request.as_month):
        raise FinaidError(f"draft {draft.id} does not cover the as-month {request.as_month} "
                          f"({draft.month_from}..{draft.month_to})")
    run_id = str(ULID())
    cases, undecided = load_cases(db, request.month_from, request.month_to)
    if progress:
        progress(f"re-deciding {len(cases)} stored case(s) with {draft.id} ({request.workers} worker(s))")
    results = run_cases(cases, draft, request.as_month, request.workers, catalog)
    report = build_report(results, draft, request, run_id, undecided)
    # the caseload was read for this analysis: logged before anything is shown or written
    access.record(
        request.actor, "impact_analysis", request.channel, "impact", f"impact:{run_id}",
        [p for c in cases for p in _persons(c.bundle_json)],
    )
    folder = _private_folder(request.out, f"impact-{draft.id}-{run_id}")
    json_path, html_path = folder / "impact.json", folder / "impact.html"
    _write(json_path, json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    peak = max((h["cases"] for h in report["histogram"]), default=0) or 1
    _write(html_path, environment().get_template("impact_report.html").render(r=report, peak=peak))
    return ImpactResult(report, folder, json_path, html_path)
