"""Impact's draft summary straight from the evaluation (decision/services/impact.py, ``evaluation_summary``) is what
the summary of the full decision basis gives (``summary(build_basis(...))``), and refuses a trace build_basis refuses
with the same error: impact compares only summaries, so the basis need not be built for the draft."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from decision.basis import RESULT_RULE, build_basis
from decision.errors import FinaidError, RulesError
from decision.services.impact import evaluation_summary, summary
from decision.trace import Evaluation, StepKind
from decision.validation import parse_bundle
from rules.catalog import Catalog
from rules.evaluator import PackEvaluator

ROOT = Path(__file__).resolve().parents[2]
BUNDLES = sorted((ROOT / "examples").glob("bundles*/*.json"))
CATALOG = Catalog()
EVALUATOR = PackEvaluator(CATALOG)
PACKS = [*CATALOG.packs.values(), *(CATALOG.draft_pack(name) for name in sorted(CATALOG.draft_folders()))]


def _evaluations() -> list[tuple[str, Evaluation]]:
    out = []
    for path in BUNDLES:
        bundle = parse_bundle(path.read_bytes())
        for pack in PACKS:
            guideline = CATALOG.guideline_for(bundle.application.municipality)
            try:
                out.append((f"{path.name}/{pack.id}", EVALUATOR.evaluate_with(bundle, pack, guideline)))
            except FinaidError:
                continue  # a bundle version this pack does not accept
    return out


EVALUATIONS = _evaluations()


def _outcome(f: Callable[..., Any], *args: object) -> object:
    try:
        return f(*args)
    except RulesError as e:
        return f"RulesError: {e}"


def test_every_pack_and_draft_decides_the_examples() -> None:
    assert len(EVALUATIONS) >= len(BUNDLES) * 2  # each bundle under several packs, published and draft


@pytest.mark.parametrize(("name", "evaluation"), EVALUATIONS, ids=[n for n, _ in EVALUATIONS])
def test_the_summary_equals_the_summary_of_the_basis(name: str, evaluation: Evaluation) -> None:
    bundle = parse_bundle(next(p for p in BUNDLES if p.name == name.split("/", maxsplit=1)[0]).read_bytes())
    assert evaluation_summary(evaluation) == summary(build_basis(bundle, evaluation))


def _broken(evaluation: Evaluation) -> list[Evaluation]:
    """Traces build_basis refuses: no outcome, two outcomes, an unknown outcome, no result line, a result line that
    does not add up, a line or finding citing an unknown fact."""
    trace = evaluation.trace
    outcome = next(i for i, s in enumerate(trace) if s.kind is StepKind.OUTCOME)
    result = max(i for i, s in enumerate(trace) if s.kind is StepKind.LINE and s.amount is not None
                 and s.rule == RESULT_RULE)
    line = next(i for i, s in enumerate(trace) if s.kind is StepKind.LINE and s.inputs)
    cases = [
        trace[:outcome] + trace[outcome + 1:],
        (*trace, trace[outcome]),
        trace[:outcome] + (replace(trace[outcome], value="MAYBE"),) + trace[outcome + 1:],
        trace[:result] + trace[result + 1:],
        trace[:result] + (replace(trace[result], amount=(trace[result].amount or 0) + 1),) + trace[result + 1:],
        trace[:line] + (replace(trace[line], inputs=(*trace[line].inputs, "fact:nowhere")),) + trace[line + 1:],
    ]
    findings = [i for i, s in enumerate(trace) if s.kind is StepKind.FINDING]
    if findings:
        i = findings[0]
        cases.append(trace[:i] + (replace(trace[i], inputs=("fact:nowhere2", "fact:nowhere")),) + trace[i + 1:])
    return [replace(evaluation, trace=t) for t in cases]


@pytest.mark.parametrize(("name", "evaluation"), EVALUATIONS[:: max(1, len(EVALUATIONS) // 8)])
def test_a_trace_build_basis_refuses_is_refused_with_the_same_error(name: str, evaluation: Evaluation) -> None:
    bundle = parse_bundle(next(p for p in BUNDLES if p.name == name.split("/", maxsplit=1)[0]).read_bytes())
    for broken in _broken(evaluation):
        expected = _outcome(lambda b: summary(build_basis(bundle, b)), broken)
        assert isinstance(expected, str), "build_basis accepted a broken trace"
        assert _outcome(evaluation_summary, broken) == expected
