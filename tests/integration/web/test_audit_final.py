"""The audit trail for an auditor: `audit why` shows what was signed beside the proposal, `audit query --final`
and `audit overrides --final` count only decisions that stand, ids are never cut (narrow COLUMNS)."""

from __future__ import annotations

import json
import os
import subprocess
from typing import Any

import pytest

from adapters.driven.db.audit_store import load_why
from adapters.driving.web.signoff import Override, SignRequest, countersign, refuse, sign
from audit.why import render_text
from tests.integration.web.conftest import KEY, Web
from tests.integration.web.test_auto_stats_cli import FINAID


def _cli(web: Web, *args: str, columns: int = 40) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FINAID_")}
    env.update(FINAID_DB_URL=f"sqlite:///{web.path}", FINAID_HMAC_KEY=KEY.decode(), FINAID_ACTOR="cli:granskare",
               COLUMNS=str(columns), TERM="dumb")
    return subprocess.run([str(FINAID), *args], capture_output=True, text=True, env=env, timeout=120, check=False)


@pytest.fixture
def signed(web: Web, ids: dict[str, str]) -> dict[str, Any]:
    """03 amended (final), 02 rejected and countersigned (final), 01 approved (final), 14 amended with four eyes
    and refused (never final)."""
    policy = web.app.state.services.policy
    letters = web.app.state.services.letters
    h = web.identity("handlaggare1")
    rent, amount = web.line(ids["03"], "cost.rent")
    sign(web.db, h, ids["03"], SignRequest("amend", web.decision_id(ids["03"]), overrides=(
        Override(rent, amount + 50_000, "kostnad.tillfallig_overgang", "Övergång till billigare bostad."),)), policy,
        letters)
    rejected = sign(web.db, h, ids["02"], SignRequest("reject", web.decision_id(ids["02"]),
                                                      reason_code="avslag.tillgangar_ska_anvandas",
                                                      motivation="Sparande."), policy, letters)
    assert rejected.needs_second
    countersign(web.db, web.identity("supervisor2"), ids["02"], rejected.sign_off_id, letters)
    sign(web.db, h, ids["01"], SignRequest("approve", web.decision_id(ids["01"])), policy, letters)
    rent14, amount14 = web.line(ids["14"], "cost.rent")
    refused = sign(web.db, web.identity("supervisor1"), ids["14"], SignRequest(
        "amend", web.decision_id(ids["14"]), overrides=(Override(rent14, amount14 + 150_000,
                                                                 "kostnad.tillfallig_overgang", "Tre månader."),)),
        policy)
    refuse(web.db, web.identity("supervisor2"), ids["14"], refused.sign_off_id, "underskrift.motivering_otillracklig",
           "Beskriv övergångstiden.", policy)
    return {"ids": ids, "refused": refused.sign_off_id}


def test_overrides_and_query_count_only_decisions_that_stand(web: Web, signed: dict[str, Any]) -> None:
    ids = signed["ids"]
    every = json.loads(_cli(web, "audit", "overrides", "--json").stdout)
    final = json.loads(_cli(web, "audit", "overrides", "--json", "--final").stdout)
    assert every["sign_offs"] == {"amend": 2, "reject": 1, "approve": 1}  # the refused amendment counted
    assert final["sign_offs"] == {"amend": 1, "reject": 1, "approve": 1}  # … but never final: not with --final
    codes = {(c["rule"], c["reason_code"]): c["count"] for c in final["reason_codes"]}
    assert codes[("cost.rent", "kostnad.tillfallig_overgang")] == 1
    r = _cli(web, "audit", "query", "--final", "--page-size", "100")
    assert r.returncode == 0, r.stderr
    decisions = {web.decision_id(ids[n]) for n in ("01", "02", "03")}
    for d in decisions:  # a 26-character ULID whole, even at 40 columns
        assert d in r.stdout, r.stdout
    assert web.decision_id(ids["14"]) not in r.stdout and "avslag" in r.stdout
    csv = _cli(web, "audit", "query", "--final", "--csv", "--outcome", "avslag").stdout.splitlines()
    assert csv[0].endswith("final_outcome,final_action,signed_at,sign_off") and len(csv) == 2
    assert web.decision_id(ids["02"]) in csv[1]
    every_listed = _cli(web, "audit", "query", "--page-size", "100").stdout
    assert web.decision_id(ids["14"]) in every_listed  # without --final: every proposal


def test_why_shows_the_signed_decision_beside_the_proposal(web: Web, signed: dict[str, Any]) -> None:
    ids = signed["ids"]
    policy, letters = web.app.state.services.policy, web.app.state.services.letters
    app_id = ids["11"]
    from tests.integration.web.test_signoff import _resolve_all

    other, _ = web.line(app_id, "cost.other")
    first = sign(web.db, web.identity("handlaggare1"), app_id, SignRequest(
        "amend", web.decision_id(app_id), overrides=(Override(other, 240_000, "kostnad.skalig_individuellt",
                                                              "Akut tandvård."),),
        resolutions=_resolve_all(web, app_id)), policy)
    countersign(web.db, web.identity("supervisor1"), app_id, first.sign_off_id, letters)
    with web.db.read() as s:
        why = load_why(s, web.decision_id(app_id))
    decided = why.to_json()["decided"]
    final = decided["final"]
    assert decided["status"] == "beslutat" and final["action"] == "countersign"
    assert [(sg["actor"], sg["role"], sg["kind"]) for sg in final["signatures"]] == [
        ("user:handlaggare1", "handler", "decided"), ("user:supervisor1", "supervisor", "countersigned")]
    assert all(sg["at"].endswith(("CET", "CEST")) for sg in final["signatures"])
    letter_hash = web.scalar("SELECT html_sha256 FROM letter WHERE application_id = :i", i=app_id)
    assert final["letter"]["html_sha256"] == letter_hash
    [amend] = [x for x in decided["sign_offs"] if x["action"] == "amend"]
    assert amend["overrides"][0]["motivation"] == "Akut tandvård." and not amend["final"]
    assert amend["overrides"][0]["decided"] == "2400.00" and amend["resolutions"]
    text = render_text(why)
    for part in ("Beslut (det som undertecknades)", "kontrasignerat", "SLUTLIGT", "Akut tandvård.",
                 "kostnad.skalig_individuellt", letter_hash, "user:supervisor1 (arbetsledare)"):
        assert part in text, part
    # the refused amendment: shown, never final
    with web.db.read() as s:
        refused = load_why(s, web.decision_id(ids["14"])).to_json()["decided"]
    assert refused["final"] is None and [x["action"] for x in refused["sign_offs"]] == ["amend", "refuse"]
    # over the CLI as an auditor: the reject's reason and the letter
    r = _cli(web, "audit", "why", web.decision_id(ids["02"]), columns=40)
    assert r.returncode == 0, r.stderr
    assert "avslag.tillgangar_ska_anvandas — Sparande." in r.stdout and "beslutsbrev" in r.stdout
