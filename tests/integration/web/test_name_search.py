"""Search by name over HTTP (case bundle /2's member names): a POST body only; every whole token must be in
one member's name (a part of a name finds nothing: the index holds keyed HMACs); each search an access-log
entry with the persons found (by HMAC); protected identity refused to roles that may not see it; the name in
clear in no URL, log line, SQL statement or trail row; gallring removes the index with the case."""

from __future__ import annotations

import json
import logging
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa

from audit.access import person_key
from decision.services import intake
from decision.services.retention import Exemptions, purge
from decision.validation import parse_bundle
from tests.integration.web.conftest import EXAMPLES, KEY, Web, csrf

V2 = EXAMPLES.parent / "bundles-v2"
NAMED = "APP-2023-000142"  # example 21: Testa, Provia, Demona and Skiss Exempelsson
PARTNER = "198703114424"
PROTECTED = "APP-2024-900809"  # example 09 (protected identity) as /2 with names


def _store(web: Web, raw: dict[str, Any]) -> None:
    services = web.app.state.services
    intake.receive(services.uow(), parse_bundle(json.dumps(raw).encode()), "cli:test", services.clock.now())


def _named(web: Web) -> None:
    _store(web, json.loads(next(V2.glob("21-*.json")).read_text()))


def _protected(web: Web) -> None:
    raw = json.loads(next(EXAMPLES.glob("09-*.json")).read_text())
    raw["schema"] = "finaid.case-bundle/2"
    raw["application"]["id"] = PROTECTED
    del raw["application"]["previous_aid"]  # /2 has aid_history instead
    for m, name in zip(raw["application"]["household"], ("Skyddad Hemligsson", "Liten Hemligsson",
                                                        "Lillan Hemligsson"), strict=True):
        m["name"] = name
    _store(web, raw)


def _search(c: Any, name: str, purpose: str = "handlaggning") -> Any:
    page = c.get("/search").text
    return c.post("/search", data={"csrf_token": csrf(page), "personnummer": "", "namn": name, "purpose": purpose})


def _last_search(web: Web) -> tuple[str, str, str]:
    return tuple(web.rows("SELECT subject, purpose, person_keys FROM access_log WHERE action = 'search' "
                          "ORDER BY seq DESC LIMIT 1")[0])  # type: ignore[return-value]


def test_found_by_whole_name_tokens_only_and_logged_with_the_persons_found(
        web: Web, caplog: pytest.LogCaptureFixture) -> None:
    _named(web)
    caplog.set_level(logging.DEBUG)
    sent: list[str] = []
    sa.event.listen(web.db.engine, "before_cursor_execute",
                    lambda conn, cursor, statement, params, context, many: sent.append(f"{statement} {params}"))
    c = web.login("handlaggare1")
    urls: list[str] = []
    c.event_hooks["request"] = [lambda request: urls.append(str(request.url))]
    r = _search(c, "Provia Exempelsson", "uppfoljning")
    assert r.status_code == 200 and NAMED in r.text
    assert "Medsökande Provia Exempelsson" in r.text  # the name beside the role
    assert _last_search(web) == ("search:namn", "uppfoljning", person_key(KEY, PARTNER))
    assert NAMED in _search(c, "exempelsson  PROVIA").text  # any order, any case
    assert NAMED in _search(c, "Exempelsson").text  # a whole last name alone finds every member who has it
    persons = _last_search(web)[2].split()
    assert len(persons) == 4 and person_key(KEY, PARTNER) in persons
    for partial in ("Prov", "Exempels", "Provia Exempels", "Provia Skiss"):  # a part of a name; two members' names
        r = _search(c, partial)
        assert r.status_code == 200 and NAMED not in r.text and "Inga ärenden hittades" in r.text
        assert _last_search(web) == ("search:namn", "handlaggning", "")
    page = c.get("/search").text  # by personnummer, the person found is named beside the role too
    r = c.post("/search", data={"csrf_token": csrf(page), "personnummer": "198507092388", "purpose": "handlaggning"})
    assert NAMED in r.text and "Sökande Testa Exempelsson" in r.text
    bad = _search(c, " - ")
    assert bad.status_code == 422 and 'id="namn-fel"' in bad.text
    # the name in clear: in no URL, log line, SQL statement or row of the trails
    words = ("provia", "exempels", "skiss")
    assert urls and not any(w in u.casefold() for u in urls for w in words)
    assert not any(w in rec.getMessage().casefold() for rec in caplog.records for w in words)
    assert sent and not [q for q in sent if any(w in q.casefold() for w in words)]
    for table, cols in (("access_log", "subject || actor || person_keys"), ("audit_event", "subject || payload"),
                        ("name_index", "person_key || token_key")):
        assert web.scalar(f"SELECT count(*) FROM {table} WHERE lower({cols}) LIKE '%exempels%'") == 0  # noqa: S608


def test_protected_identity_is_found_by_name_only_by_roles_that_may_see_it(web: Web) -> None:
    _protected(web)
    handler = web.login("handlaggare1")
    r = _search(handler, "Skyddad Hemligsson")
    assert r.status_code == 200 and PROTECTED not in r.text and "Hemligsson" not in r.text.split("</form>")[-1]
    assert _last_search(web)[2] == ""  # nobody found: the protected person is not named in the handler's entry
    supervisor = web.login("supervisor1")
    r = _search(supervisor, "Skyddad Hemligsson")
    assert PROTECTED in r.text and "Hemligsson" not in r.text.split("</form>")[-1]  # no name, as on the case page
    assert "<td>Sökande</td>" in r.text
    assert _last_search(web)[2] != ""


def test_gallring_removes_the_name_index_with_the_case(web: Web) -> None:
    _named(web)
    assert web.scalar("SELECT count(*) FROM name_index WHERE application_id = :a", a=NAMED) > 0
    services = web.app.state.services
    result = purge(services.uow(), services.clock, date(2100, 1, 1),
                   Exemptions(frozenset(), frozenset(), frozenset()), "system:gallring")
    assert NAMED in result.purged
    assert web.scalar("SELECT count(*) FROM name_index") == 0
    assert NAMED not in _search(web.login("handlaggare1"), "Provia Exempelsson").text

