"""Impact re-decision: decide stored cases again with the draft pack beside their baseline (docs/rule-lifecycle.md).

What ``finaid rules impact`` runs per case, in its own process or in spawned workers
(adapters/driving/lifecycle/impact_worker.py builds the ports from the rules' evaluator): the baseline is
the stored decision's pinned pack and guideline under today's code (so only the pack differs), the draft is
evaluated under the same guideline. Nothing is stored and no clock is read (the packs are pinned; a draft
covers its own months, or ``--as-month`` moves the case there). A supplementary application is decided
again, in both, against the earlier signed decision stored with it (``ImpactCase.earlier``), as replay does.
Only summaries leave: outcome, amounts in öre and finding codes — never a bundle, a name or a personnummer.
:func:`cases` reads the caseload through the unit of work.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from decision.basis import DecisionBasis, canonical_json, totals
from decision.bundle import CaseBundle
from decision.canonical import read_json
from decision.errors import FinaidError, InputError, RulesError
from decision.money import format_ore, parse_sum
from decision.ports import EarlierDecision
from decision.trace import Evaluation, StepKind
from decision.uow import ImpactCase, UnitOfWork
from decision.validation import parse_bundle

UNCOVERED = "a month the draft does not cover (use --as-month)"


@dataclass(frozen=True)
class ImpactPorts:
    """The evaluations impact needs: the pinned baseline, the draft, the draft's months, the month shift."""

    baseline: Callable[[CaseBundle, str, str, EarlierDecision | None], DecisionBasis]  # bundle, pins, earlier
    draft: Callable[[CaseBundle, str, EarlierDecision | None], DecisionBasis]  # bundle, guideline hash, earlier
    covers: Callable[[str], bool]  # the draft covers this month
    as_month: str | None = None
    shift: Callable[[CaseBundle], CaseBundle] | None = None  # to ``as_month``; ValueError: a later month
    # today's code version: a stored decision made by this code with its recorded pack and guideline IS what the
    # baseline would give (replay is byte-identical), so it is read instead of decided again (None: always decide)
    code_version: str | None = None
    # how a case's stored bundle is read (None: parse_bundle, every check of intake again); the worker reads one whose
    # recorded content hash it verified faster (adapters/driving/lifecycle/impact_read.py)
    parse: Callable[[ImpactCase], CaseBundle] | None = None
    # the draft's summary straight from its evaluation (evaluation_summary: no decision basis built; None: from
    # ``draft``'s basis) — the same summary, and the same error where the basis could not be built
    draft_summary: Callable[[CaseBundle, str, EarlierDecision | None], dict[str, Any]] | None = None


def summary(basis: DecisionBasis) -> dict[str, Any]:
    a = basis.amounts
    return {
        "outcome": basis.outcome,
        "proposed": parse_sum(a.proposed),
        "norm": parse_sum(a.norm),
        "costs": parse_sum(a.costs_accepted),
        "income": parse_sum(a.income_counted),
        "codes": sorted(f.code for f in basis.findings),
    }


_OUTCOMES = ("GRANT", "PARTIAL", "REJECT", "MANUAL")


def evaluation_summary(evaluation: Evaluation) -> dict[str, Any]:
    """``summary(build_basis(bundle, evaluation))`` without building the basis (its lines, facts, findings and /2
    parts: nothing of them but the finding codes is compared): the same totals, outcome and codes, and the same
    RulesError, in the same order, where ``build_basis`` refuses the trace (tests/unit/test_impact_summary.py)."""
    trace = evaluation.trace
    norm, costs, income, proposed = totals(trace)  # "no result line" / "does not equal", as build_basis
    outcomes = [s.value for s in trace if s.kind is StepKind.OUTCOME]
    if len(outcomes) != 1 or outcomes[0] not in _OUTCOMES:
        raise RulesError(f"the trace must hold exactly one outcome (found {len(outcomes)})")
    known = evaluation.facts
    cited = (s.inputs for s in trace if s.kind is StepKind.LINE or s.kind is StepKind.FINDING)
    missing = list(dict.fromkeys(fid for inputs in cited for fid in inputs if fid not in known))
    if missing:
        raise RulesError(f"the trace cites facts the evaluation does not know: {', '.join(missing[:5])}")
    return {
        "outcome": outcomes[0],
        "proposed": parse_sum(format_ore(proposed)),  # as summary() reads the basis' amounts back
        "norm": parse_sum(format_ore(norm)),
        "costs": parse_sum(format_ore(costs)),
        "income": parse_sum(format_ore(income)),
        "codes": sorted(s.code or s.rule for s in trace if s.kind is StepKind.FINDING),
    }


def stored_summary(case: ImpactCase, code_version: str | None) -> tuple[dict[str, Any], str] | None:
    """The stored decision's summary, and the month its basis is for, when it is the baseline as it stands: made by
    today's code (``code_version``) with the pack and guideline it records (its basis names the same hashes) and
    against the same earlier decision; else None (decide it again)."""
    if code_version is None or case.code_version != code_version:
        return None
    stored = read_json(case.basis_json)
    if stored["rules"]["hash"] != case.pack_hash or stored["guideline"]["hash"] != case.guideline_hash:
        return None
    earlier = stored.get("earlier_decision")  # decided against an earlier decision: the same one still stored
    if (earlier or {}).get("decision_id") != (case.earlier.decision_id if case.earlier is not None else None):
        return None
    a = stored["amounts"]
    return {
        "outcome": stored["outcome"],
        "proposed": parse_sum(a["proposed"]),
        "norm": parse_sum(a["norm"]),
        "costs": parse_sum(a["costs_accepted"]),
        "income": parse_sum(a["income_counted"]),
        "codes": sorted(f["code"] for f in stored["findings"]),
    }, str(stored["month"])


def redecide(ports: ImpactPorts, case: ImpactCase) -> dict[str, Any]:
    """One case: its baseline (the stored decision when today's code made it, else decided again with its pinned
    pack and guideline, and whether that replays identically), and the draft's summary (or why not)."""
    out: dict[str, Any] = {"application_id": case.application_id, "month": case.month, "protected": case.protected}
    stored = stored_summary(case, ports.code_version)
    if stored is not None and ports.as_month is None and not ports.covers(stored[1]):
        # its bundle is for that month too (the basis is decided from it): nothing to parse or decide
        return {**out, "baseline": stored[0], "baseline_from": "stored", "status": "skipped", "reason": UNCOVERED}
    try:
        bundle = ports.parse(case) if ports.parse is not None else parse_bundle(case.bundle_json)
        if stored is not None:
            out["baseline"], out["baseline_from"] = stored[0], "stored"
        else:
            base_basis = ports.baseline(bundle, case.pack_hash, case.guideline_hash, case.earlier)
            out["baseline"], out["baseline_from"] = summary(base_basis), "decided"
            out["replay_identical"] = base_basis.canonical_json() == canonical_json(read_json(case.basis_json))
    except FinaidError as e:
        reason = f"the stored decision cannot be replayed ({type(e).__name__})"
        return {**out, "status": "skipped", "reason": reason}
    if ports.as_month is not None and ports.shift is not None:
        try:
            bundle = ports.shift(bundle)
        except ValueError:
            return {**out, "status": "skipped", "reason": f"applied for a month after {ports.as_month}"}
        except InputError as e:
            paths = sorted({err.path.split("[")[0] for err in e.errors})
            return {**out, "status": "skipped", "reason": f"not valid in {ports.as_month}: {', '.join(paths)}"}
    elif not ports.covers(bundle.application.month):
        return {**out, "status": "skipped", "reason": UNCOVERED}
    try:
        if ports.draft_summary is not None:
            out["draft"] = ports.draft_summary(bundle, case.guideline_hash, case.earlier)
        else:
            out["draft"] = summary(ports.draft(bundle, case.guideline_hash, case.earlier))
    except FinaidError as e:
        return {**out, "status": "failed", "reason": f"the draft could not decide it ({type(e).__name__}: {e})"}
    out["status"] = "compared"
    return out


def cases(uow: UnitOfWork, month_from: str | None, month_to: str | None) -> tuple[list[ImpactCase], int]:
    """The caseload to re-decide: every application's current decision and sealed bundle; (cases, undecided)."""
    with uow:
        return uow.decisions.current(month_from, month_to)


def count(uow: UnitOfWork, month_from: str | None, month_to: str | None) -> tuple[int, int]:
    """How many cases :func:`pages` gives, and how many applications of those months have no decision."""
    with uow:
        return uow.decisions.current_count(month_from, month_to)


def pages(uow: UnitOfWork, month_from: str | None, month_to: str | None, page: int) -> Iterator[list[ImpactCase]]:
    """The caseload of :func:`cases` in pages of ``page``, read as they are used (never all in memory)."""
    with uow:
        yield from uow.decisions.current_pages(month_from, month_to, page)


__all__ = ["ImpactPorts", "cases", "count", "evaluation_summary", "pages", "redecide", "stored_summary", "summary"]
