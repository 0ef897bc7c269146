"""Security of the web app: scope (units, protected identity), CSRF, sessions, lockout, injection."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from adapters.driven.clock import utc_now as now
from adapters.driving.api.routes import add_token
from adapters.driving.web.accounts import unlock
from adapters.driving.web.signoff import Forbidden, SignRequest, sign
from tests.integration.web.conftest import EXAMPLES, INJECTION, Web, csrf


def test_a_handler_cannot_see_another_units_case(web: Web, ids: dict[str, str]) -> None:
    syd = web.login("handlaggare2")  # unit syd: municipality 0380 only
    assert syd.get(f"/case/{ids['01']}").status_code == 404  # 1287 belongs to nord
    assert syd.get(f"/case/{ids['12']}").status_code == 200  # 0380
    queue = syd.get("/queue").text
    assert ids["12"] in queue and ids["01"] not in queue
    assert syd.get(f"/case/{ids['01']}/letter").status_code == 404
    assert syd.get("/case/NO-SUCH-APP").status_code == 404


def test_an_administrator_cannot_sign(web: Web, ids: dict[str, str]) -> None:
    admin = web.login("admin1")
    decision = web.scalar("SELECT current_decision_id FROM application WHERE id = :i", i=ids["01"])
    token = csrf(admin.get("/admin/users").text)
    r = admin.post(f"/case/{ids['01']}/sign", data={"csrf_token": token, "action": "approve", "decision_id": decision})
    assert r.status_code == 403
    assert admin.get(f"/case/{ids['01']}").status_code == 403  # no case role at all
    try:
        sign(web.db, web.identity("admin1"), ids["01"], SignRequest("approve", decision), web.app.state.services.policy)
    except Forbidden:
        pass
    else:
        raise AssertionError("an administrator signed")
    assert web.state(ids["01"]) == "proposed"


def test_a_post_without_the_csrf_token_is_refused(web: Web, ids: dict[str, str]) -> None:
    c = web.login("handlaggare1")
    decision = web.scalar("SELECT current_decision_id FROM application WHERE id = :i", i=ids["01"])
    assert c.post(f"/case/{ids['01']}/sign", data={"action": "approve", "decision_id": decision}).status_code == 403
    assert c.post(f"/case/{ids['01']}/sign", data={"csrf_token": "forged", "action": "approve",
                                                   "decision_id": decision}).status_code == 403
    assert web.state(ids["01"]) == "proposed"
    anon = web.client()
    assert anon.post("/login", data={"username": "handlaggare1", "password": "demo-handlaggare1"}).status_code == 403
    other = web.login("supervisor1")  # another session's token does not work in this one
    foreign = csrf(other.get("/queue").text)
    assert c.post(f"/case/{ids['01']}/sign", data={"csrf_token": foreign, "action": "approve",
                                                   "decision_id": decision}).status_code == 403


def _login_planted(web: Web, planted: str) -> str:
    """Log in from a browser that already carries ``planted`` as its session cookie; the id issued."""
    c = web.client()
    page = c.get("/login")
    login_cookie = page.cookies.get("finaid_login")
    r = c.post("/login", data={"csrf_token": csrf(page.text), "username": "handlaggare1",
                               "password": "demo-handlaggare1"},
               headers={"Cookie": f"finaid_session={planted}; finaid_login={login_cookie}"}, follow_redirects=False)
    assert r.status_code == 303
    m = re.search(r"finaid_session=([^;]+)", r.headers["set-cookie"])
    assert m
    return m.group(1)


def _logged_in(web: Web, value: str) -> bool:
    r = web.client().get("/queue", headers={"Cookie": f"finaid_session={value}"}, follow_redirects=False)
    return r.status_code == 200


def test_session_fixation_is_prevented(web: Web) -> None:
    attacker_value = "attacker-chosen-session-id"
    issued = _login_planted(web, attacker_value)
    assert issued != attacker_value
    assert not _logged_in(web, attacker_value) and _logged_in(web, issued)
    # logging in again from a live session rotates the id and ends the old session
    again = _login_planted(web, issued)
    assert again != issued
    assert not _logged_in(web, issued) and _logged_in(web, again)


def test_session_cookie_is_secure_httponly_samesite_strict(web: Web) -> None:
    c = web.client()
    page = c.get("/login")
    r = c.post("/login", data={"csrf_token": csrf(page.text), "username": "handlaggare1",
                               "password": "demo-handlaggare1"}, follow_redirects=False)
    cookie = r.headers["set-cookie"].lower()
    assert "secure" in cookie and "httponly" in cookie and "samesite=strict" in cookie
    assert "default-src 'self'" in c.get("/queue").headers["content-security-policy"]


def test_lockout_after_repeated_failures(web: Web) -> None:
    c = web.client()
    for _ in range(web.config.lockout_attempts):
        page = c.get("/login")
        r = c.post("/login", data={"csrf_token": csrf(page.text), "username": "handlaggare1", "password": "wrong"},
                   follow_redirects=False)
        assert "failed=1" in r.headers["location"]
    page = c.get("/login")
    r = c.post("/login", data={"csrf_token": csrf(page.text), "username": "handlaggare1",
                               "password": "demo-handlaggare1"}, follow_redirects=False)
    assert "failed=1" in r.headers["location"], "a locked account logged in with the right password"
    assert web.events("account_locked")
    reasons = [e["reason"] for e in web.events("login_failed")]
    assert reasons[-1] == "locked"
    unlock(web.db, "handlaggare1", "user:admin1")
    web.login("handlaggare1")


def test_an_idle_session_ends(web: Web) -> None:
    c = web.login("handlaggare1")
    assert c.get("/queue").status_code == 200
    with web.db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE web_sessions SET last_seen_at = :t"),
                     {"t": now() - timedelta(minutes=web.config.idle_minutes + 1)})
    assert c.get("/queue", follow_redirects=False).headers["location"].startswith("/login")
    assert web.events("session_expired")


def test_demo_accounts_are_refused_outside_demo_mode(web: Web) -> None:
    web.make_app(demo=False)
    c = web.client()
    page = c.get("/login")
    r = c.post("/login", data={"csrf_token": csrf(page.text), "username": "handlaggare1",
                               "password": "demo-handlaggare1"}, follow_redirects=False)
    assert "failed=1" in r.headers["location"]
    assert web.events("login_failed")[-1]["reason"] == "demo_refused"


def test_injection_in_every_free_text_field_is_stored_and_shown_inert(web: Web, ids: dict[str, str]) -> None:
    app_id = ids["11"]  # MANUAL: two findings to resolve, a cost of kind other
    c = web.login("handlaggare1")
    page = c.get(f"/case/{app_id}").text
    decision = web.scalar("SELECT current_decision_id FROM application WHERE id = :i", i=app_id)
    r = c.post(f"/case/{app_id}/sign", data={
        "csrf_token": csrf(page), "decision_id": decision, "action": "amend",
        "resolution_0": "fynd.underlag_inkommit", "resolution_motivation_0": INJECTION,
        "resolution_1": "fynd.kontrollerat_paverkar_inte", "resolution_motivation_1": INJECTION,
        "amount_4": "500", "reason_4": "kostnad.skalig_individuellt", "motivation_4": INJECTION,
        "note": INJECTION,
    }, follow_redirects=False)
    assert r.status_code == 303
    record = web.scalar("SELECT record_json FROM sign_off WHERE application_id = :i", i=app_id)
    assert record.count("DROP TABLE application") == 4  # stored verbatim (JSON-escaped), four fields
    assert web.scalar("SELECT count(*) FROM application") == len(list(EXAMPLES.glob("*.json")))  # the SQL did nothing
    shown = c.get(f"/case/{app_id}").text
    assert "<script>alert" not in shown and "<b>fet</b>" not in shown
    assert "&lt;script&gt;alert(" in shown
    letter = c.get(f"/case/{app_id}/letter").text
    assert "<script>alert" not in letter and "&lt;script&gt;" in letter
    # the reject and return motivations, a supervisor's refusal, and the administrator's fields
    other = ids["04"]
    page = c.get(f"/case/{other}").text
    d2 = web.scalar("SELECT current_decision_id FROM application WHERE id = :i", i=other)
    r = c.post(f"/case/{other}/return", data={"csrf_token": csrf(page), "decision_id": d2,
                                              "return_reason": "komplettering.besok_behovs",
                                              "return_motivation": INJECTION}, follow_redirects=False)
    assert r.status_code == 303
    shown = c.get(f"/case/{other}").text
    assert "<script>alert" not in shown and "&lt;script&gt;" in shown
    admin = web.login("admin1")
    page = admin.get("/admin/users").text
    r = admin.post("/admin/users", data={"csrf_token": csrf(page), "username": "ny.handlaggare",
                                         "display_name": INJECTION, "title": INJECTION,
                                         "password": "ett långt lösenord", "roles": "handler"},
                   follow_redirects=False)
    assert r.status_code == 303
    users = admin.get("/admin/users").text
    assert "<script>alert" not in users and "&lt;script&gt;" in users
    anon = web.client()
    page = anon.get("/login").text
    r = anon.post("/login", data={"csrf_token": csrf(page), "username": INJECTION, "password": INJECTION},
                  follow_redirects=False)
    assert "failed=1" in r.headers["location"]
    from adapters.driving.web.demo_accounts import ACCOUNTS

    assert web.scalar("SELECT count(*) FROM users") == len(ACCOUNTS) + 1  # the demo accounts and the one added


def test_protected_identity_is_absent_for_roles_without_access(web: Web, ids: dict[str, str]) -> None:
    protected = ids["09"]
    assert web.scalar("SELECT protected FROM application WHERE id = :i", i=protected) in (1, True)
    handler = web.login("handlaggare1")  # unit nord covers 1480, but handlers lack protected access
    assert protected not in handler.get("/queue").text
    assert handler.get(f"/case/{protected}").status_code == 404
    supervisor = web.login("supervisor1")  # configured for protected identity
    assert protected in supervisor.get("/queue").text
    page = supervisor.get(f"/case/{protected}").text
    decision = web.scalar("SELECT current_decision_id FROM application WHERE id = :i", i=protected)
    form = {"csrf_token": csrf(page), "decision_id": decision, "action": "amend",
            "amount_4": "7500", "reason_4": "kostnad.styrkt_med_underlag", "motivation_4": "Ny hyresavi."}
    for i in range(3):
        form[f"resolution_{i}"] = "fynd.kontrollerat_paverkar_inte"
        form[f"resolution_motivation_{i}"] = "Kontrollerat."
    assert supervisor.post(f"/case/{protected}/sign", data=form, follow_redirects=False).status_code == 303
    auditor = web.login("auditor1")  # all units, but not protected identity
    assert protected not in auditor.get("/queue").text
    stats = auditor.get("/statistics").text
    assert "kostnad.styrkt_med_underlag" not in stats  # the protected case's override is not counted
    assert "kostnad.styrkt_med_underlag" in supervisor.get("/statistics").text
    _, token = add_token(web.db, "case-system", ["status:read"], "cli:test")
    listing = web.client().get("/api/v1/applications?limit=100", headers={"Authorization": f"Bearer {token}"})
    assert listing.status_code == 200
    listed = {a["id"] for a in listing.json()["applications"]}
    assert protected not in listed and ids["01"] in listed


def test_case_page_is_logged_before_it_is_shown_and_not_shown_without_the_log(web: Web, ids: dict[str, str]) -> None:
    c = web.login("handlaggare1")
    before = web.scalar("SELECT count(*) FROM access_log")
    assert c.get(f"/case/{ids['01']}").status_code == 200
    row = web.rows("SELECT actor, purpose, channel, action, subject, person_keys FROM access_log ORDER BY seq DESC "
                   "LIMIT 1")[0]
    assert row[:5] == ("user:handlaggare1", "handlaggning", "web", "view_case", f"application:{ids['01']}")
    assert len(row[5].split()) == 4  # the household's four members, by keyed hash
    assert not re.search(r"\d{12}", row[5])
    assert web.scalar("SELECT count(*) FROM access_log") > before
    with web.db.engine.begin() as conn:
        conn.exec_driver_sql("CREATE TRIGGER access_log_blocked BEFORE INSERT ON access_log "
                             "BEGIN SELECT RAISE(ABORT, 'access log unavailable'); END")
    r = c.get(f"/case/{ids['01']}")
    assert r.status_code == 503
    assert "8 360" not in r.text and ids["01"] not in r.text
