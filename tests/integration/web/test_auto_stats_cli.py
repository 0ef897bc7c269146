"""Automated decisions, override statistics, and the CLI (users, tokens, audit overrides)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from adapters.driving.web.auto import maybe_auto_approve
from adapters.driving.web.queries import StatsFilter, override_statistics
from adapters.driving.web.signoff import Override, SignRequest, sign
from tests.integration.web.conftest import KEY, Web

FINAID = Path(sys.executable).with_name("finaid")
AUTO = {"1287": {"delegation_reference": "SN 2025-03-12 § 45, delegationsordning p. 4.2",
                 "allowed_notices": ["guideline.example", "parameter.not_verified"]}}


def test_automated_decisions_are_off_by_default_and_limited(web: Web, ids: dict[str, str]) -> None:
    grant = ids["01"]
    assert maybe_auto_approve(web.db, web.decision_id(grant), grant, configured={}) is None
    assert web.state(grant) == "proposed"
    # a sick certificate / sickness benefit (health data) never, even where enabled
    sick = ids["13"]
    assert maybe_auto_approve(web.db, web.decision_id(sick), sick, configured=AUTO) is None
    # a MANUAL case never
    assert maybe_auto_approve(web.db, web.decision_id(ids["11"]), ids["11"], configured=AUTO) is None
    # another municipality not enabled
    assert maybe_auto_approve(web.db, web.decision_id(ids["15"]), ids["15"], configured=AUTO) is None
    sign_off = maybe_auto_approve(web.db, web.decision_id(grant), grant, configured=AUTO,
                                  letters=web.app.state.services.letters)
    assert sign_off is not None and web.state(grant) == "auto_approved"
    event = web.events("auto_approved")[-1]
    assert event["delegation_reference"] == AUTO["1287"]["delegation_reference"]
    assert web.scalar("SELECT actor FROM sign_off WHERE id = :i", i=sign_off) == "system:auto"
    letter = web.scalar("SELECT html FROM letter WHERE sign_off_id = :i", i=sign_off)
    assert "fattats automatiserat" in letter and "omprövning" in letter and "SN 2025-03-12 § 45" in letter


def test_override_statistics_per_rule_and_reason_code(web: Web, ids: dict[str, str]) -> None:
    policy = web.app.state.services.policy
    h = web.identity("handlaggare1")
    rent, amount = web.line(ids["03"], "cost.rent")
    sign(web.db, h, ids["03"], SignRequest("amend", web.decision_id(ids["03"]), overrides=(
        Override(rent, amount + 50_000, "kostnad.tillfallig_overgang", "Övergång."),)), policy)
    sign(web.db, h, ids["02"], SignRequest("reject", web.decision_id(ids["02"]),
                                           reason_code="avslag.tillgangar_ska_anvandas", motivation="Sparande."),
         policy)
    sign(web.db, h, ids["01"], SignRequest("approve", web.decision_id(ids["01"])), policy)
    with web.db.read() as s:
        stats = override_statistics(s, web.identity("supervisor1"), StatsFilter())
    assert stats["sign_offs"] == {"amend": 1, "reject": 1, "approve": 1}
    rules = {r["rule"]: r for r in stats["rules"]}
    assert rules["cost.rent"]["amended"] == 1 and rules["cost.rent"]["signed"] == 3
    assert rules["cost.rent"]["rejected"] == 1
    codes = {(c["rule"], c["reason_code"]): c["count"] for c in stats["reason_codes"]}
    assert codes == {("cost.rent", "kostnad.tillfallig_overgang"): 1, ("outcome", "avslag.tillgangar_ska_anvandas"): 1}


def _cli(web: Web, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FINAID_")}
    env.update(FINAID_DB_URL=f"sqlite:///{web.path}", FINAID_HMAC_KEY=KEY.decode(), FINAID_ACTOR="cli:operator")
    return subprocess.run([str(FINAID), *args], input=stdin, capture_output=True, text=True, env=env, timeout=120,
                          check=False)


def test_cli_users_tokens_and_overrides(web: Web) -> None:
    r = _cli(web, "users", "add", "kalle", "--name", "Kalle Handläggare", "--role", "handler", "--unit", "nord",
             stdin="ett tillräckligt långt lösenord\n")
    assert r.returncode == 0, r.stderr
    assert "långt" not in r.stdout + r.stderr
    r = _cli(web, "users", "add", "kort", "--name", "K", "--role", "handler", stdin="kort\n")
    assert r.returncode == 1 and "at least 12" in r.stderr
    r = _cli(web, "tokens", "add", "e-tjanst", "--scope", "submit", "--scope", "status:read")
    assert r.returncode == 0, r.stderr
    token = r.stdout.strip()
    assert token.startswith("fa_") and web.scalar("SELECT count(*) FROM api_tokens WHERE token_hash = :t",
                                                  t=__import__("hashlib").sha256(token.encode()).hexdigest()) == 1
    tid = r.stderr.split()[2]
    assert _cli(web, "tokens", "revoke", tid).returncode == 0
    r = _cli(web, "audit", "overrides", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["sign_offs"] == {}
    events = [e[0] for e in web.rows("SELECT event FROM audit_event WHERE actor = 'cli:operator' ORDER BY seq")]
    assert events == ["user_added", "roles_changed", "units_changed", "token_added", "token_revoked"]
