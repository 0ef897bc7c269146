"""The /2 example households (examples/bundles-v2): each is a valid finaid.case-bundle/2 bundle, and each is
decided as of 2026-12-04 by the packs that accept /2, with the outcome its story needs (docs/case-bundle.md);
together they produce every finding code the packs that accept /2 add, except the one only a municipality's
own guideline can reach. The supplementary application (30) is decided against an earlier signed total of
20 000 kr, as the deciding service would pass it (decision/services/supplementary.py).

They are kept apart from examples/bundles until the packs that accept /2 are on main: before that, the
deciding tests skip (the old packs refuse /2, which tests/unit/test_bundle_v2.py covers on its own terms).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import yaml

from decision.bundle import BUNDLE_SCHEMA_V2
from decision.pipeline import Decided, Pipeline
from decision.ports import EarlierDecision
from decision.services.automation import uses_health_data
from decision.validation import parse_bundle

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples" / "bundles-v2").glob("*.json"))
DAY = date(2026, 12, 4)  # the day the packs that take /2 are published
EARLIER_TOTAL = 2_000_000  # öre: the month's signed total the supplementary example (30) is decided against
# a level the example guideline has for every new cost kind: only a municipality's own guideline lacks one
ONLY_WITH_A_MUNICIPALITYS_OWN_GUIDELINE = {"cost.living_no_level"}


def test_the_v2_examples_are_valid_v2_bundles_with_names() -> None:
    assert len(EXAMPLES) >= 6
    for file in EXAMPLES:
        bundle = parse_bundle(file.read_bytes())
        assert bundle.schema_ == BUNDLE_SCHEMA_V2, file.name
        assert all(m.name for m in bundle.application.household), file.name


@pytest.fixture(scope="module")
def decided(pipeline: Pipeline) -> dict[str, Decided]:
    from tests.services import SERVICES

    first = parse_bundle(EXAMPLES[0].read_bytes())
    pack = SERVICES.catalog.pack_for(first.application.month, DAY)
    if BUNDLE_SCHEMA_V2 not in pack.manifest.get("accepts_bundles", []):
        pytest.skip(f"no published pack accepts finaid.case-bundle/2 yet ({pack.id} is selected as of {DAY})")
    out = {}
    for f in EXAMPLES:
        bundle = pipeline.seal(parse_bundle(f.read_bytes()))
        supplementary = bundle.application.kind == "supplementary"
        earlier = EarlierDecision("01EXAMPLEEARLIERDECISION00", bundle.application.month, EARLIER_TOTAL,
                                  datetime(2023, 3, 5, 9, 0, tzinfo=UTC)) if supplementary else None
        out[f.name[:2]] = pipeline.evaluate(bundle, as_of=DAY, earlier=earlier)
    return out


def test_each_v2_example_is_decided_by_a_pack_that_accepts_v2(decided: dict[str, Decided]) -> None:
    from tests.services import SERVICES

    for name, d in decided.items():
        pack = SERVICES.catalog.pack_by_hash(d.evaluation.pack.hash)
        assert BUNDLE_SCHEMA_V2 in pack.manifest.get("accepts_bundles", []), name
        assert d.basis.outcome in ("GRANT", "PARTIAL", "REJECT", "MANUAL"), name


def test_the_stories_of_the_v2_examples(decided: dict[str, Decided]) -> None:
    # an undocumented glasses cost is not counted and goes to MANUAL; health costs are health data
    assert decided["22"].basis.outcome == "MANUAL" and uses_health_data(decided["22"].bundle)
    assert decided["23"].basis.outcome == "MANUAL"  # a norm adjustment is always MANUAL
    assert decided["24"].basis.outcome == "MANUAL"  # a dwelling shared with a separate household stays MANUAL
    # a supplement is never below zero and is MANUAL; a lower recomputed total is a finding for the handler
    sup = decided["30"].basis
    assert sup.outcome == "MANUAL" and sup.amounts.proposed == "0.00"
    assert {"application.supplementary", "supplementary.lower_total"} <= {f.code for f in sup.findings}


def test_the_v2_examples_produce_every_finding_the_v2_packs_add(decided: dict[str, Decided]) -> None:
    codes: dict[str, set[str]] = {}
    for file in sorted((ROOT / "rules" / "packs").glob("*/manifest.yaml")):
        manifest = yaml.safe_load(file.read_text(encoding="utf-8"))
        codes[str(manifest["id"])] = {str(r["code"]) for r in (manifest.get("rules") or {}).values() if r.get("code")}
    takes_v2 = {i for i in codes if BUNDLE_SCHEMA_V2 in _accepts(i)}
    added = set().union(*(codes[i] for i in takes_v2)) - set().union(*(codes[i] for i in set(codes) - takes_v2))
    seen = {f.code for d in decided.values() for f in d.basis.findings}
    assert added - seen == ONLY_WITH_A_MUNICIPALITYS_OWN_GUIDELINE & added


def _accepts(pack_id: str) -> list[str]:
    manifest = yaml.safe_load((ROOT / "rules" / "packs" / pack_id / "manifest.yaml").read_text(encoding="utf-8"))
    return list(manifest.get("accepts_bundles") or [])
