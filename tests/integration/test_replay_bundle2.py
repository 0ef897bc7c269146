"""Case bundle /2 decided, stored and replayed (issue 15): the v3 packs are selected from 2026-12-04, the
bundle is sealed as received (version /2), the basis is finaid.decision-basis/2, and replay with the
pinned pack gives the identical basis; a /2 bundle decided as of 2026-12-03 is refused naming the pack."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from adapters.driven.clock import FixedClock
from adapters.driven.db.audit_store import replay_one
from adapters.driven.db.models import Decision, Revision
from adapters.driving.lifecycle.scenario_builder import build_bundle_json
from audit.replay import IDENTICAL
from decision.errors import InputError
from decision.validation import parse_bundle
from rules.version import code_version
from tests.decide import decide_and_store
from tests.integration.conftest import ACTOR, SERVICES, TestDatabase

V3_DAY = FixedClock(datetime(2026, 12, 4, 9, 0, tzinfo=UTC))
V2_DAY = FixedClock(datetime(2026, 12, 3, 9, 0, tzinfo=UTC))


def _bundle() -> object:
    return parse_bundle(build_bundle_json({
        "schema": 2,
        "month": "2026-03",
        "household": [{"role": "applicant", "age": 40, "name": "Testa Testsson"},
                      {"role": "child", "age": 8, "days": 15}],
        "costs": [{"kind": "rent", "amount": "5000"}, {"kind": "preschool_fee", "amount": "900", "document": "F-1"}],
        "aid_history": [{"person": 0, "in_row": 8, "first": "2025-10"}],
        "incomes": [{"person": 0, "kind": "salary", "amount": "3000"}],
    }, app_id="APP-B2-REPLAY"))


def _decide(database: TestDatabase, clock: FixedClock) -> object:
    return decide_and_store(_bundle(), pipeline=database.pipeline, catalog=SERVICES.catalog,  # type: ignore[arg-type]
                            store=database.store, access=database.access, actor=ACTOR, clock=clock)


def test_a_v2_bundle_is_decided_with_the_v3_pack_stored_as_received_and_replays_identically(
    database: TestDatabase,
) -> None:
    out = _decide(database, V3_DAY)
    basis = out.decided.basis  # type: ignore[attr-defined]
    assert basis.rules.pack == "sol2025_400_v3" and basis.schema_ == "finaid.decision-basis/2"
    with database.db.read() as s:
        d = s.get(Decision, out.decision_id)  # type: ignore[attr-defined]
        assert d is not None
        revision = s.get(Revision, d.revision_id)
        assert revision is not None
        assert json.loads(revision.bundle_json)["schema"] == "finaid.case-bundle/2"
        assert json.loads(d.basis_json)["names"] == [{"person": "applicant", "name": "Testa Testsson"}]
        result = replay_one(s, database.pipeline, d, code_version())
    assert result.verdict == IDENTICAL, result


def test_a_v2_bundle_before_the_v3_packs_is_refused_naming_the_pack(database: TestDatabase) -> None:
    with pytest.raises(InputError, match="tas inte emot av regelpaketet sol2025_400_v2"):
        _decide(database, V2_DAY)
