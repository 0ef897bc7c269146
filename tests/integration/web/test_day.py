"""A handler's day over HTTP: search by personnummer (POST only, logged with its purpose, protected identity
refused to roles that may not see it), Mina ärenden (take, hand over: audit events), the household's decisions
on the case page, and the inspector's stated purpose (tillsyn)."""

from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa

from adapters.driven.db.access import AccessLog
from adapters.driving.web.signoff import SignRequest, sign
from tests.integration.web.conftest import KEY, Web, csrf

APPLICANT_01 = "198507092388"  # examples 01 and 16: the same household, two months
PARTNER_01 = "198703114424"
PROTECTED_09 = "199502286421"  # example 09: protected identity


def _search(c: object, number: str, purpose: str = "handlaggning", **extra: str) -> object:
    page = c.get("/search").text  # type: ignore[attr-defined]
    return c.post("/search", data={"csrf_token": csrf(page), "personnummer": number, "purpose": purpose,  # type: ignore[attr-defined]
                                   **extra})


def test_search_by_personnummer_is_a_post_logged_with_its_purpose(web: Web, ids: dict[str, str],
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    sent: list[str] = []  # every SQL statement and its parameters: the number never reaches the database
    sa.event.listen(web.db.engine, "before_cursor_execute",
                    lambda conn, cursor, statement, params, context, many: sent.append(f"{statement} {params}"))
    c = web.login("handlaggare1")
    seen_urls: list[str] = []
    c.event_hooks["request"] = [lambda request: seen_urls.append(str(request.url))]
    before = web.scalar("SELECT count(*) FROM access_log WHERE action = 'search'")
    r = _search(c, "19850709-2388", "uppfoljning")
    assert r.status_code == 200
    assert ids["01"] in r.text and ids["16"] in r.text  # the household's cases, every month
    r = _search(c, PARTNER_01)  # a member who is not the applicant finds the household too
    assert ids["01"] in r.text
    assert web.scalar("SELECT count(*) FROM access_log WHERE action = 'search'") == before + 2
    purposes = [p for (p,) in web.rows("SELECT purpose FROM access_log WHERE action = 'search' ORDER BY seq")]
    assert purposes[-2:] == ["uppfoljning", "handlaggning"]
    asked = [a for a in AccessLog(web.db, KEY).accesses_of(APPLICANT_01) if a.action == "search"]
    assert asked and asked[0].actor == "user:handlaggare1" and asked[0].purpose == "uppfoljning"
    # never in a URL, a log line or the trail's text columns
    assert seen_urls and not any(APPLICANT_01 in u or "850709" in u for u in seen_urls)
    assert not any("850709" in rec.getMessage() for rec in caplog.records)
    assert sent and not [q for q in sent if "850709" in q or "870311" in q]
    for table, cols in (("access_log", "subject || actor || person_keys"), ("audit_event", "subject || payload")):
        assert web.scalar(f"SELECT count(*) FROM {table} WHERE {cols} LIKE '%850709%'") == 0
    # a bad number names the field, nothing is logged
    bad = _search(c, "19850709-2389")
    assert bad.status_code == 422 and 'id="personnummer-fel"' in bad.text
    no_purpose = _search(c, APPLICANT_01, "tillsyn")  # not a purpose a handler may state
    assert no_purpose.status_code == 422 and 'id="purpose-fel"' in no_purpose.text
    assert web.scalar("SELECT count(*) FROM access_log WHERE action = 'search'") == before + 2
    assert c.get(f"/search?personnummer={APPLICANT_01}").status_code == 200  # a query string is ignored …
    assert ids["01"] not in c.get(f"/search?personnummer={APPLICANT_01}").text  # … it finds nothing


def test_protected_identity_is_found_only_by_roles_that_may_see_it(web: Web, ids: dict[str, str]) -> None:
    handler = web.login("handlaggare1")
    r = _search(handler, PROTECTED_09)
    assert r.status_code == 200 and ids["09"] not in r.text and "Inga ärenden hittades" in r.text
    auditor = web.login("auditor1")
    assert ids["09"] not in _search(auditor, PROTECTED_09, "revision").text
    supervisor = web.login("supervisor1")
    assert ids["09"] in _search(supervisor, PROTECTED_09).text


def test_inspector_states_purpose_and_reference_then_reads_read_only(web: Web, ids: dict[str, str]) -> None:
    inspector = web.login("inspektor1")
    assert inspector.get("/queue").status_code == 403
    r = _search(inspector, PROTECTED_09, "tillsyn")
    assert r.status_code == 422 and 'id="reference-fel"' in r.text  # a reference is required
    r = _search(inspector, PROTECTED_09, "tillsyn", reference="IVO 3.5.1-1234/2026")
    assert r.status_code == 200 and ids["09"] in r.text
    gate = inspector.get(f"/case/{ids['09']}")  # GET shows only the purpose form, nothing of the case
    assert gate.status_code == 200 and "Ange syfte" in gate.text and "Beräkning" not in gate.text
    before = web.scalar("SELECT count(*) FROM access_log WHERE action = 'view_case'")
    page = inspector.post(f"/case/{ids['09']}/tillsyn", data={"csrf_token": csrf(gate.text),
                                                              "reference": "IVO 3.5.1-1234/2026"})
    assert page.status_code == 200 and "Beräkning" in page.text
    assert 'action="/case/' + ids["09"] + '/sign"' not in page.text  # read-only: no sign form
    rows = web.rows("SELECT actor, purpose FROM access_log WHERE action = 'view_case' ORDER BY seq")
    assert len(rows) == before + 1 and tuple(rows[-1]) == ("user:inspektor1", "tillsyn")
    assert web.events("supervision_access")[-1] == {"purpose": "tillsyn", "reference": "IVO 3.5.1-1234/2026"}
    assert inspector.post(f"/case/{ids['09']}/sign", data={"csrf_token": csrf(gate.text), "action": "approve",
                                                          "decision_id": web.decision_id(ids["09"])},
                          follow_redirects=False).status_code == 403


def test_take_hand_over_and_mina_arenden(web: Web, ids: dict[str, str]) -> None:
    c = web.login("supervisor1")
    page = c.get(f"/case/{ids['01']}").text
    assert "Ärendet är inte tilldelat någon" in page and "Ta ärendet" in page
    r = c.post(f"/case/{ids['01']}/take", data={"csrf_token": csrf(page)}, follow_redirects=False)
    assert r.status_code == 303
    mine = c.get("/mine").text
    assert ids["01"] in mine and "Lämna över" in mine and "Hanna Handläggare (demo)" in mine
    assert "Hugo Handläggare (demo)" not in mine  # unit syd does not handle 1287
    to = web.identity("handlaggare1").user_id
    r = c.post(f"/case/{ids['01']}/handover", data={"csrf_token": csrf(mine), "to_user": to}, follow_redirects=False)
    assert r.status_code == 303
    assert ids["01"] not in c.get("/mine").text
    handler = web.login("handlaggare1")
    assert ids["01"] in handler.get("/mine").text
    assert "<td>Du</td>" in handler.get("/queue").text  # the queue says who has each case
    assert "<td>Hanna Handläggare (demo)</td>" in c.get("/queue").text
    taken, handed = web.events("case_taken")[-1], web.events("case_handed_over")[-1]
    sup = web.identity("supervisor1").user_id
    assert taken == {"to": sup, "from": None} and handed == {"to": to, "from": sup}
    wrong = web.identity("handlaggare2").user_id  # another unit: refused, the field named
    r = handler.post(f"/case/{ids['01']}/handover", data={"csrf_token": csrf(handler.get("/mine").text),
                                                         "to_user": wrong})
    assert r.status_code == 422 and "samma enhet" in r.text
    assert web.login("auditor1").get("/mine").status_code == 403


def test_case_page_lists_the_households_other_decisions_each_linked(web: Web, ids: dict[str, str]) -> None:
    from tests.integration.web.test_signoff import _resolve_all

    sign(web.db, web.identity("handlaggare1"), ids["16"], SignRequest(
        "approve", web.decision_id(ids["16"]), resolutions=_resolve_all(web, ids["16"])), web.app.state.services.policy)
    page = web.login("handlaggare1").get(f"/case/{ids['01']}").text
    assert "Hushållets övriga ansökningar och beslut" in page
    assert f'href="/case/{ids["16"]}"' in page and "Delvis beviljat, " in page
    assert " CET" in page.split("Hushållets övriga")[1].split("</section>")[0]  # Stockholm time with its zone
