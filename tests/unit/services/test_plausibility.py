"""Plausibility limits (issue 18; docs/domain.md section 3b): a 500 000 000 kr union fee is never a plain GRANT.

Example 01 with a union fee of 500 000 000 kr, decided as of the publication of the ``_v2`` packs and
the guideline ``default_v2``: MANUAL, the finding shows claimed and limit, the fee counts at the limit,
and automation never approves it. Automation also refuses any proposal above the guideline's total the
basis records; sign-off asks for four eyes above the guideline's four-eyes total.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime

from decision.basis import DecisionBasis
from decision.limits import FOUR_EYES_PARAM, TOTAL_PARAM, recorded_amount
from decision.pipeline import Pipeline
from decision.services import automation, deciding, signoff
from decision.validation import parse_bundle
from rules.catalog import Catalog
from rules.evaluator import PackEvaluator
from tests.services import SERVICES
from tests.unit.services.conftest import EXAMPLES, Access, Clock, Env
from tests.unit.services.test_signoff import AUTO, Letters

PUBLISHED = date(2026, 12, 3)  # the _v2 packs and default_v2 are selected from this date
LATER = datetime(2026, 12, 3, 9, 30, tzinfo=UTC)
FEE = "500000000.00"


def example01(union_fee: str | None = FEE) -> bytes:
    data = json.loads(next(EXAMPLES.glob("01*.json")).read_text(encoding="utf-8"))
    if union_fee is not None:
        data["application"]["costs"].append({"kind": "union_fee", "amount": union_fee})
    return json.dumps(data, ensure_ascii=False).encode()


def plain(text: str) -> str:
    return text.replace("\u00a0", " ")


def test_a_500_000_000_kr_union_fee_is_manual_counted_at_the_limit_with_claimed_and_limit_shown() -> None:
    pipeline = Pipeline(PackEvaluator(Catalog()))
    before = pipeline.decide(parse_bundle(example01(None)), as_of=PUBLISHED).basis
    basis = pipeline.decide(parse_bundle(example01()), as_of=PUBLISHED).basis
    assert (basis.rules.pack, basis.guideline.id) == ("sol2001_453_v2", "default_v2")
    assert before.outcome == "GRANT" and basis.outcome == "MANUAL"
    fee = next(line for line in basis.lines if line.rule == "cost.union_fee")
    assert fee.amount == "1000.00"
    assert "500 000 000 kr enligt ansökan, 1 000 kr godtas" in plain(fee.reason)
    found = [f for f in basis.findings if f.code == "cost.above_limit"]
    assert len(found) == 1 and found[0].severity == "manual" and found[0].rule == "cost.plausibility"
    assert plain(found[0].reason).startswith(
        "Fackföreningsavgiften: 500 000 000 kr enligt ansökan är mer än riktlinjens rimlighetsgräns 1 000 kr per månad."
        " I förslaget räknas 1 000 kr (skillnad 499 999 000 kr)."
    )
    assert "4 kap. 3 § första stycket 2" in (found[0].legal_reference or "")
    assert "11 kap. 1 §" in (found[0].legal_reference or "")
    # counted at the limit: the proposal is the one without the fee plus 1 000 kr, not 500 000 000 kr more
    assert signoff.ore(basis.amounts.proposed) == signoff.ore(before.amounts.proposed) + 100_000
    assert signoff.ore(basis.amounts.costs_accepted) == signoff.ore(before.amounts.costs_accepted) + 100_000
    # the figures the decision used are in its basis: the limit, the total and the four-eyes total
    assert recorded_amount(basis, "guideline.plausibility.union_fee") == 100_000
    assert recorded_amount(basis, TOTAL_PARAM) == 6_000_000
    assert recorded_amount(basis, FOUR_EYES_PARAM) == 6_000_000


def test_the_v1_packs_apply_no_limit_whatever_guideline_they_meet() -> None:
    catalog = Catalog()
    evaluator = PackEvaluator(catalog)
    bundle = parse_bundle(example01())
    v1, old, new = catalog.packs["sol2001_453_v1"], catalog.guidelines["default_v1"], catalog.guidelines["default_v2"]
    with_old = evaluator.evaluate_with(bundle, v1, old)
    with_new = evaluator.evaluate_with(bundle, v1, new)
    assert [s.to_json() for s in with_new.trace if s.rule != "guideline.example"] == [
        s.to_json() for s in with_old.trace if s.rule != "guideline.example"]
    assert not any(s.code == "cost.above_limit" for s in with_new.trace)


def test_automation_never_approves_the_implausible_claim(env: Env, pipeline: Pipeline) -> None:
    out = deciding.decide(env.uow, pipeline, SERVICES.catalog, Access(), Clock(LATER), parse_bundle(example01()),
                          actor="user:test", code_version="test-1")
    app_id, decision_id = out.decided.bundle.application.id, out.decision_id
    assert out.decided.basis.outcome == "MANUAL"
    assert automation.automate(env.uow, Letters(env), Clock(LATER), decision_id, app_id, AUTO) is None
    assert env.applications()[app_id]["state"] == "proposed"
    assert "auto_approved" not in [e for e, _ in env.events()]


def _clean_grant(env: Env, pipeline: Pipeline) -> tuple[str, str]:
    out = deciding.decide(env.uow, pipeline, SERVICES.catalog, Access(), Clock(LATER),
                          parse_bundle(example01(None)), actor="user:test", code_version="test-1")
    assert (out.decided.basis.outcome, out.decided.basis.rules.pack) == ("GRANT", "sol2001_453_v2")
    return out.decided.bundle.application.id, out.decision_id


def _with_proposed(basis: DecisionBasis, proposed: str) -> DecisionBasis:
    return basis.model_copy(update={"amounts": basis.amounts.model_copy(update={"proposed": proposed})})


def test_automation_refuses_a_grant_above_the_guidelines_total(env: Env, pipeline: Pipeline) -> None:
    app_id, _ = _clean_grant(env, pipeline)
    with env.uow:
        case = env.uow.signoffs.case(app_id)
    assert case is not None
    cfg = automation.config_for("1287", AUTO)
    assert automation.why_not(case, cfg) is None  # a clean GRANT under the limit may be automated
    at_limit = dataclasses.replace(case, basis=_with_proposed(case.basis, "60000.00"))
    above = dataclasses.replace(case, basis=_with_proposed(case.basis, "60000.01"))
    assert automation.why_not(at_limit, cfg) is None
    assert automation.why_not(above, cfg) == "above_limit"


def test_four_eyes_above_the_guidelines_four_eyes_total(env: Env, pipeline: Pipeline) -> None:
    app_id, _ = _clean_grant(env, pipeline)
    with env.uow:
        case = env.uow.signoffs.case(app_id)
    assert case is not None
    basis, policy = case.basis, signoff.Policy(threshold_ore=10_000_000_000)
    assert signoff.four_eyes_reasons(basis, 6_000_000, 6_000_000, policy) == []
    assert signoff.four_eyes_reasons(basis, 6_000_001, 6_000_001, policy) == ["total"]
    # a basis that records no four-eyes total (a _v1 pack) sets none
    v1 = Pipeline(PackEvaluator(Catalog())).decide(parse_bundle(example01(None)), as_of=date(2026, 12, 1)).basis
    assert v1.rules.pack == "sol2001_453_v1" and recorded_amount(v1, FOUR_EYES_PARAM) is None
    assert signoff.four_eyes_reasons(v1, 6_000_001, 6_000_001, policy) == []

