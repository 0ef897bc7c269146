"""Impact analysis: re-decide the stored caseload with a draft pack before it is published.

For every application whose current revision has a current decision (optionally only months
``--from``..``--to``), the sealed bundle is decided twice — with the pack and guideline the decision
recorded (the baseline, under today's code, so only the pack differs) and with the draft under the
same guideline — and the two are compared: the proposed amount, the other amounts, the outcome and
the finding codes. With ``--as-month`` each bundle is first moved to that month
(:mod:`adapters.driving.lifecycle.asmonth`) and the report says so. A stored decision that today's code made
with the pack and guideline it records is its own baseline (deciding it again gives the same basis byte for
byte) unless ``redecide_baseline`` asks for every baseline to be decided again (docs/rule-lifecycle.md).

With one worker the caseload is read in pages from one cursor (adapters/driven/db/impact_reads.py). With more, this
process reads only the caseload's application ids (on PostgreSQL in a snapshot it exports and holds) and hands them
to the worker processes a chunk at a time; each worker reads its chunk's cases itself, in that snapshot, so no
bundle passes through this process or a pipe. The report is tallied as the results come back, in the caseload's
order (adapters/driving/lifecycle/impact_tally.py), so memory grows only by the ids, not by the caseload.

Nothing is written to decisions. Reading the caseload is logged once, with purpose
``impact_analysis``, before the report exists; the report (JSON and HTML: a histogram of amount
changes, the largest changes, application ids only, protected-identity cases counted but never
listed) goes to a new folder of mode 0700.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from adapters.driven.db.access import AccessLog
from adapters.driven.db.engine import Database
from adapters.driven.db.impact_reads import caseload_ids
from adapters.driven.db.uow import SqlUnitOfWork
from adapters.driving.lifecycle.asmonth import NOTE_EN, NOTE_SV
from adapters.driving.lifecycle.impact_tally import Tally
from adapters.driving.lifecycle.impact_worker import (
    CaseInput,
    ImpactEvaluator,
    decide_ids,
    draft_folder_of,
    init_worker,
)
from decision.errors import FinaidError
from decision.services import impact
from rules.catalog import Catalog, RulePack
from rules.version import code_version

SCHEMA = "finaid.impact-report/1"
CHUNK = 25  # cases per step in this process (one worker)
ID_CHUNK = 100  # application ids per task sent to a worker process, which reads those cases itself
PAGE = 500  # cases per page read from the database (one worker)
BASELINE_STORED = ("each stored decision itself where today's code made it with the pack and guideline it records "
                   "(it is what deciding it again gives); any other re-decided with its own pack and guideline "
                   "under today's code")
BASELINE_DECIDED = "each stored decision's own pack and guideline, re-decided with today's code"


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
    redecide_baseline: bool = False  # decide every baseline again (and check it replays), even one today's code made


@dataclass
class ImpactResult:
    report: dict[str, Any]
    folder: Path
    json_path: Path
    html_path: Path


def processes(cases: int, workers: int) -> int:
    """How many worker processes a run uses (none beside this one for a small caseload)."""
    chunks = -(-cases // CHUNK)
    return 1 if workers <= 1 or chunks <= 1 else min(workers, chunks)


def _chunks(pages: Iterable[list[CaseInput]]) -> Iterator[list[CaseInput]]:
    for page in pages:
        for i in range(0, len(page), CHUNK):
            yield page[i:i + CHUNK]


def run_cases(pages: Iterable[list[CaseInput]], evaluator: Callable[[], ImpactEvaluator]) -> Iterator[dict[str, Any]]:
    """Every case's result, in the caseload's order, decided in this process (one worker)."""
    one = evaluator()
    for chunk in _chunks(pages):
        yield from (one.decide(c) for c in chunk)


def run_pool(ids: list[str], procs: int, initargs: tuple[Any, ...]) -> Iterator[dict[str, Any]]:
    """Every case's result, in the caseload's order, from ``procs`` spawned worker processes: each is handed a chunk
    of application ids and reads those cases itself (``initargs`` ends with the database and the snapshot), so only
    ids go out and summaries come back; a few chunks in flight per worker."""
    ctx = mp.get_context("spawn")
    with ProcessPoolExecutor(max_workers=procs, mp_context=ctx, initializer=init_worker, initargs=initargs) as pool:
        pending: deque[Future[list[dict[str, Any]]]] = deque()
        size = max(CHUNK, min(ID_CHUNK, len(ids) // (4 * procs)))  # a small caseload still spread over the workers
        for i in range(0, len(ids), size):
            pending.append(pool.submit(decide_ids, ids[i:i + size]))
            while len(pending) > 3 * procs:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()


def cpu_seconds() -> float:
    """CPU time of this process and of its worker processes that have ended (a pool's, once it is shut down)."""
    import resource

    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def rate(cases: int, seconds: float, cpu: float, procs: int) -> str:
    """The run's cases/s beside the single-case figure: CPU per case, i.e. cases/s of one process on an idle core
    (issue 17: printed, never part of the report)."""
    per_s = cases / seconds if seconds > 0 else 0.0
    each = 1000 * cpu / cases if cases else 0.0
    return (f"re-decided {cases} case(s) in {seconds:.1f} s: {per_s:.0f} cases/s with {procs} worker process(es); "
            f"CPU {each:.2f} ms per case (single case in one process: {1000 / each if each else 0:.0f} cases/s)")


def build_report(
    tally: Tally, draft: RulePack, request: ImpactRequest, run_id: str, undecided: int, workers: int,
) -> dict[str, Any]:
    figures = tally.figures()
    return {
        "schema": SCHEMA,
        "run_id": run_id,
        "pack": {"id": draft.id, "hash": draft.hash, "state": draft.state, "months": [draft.month_from, draft.month_to],
                 "title": draft.title},
        "months": {"from": request.month_from, "to": request.month_to},
        "as_month": request.as_month,
        "workers": workers,
        "as_month_note": NOTE_EN.format(as_month=request.as_month) if request.as_month else None,
        "as_month_note_sv": NOTE_SV.format(as_month=request.as_month) if request.as_month else None,
        "baseline": BASELINE_DECIDED if request.redecide_baseline else BASELINE_STORED,
        "cases": {
            "analysed": tally.analysed,
            "compared": tally.compared,
            "skipped": dict(tally.skipped),
            "failed": dict(tally.failed),
            "current_revision_not_decided": undecided,
            "baseline_stored": tally.baseline_from["stored"],
            "baseline_redecided": tally.baseline_from["decided"],
            "baseline_differs_from_stored": tally.baseline_differs,
        },
        **figures,
    }


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
    count, undecided = impact.count(SqlUnitOfWork(db), request.month_from, request.month_to)
    procs = processes(count, request.workers)
    if progress:
        progress(f"re-deciding {count} stored case(s) with {draft.id} ({procs} worker(s))")
    folder_of_draft = draft_folder_of(draft)
    version = None if request.redecide_baseline else code_version()
    tally, persons = Tally(), dict[str, None]()  # the persons read, each once, in order
    started, cpu = time.perf_counter(), cpu_seconds()

    def add(rows: Iterable[dict[str, Any]]) -> None:
        for row in rows:
            persons.update(dict.fromkeys(row.pop("person_keys")))
            tally.add(row)

    if procs == 1:
        pages = impact.pages(SqlUnitOfWork(db), request.month_from, request.month_to, PAGE)
        add(run_cases(pages, lambda: ImpactEvaluator(folder_of_draft, request.as_month, catalog, version, access.key)))
    else:
        with caseload_ids(db, request.month_from, request.month_to) as (ids, snapshot):
            add(run_pool(ids, procs, (folder_of_draft, request.as_month, version, access.key,
                                      (db.url, db.schema, snapshot))))
    if progress:
        progress(rate(tally.analysed, time.perf_counter() - started, cpu_seconds() - cpu, procs))
    report = build_report(tally, draft, request, run_id, undecided, procs)
    # the caseload was read for this analysis: logged before anything is shown or written
    access.record(request.actor, "impact_analysis", request.channel, "impact", f"impact:{run_id}", [],
                  person_keys=persons)
    folder = _private_folder(request.out, f"impact-{draft.id}-{run_id}")
    json_path, html_path = folder / "impact.json", folder / "impact.html"
    _write(json_path, json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    peak = max((h["cases"] for h in report["histogram"]), default=0) or 1
    _write(html_path, environment().get_template("impact_report.html").render(r=report, peak=peak))
    return ImpactResult(report, folder, json_path, html_path)
