"""The /2 example households (examples/bundles-v2): each is a valid finaid.case-bundle/2 bundle, and each is
decided as of 2026-12-04 by the packs that accept /2, with the outcome its story needs (docs/case-bundle.md).

They are kept apart from examples/bundles until the packs that accept /2 are on main: before that, the
deciding tests skip (the old packs refuse /2, which tests/unit/test_bundle_v2.py covers on its own terms).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from decision.bundle import BUNDLE_SCHEMA_V2
from decision.pipeline import Decided, Pipeline
from decision.services.automation import uses_health_data
from decision.validation import parse_bundle

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples" / "bundles-v2").glob("*.json"))
DAY = date(2026, 12, 4)  # the day the packs that take /2 are published


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
    return {f.name[:2]: pipeline.decide(parse_bundle(f.read_bytes()), as_of=DAY) for f in EXAMPLES}


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
