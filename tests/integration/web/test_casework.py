"""Casework over HTTP: Rätta / ändra beslut (preview, confirmation, a new decision superseding the old),
kommunicering (send, held apart in the queue, the letter, the answer), journal notes (access-logged),
and the refusals for a role that may not."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from adapters.driven.db.audit_store import load_why
from audit.why import render_text
from tests.integration.web.conftest import Web, csrf


def _approve(web: Web, c: TestClient, app_id: str) -> str:
    page = c.get(f"/case/{app_id}").text
    r = c.post(f"/case/{app_id}/sign", data={"csrf_token": csrf(page), "decision_id": web.decision_id(app_id),
                                             "action": "approve"}, follow_redirects=False)
    assert r.status_code == 303
    return str(web.scalar("SELECT id FROM sign_off WHERE application_id = :i AND final", i=app_id))


def test_a_change_is_previewed_then_supersedes_the_old_decision(web: Web, ids: dict[str, str]) -> None:
    app_id = ids["01"]
    c = web.login("handlaggare1")
    old = _approve(web, c, app_id)
    page = c.get(f"/case/{app_id}").text
    assert "Rätta / ändra beslut" in page
    opened = c.post(f"/case/{app_id}/change", data={"csrf_token": csrf(page), "step": "open"})
    assert opened.status_code == 200 and 'id="change-form"' in opened.text
    rent, allowed = web.line(app_id, "cost.rent")
    lower = allowed - 50_000
    data = {"csrf_token": csrf(page), "signed_id": old, "kind": "andring", "step": "preview",
            f"amount_{rent}": f"{lower // 100},{lower % 100:02d}", f"reason_{rent}": "kostnad.tillfallig_overgang",
            f"motivation_{rent}": "Hyresavtalet visar lägre hyra.", "change_reason": "Ny uppgift om hyran."}
    refused = c.post(f"/case/{app_id}/change", data=data)
    assert refused.status_code == 422 and "37 § andra stycket" in refused.text
    assert web.state(app_id) == "signed"
    preview = c.post(f"/case/{app_id}/change", data={**data, "ground": "uppgifter"})
    assert preview.status_code == 200 and 'id="change-preview"' in preview.text
    assert "till den sökandes nackdel" in preview.text and 'id="kommunicering-warning"' in preview.text
    assert web.scalar("SELECT count(*) FROM decision_change") == 0  # nothing written by a preview
    done = c.post(f"/case/{app_id}/change", data={**data, "ground": "uppgifter", "step": "sign",
                                                   "skip_exception": "obehovligt",
                                                   "skip_motivation": "Uppgiften kom från den sökande själv."},
                  follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].endswith("msg=changed")
    new = web.scalar("SELECT new_sign_off_id FROM decision_change WHERE old_sign_off_id = :o", o=old)
    assert new and web.state(app_id) == "signed"
    page = c.get(f"/case/{app_id}").text
    assert "Beslutshistorik" in page and "Ersatt" in page and "Gäller" in page
    assert c.get(f"/case/{app_id}/decision/{old}/letter").status_code == 200  # the old letter stays readable
    assert "Ändring av beslut" in c.get(f"/case/{app_id}/letter").text
    assert web.events("decision_changed")[-1]["communication"] == "skipped"
    # the auditor's `audit why`: the change beside the decision it replaces, with its ground and kommunicering
    with web.db.read() as s:
        why = load_why(s, web.decision_id(app_id))
    decided = why.to_json()["decided"]
    assert decided["final"]["action"] == "andring" and decided["final"]["change"]["supersedes"] == old
    text = render_text(why)
    for part in ("ändrat efter beslut (FL 37–39 §§)", f"ersätter underskrift {old}", "Ny uppgift om hyran.",
                 "till den enskildes nackdel; grund:", "kommunicering (FL 25 §): inte gjord, undantag:"):
        assert part in text, part


def test_kommunicering_round_trip_holds_the_case_apart_in_the_queue(web: Web, ids: dict[str, str]) -> None:
    app_id = ids["03"]
    c = web.login("handlaggare1")
    page = c.get(f"/case/{app_id}").text
    rent, _ = web.line(app_id, "cost.rent")
    r = c.post(f"/case/{app_id}/communicate", data={"csrf_token": csrf(page), "decision_id": web.decision_id(app_id),
                                                    "item": [f"line:{rent}"], "message": "Hyran är över taket."},
               follow_redirects=False)
    assert r.status_code == 303 and web.state(app_id) == "awaiting_comment"
    queue = c.get("/queue").text
    held = queue[queue.index('id="vantar-pa-svar"'):]
    assert app_id in held
    page = c.get(f"/case/{app_id}").text
    [cid] = set(re.findall(rf"/case/{app_id}/communication/([0-9A-Z]{{26}})", page))
    letter = c.get(f"/case/{app_id}/communication/{cid}").text
    assert "Svara senast" in letter and "25 § förvaltningslagen" in letter
    assert c.get(f"/case/{app_id}/communication/{cid}/pdf").content[:5] == b"%PDF-"
    assert web.scalar("SELECT count(*) FROM access_log WHERE action = 'view_communication'") == 2
    r = c.post(f"/case/{app_id}/communication/close", data={"csrf_token": csrf(page), "communication_id": cid,
                                                            "answer": "Hyran sänks från nästa månad."},
               follow_redirects=False)
    assert r.status_code == 303 and web.state(app_id) == "proposed"
    assert [e for (e,) in web.rows("SELECT event FROM audit_event WHERE event LIKE 'communication_%' ORDER BY seq")] \
        == ["communication_sent", "communication_closed"]


def test_a_journal_note_is_shown_and_its_reading_logged(web: Web, ids: dict[str, str]) -> None:
    app_id = ids["02"]
    c = web.login("handlaggare1")
    page = c.get(f"/case/{app_id}").text
    r = c.post(f"/case/{app_id}/note", data={"csrf_token": csrf(page), "note_text": "Ringde om underlaget."},
               follow_redirects=False)
    assert r.status_code == 303
    page = c.get(f"/case/{app_id}").text
    assert "Ringde om underlaget." in page and "Hanna Handläggare" in page
    assert web.scalar("SELECT count(*) FROM access_log WHERE action = 'view_notes'") == 1
    assert web.events("note_added")[-1]["note"]
    empty = c.post(f"/case/{app_id}/note", data={"csrf_token": csrf(page), "note_text": " "})
    assert empty.status_code == 422 and "skriv en text" in empty.text


def test_a_role_that_may_not_sign_may_not_change_communicate_or_write_notes(web: Web, ids: dict[str, str]) -> None:
    app_id = ids["01"]
    auditor = web.login("auditor1")
    page = auditor.get(f"/case/{app_id}").text
    assert 'id="note-form"' not in page and 'id="communicate-form"' not in page
    token = csrf(page)
    for path, data in ((f"/case/{app_id}/change", {"step": "open"}),
                       (f"/case/{app_id}/communicate", {"item": "line:0"}),
                       (f"/case/{app_id}/communication/close", {"answer": "x"}),
                       (f"/case/{app_id}/note", {"note_text": "x"})):
        assert auditor.post(path, data={"csrf_token": token, **data}).status_code == 403, path
    handler = web.login("handlaggare1")
    assert handler.post(f"/case/{app_id}/note", data={"note_text": "utan token"}).status_code == 403
    other = web.login("handlaggare2")  # another unit: the case answers 404, as if it did not exist
    token = csrf(other.get("/queue").text)
    assert other.post(f"/case/{app_id}/note", data={"csrf_token": token, "note_text": "x"}).status_code == 404
    assert other.get(f"/case/{app_id}/decision/01M8YFB4W798P5MJDD7Q63PG39/letter").status_code == 404
    assert web.scalar("SELECT count(*) FROM case_note") == 0


def test_confirming_a_partial_grant_without_kommunicering_warns(web: Web, ids: dict[str, str]) -> None:
    app_id = ids["03"]
    c = web.login("handlaggare1")
    page = c.get(f"/case/{app_id}").text
    r = c.post(f"/case/{app_id}/sign", data={"csrf_token": csrf(page), "decision_id": web.decision_id(app_id),
                                             "action": "confirm_approve"})
    assert r.status_code == 200 and 'id="kommunicering-warning"' in r.text and "25 § förvaltningslagen" in r.text
    r = c.post(f"/case/{app_id}/sign", data={"csrf_token": csrf(page), "decision_id": web.decision_id(app_id),
                                             "action": "approve"}, follow_redirects=False)
    assert r.status_code == 303  # a warning, not a refusal: the record says kommunicering is missing
    assert web.events("signed")[-1]["communication"] == "missing"
