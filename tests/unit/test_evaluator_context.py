"""The evaluation context records every read; a step can cite only what was read, and the evaluation's
facts are exactly the parameters read plus the bundle facts the trace cites (rules/evaluator/context.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from decision.errors import RulesError
from decision.validation import parse_bundle
from rules.catalog import Catalog
from rules.evaluator import PackEvaluator
from rules.evaluator.context import Context

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "bundles" / "01-worked-example-couple-two-children.json"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog()


def _context(catalog: Catalog) -> Context:
    bundle = parse_bundle(EXAMPLE.read_text(encoding="utf-8"))
    pack = catalog.pack_for(bundle.application.month)
    return Context.start(bundle, pack, catalog.guideline_for(bundle.application.municipality))


def test_a_parameter_read_is_recorded_as_a_fact_and_a_bundle_fact_only_when_cited(catalog: Catalog) -> None:
    ctx = _context(catalog)
    value = ctx.need("riksnorm.shared.size_4")
    assert ctx.facts[value.input_id].kind == "parameter" and ctx.facts[value.input_id].amount == value.ore
    cited = ctx.member_ref(0)
    uncited = ctx.declared("/application/kind", "application_kind", value="first")
    assert cited not in ctx.facts and ctx.recorded(cited) and ctx.recorded(uncited)
    ctx.line("norm.shared", value.ore, [cited, ctx.use(value)], size="4 personer")
    facts = ctx.cited_facts(ctx.lines)
    assert cited in facts and uncited not in facts
    assert facts[cited].source == "application" and facts[cited].person == "applicant"
    assert list(ctx.params_used) == [value.input_id]


def test_a_line_citing_what_was_not_read_is_refused(catalog: Catalog) -> None:
    ctx = _context(catalog)
    with pytest.raises(RulesError, match="did not read"):
        ctx.line("norm.shared", 100, ["/application/household/0"], size="1 person")
    with pytest.raises(RulesError, match="not in the manifest"):
        ctx.line("no.such.rule", 100, [])


def test_every_citation_of_a_real_evaluation_is_a_recorded_fact(catalog: Catalog) -> None:
    bundle = parse_bundle(EXAMPLE.read_text(encoding="utf-8"))
    evaluation = PackEvaluator(catalog).evaluate(bundle)
    cited = {i for s in evaluation.trace for i in s.inputs}
    assert cited and cited <= set(evaluation.facts)
    params = {k for k, f in evaluation.facts.items() if f.kind == "parameter"}
    assert params and all(k.startswith("param:") for k in params)
