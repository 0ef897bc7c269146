"""Use case retention (gallring) on both units of work: personal content blanked, ids and hashes kept."""

from __future__ import annotations

from datetime import date

from decision.pipeline import Pipeline
from decision.services import deciding
from decision.services.retention import Exemptions, purge
from tests.services import SERVICES
from tests.unit.services.conftest import Access, Clock, Env, example

NONE = Exemptions(frozenset(), frozenset(), frozenset())


def test_purge_blanks_content_keeps_ids_and_writes_one_event_per_case(env: Env, pipeline: Pipeline) -> None:
    outs = [deciding.decide(env.uow, pipeline, SERVICES.catalog, Access(), Clock(), example(n), actor="user:t",
                            code_version="test-1") for n in ("01", "08")]
    assert purge(env.uow, Clock(), date(2000, 1, 1), NONE, "system:gallring").purged == []
    municipality = outs[1].decided.bundle.application.municipality
    exempt = Exemptions(frozenset(), frozenset({municipality}), frozenset())
    result = purge(env.uow, Clock(), date(2100, 1, 1), exempt, "system:gallring")
    purged_id = outs[0].decided.bundle.application.id
    assert result.purged == [purged_id] and result.exempt == [outs[1].decided.bundle.application.id]
    decisions = {d["id"]: d for d in env.table("decision")}
    assert decisions[outs[0].decision_id]["basis_json"] is None and decisions[outs[0].decision_id]["basis_hash"]
    assert decisions[outs[1].decision_id]["basis_json"] is not None
    assert env.events()[-1] == ("purged", f"application:{purged_id}")
    payload = env.payloads()[-1]
    assert payload["decisions"] == [outs[0].decision_id] and payload["before"] == "2100-01-01"
    # done once: a second run finds nothing more to purge
    assert purge(env.uow, Clock(), date(2100, 1, 1), exempt, "system:gallring").purged == []


def test_a_dry_run_changes_nothing(env: Env, pipeline: Pipeline) -> None:
    deciding.decide(env.uow, pipeline, SERVICES.catalog, Access(), Clock(), example("02"), actor="user:t",
                    code_version="test-1")
    before = env.events()
    assert len(purge(env.uow, Clock(), date(2100, 1, 1), NONE, "system:gallring", dry_run=True).purged) == 1
    assert env.events() == before and all(d["basis_json"] for d in env.table("decision"))
