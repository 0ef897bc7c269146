"""Over HTTP: the amend fields are pre-filled as a Swedish person writes an amount ("3 940,00") and, sent back
untouched, are no change; the municipality is shown by its name from the settings, its code in small type."""

from __future__ import annotations

import html
import json
import re

from decision.money import parse_sum
from decision.strict import parse_form_kronor
from tests.integration.web.conftest import Web, csrf

AMOUNT_FIELD = re.compile(r'name="(amount_\d+)"[^>]* value="([^"]*)"')


def test_untouched_amount_fields_read_as_swedish_and_approve_as_proposed(web: Web, ids: dict[str, str]) -> None:
    app_id = ids["01"]
    c = web.login("handlaggare1")
    page = c.get(f"/case/{app_id}?andra=1").text
    fields = {name: html.unescape(value) for name, value in AMOUNT_FIELD.findall(page)}
    assert fields, "the amend form has amount fields"
    rent, allowed = web.line(app_id, "cost.rent")
    assert allowed >= 100_000  # a four-digit rent: its field groups the thousands
    shown = fields[f"amount_{rent}"]
    whole = f"{allowed // 100:,}".replace(",", "\u00a0")
    assert shown == f"{whole},{allowed % 100:02d}" and "." not in shown
    lines = json.loads(web.scalar("SELECT basis_json FROM decision WHERE id = :d", d=web.decision_id(app_id)))["lines"]
    for name, value in fields.items():  # every pre-filled field is the proposal's own amount in öre
        assert parse_form_kronor(value) == parse_sum(lines[int(name.split("_")[1])]["amount"]), name
    r = c.post(f"/case/{app_id}/sign", data={"csrf_token": csrf(page), "decision_id": web.decision_id(app_id),
                                             "action": "approve", **fields}, follow_redirects=False)
    assert r.status_code == 303 and web.state(app_id) == "signed"
    assert web.scalar("SELECT count(*) FROM sign_off_override") == 0


def test_the_municipality_is_shown_by_name_with_its_code_in_small_type(web: Web, ids: dict[str, str]) -> None:
    app_id = ids["01"]
    code = str(web.scalar("SELECT municipality FROM application WHERE id = :i", i=app_id))
    c = web.login("handlaggare1")
    assert f'<span class="code">{code}</span>' not in c.get("/").text  # no name configured: the code alone
    web.make_app(municipality_names={code: "Exempelstads kommun"})
    c = web.login("handlaggare1")
    label = f'Exempelstads kommun <span class="code">{code}</span>'
    assert label in c.get("/").text
    assert label in c.get(f"/case/{app_id}").text
