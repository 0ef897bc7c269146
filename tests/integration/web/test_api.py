"""The HTTP API: tokens and scopes, submit (202, idempotent), reads through the access log, errors."""

from __future__ import annotations

import json
import re

from adapters.driving.api.routes import add_token, revoke_token
from adapters.driving.web.signoff import SignRequest, sign
from tests.integration.web.conftest import EXAMPLES, Web

PNR = re.compile(r"\d{8}-?\d{4}")


def _token(web: Web, *scopes: str, rate: int | None = None) -> dict[str, str]:
    _, token = add_token(web.db, "e-tjanst", list(scopes), "cli:test", rate)
    return {"Authorization": f"Bearer {token}"}


def _new_bundle() -> bytes:
    data = json.loads(next(EXAMPLES.glob("01-*.json")).read_text())
    data["application"]["id"] = "APP-2023-API-0001"
    del data["registry"]
    return json.dumps(data).encode()


def test_submit_stores_the_bundle_as_received_and_is_idempotent(web: Web) -> None:
    c = web.client()
    h = {**_token(web, "submit", "status:read"), "Content-Type": "application/json"}
    body = _new_bundle()
    r = c.post("/api/v1/applications", content=body, headers=h)
    assert r.status_code == 202, r.text
    first = r.json()
    assert first["id"] == "APP-2023-API-0001" and first["state"] == "received" and first["created"] is True
    again = c.post("/api/v1/applications", content=body, headers=h).json()
    assert again["revision"] == first["revision"] and again["created"] is False
    assert web.scalar("SELECT count(*) FROM application_revision WHERE application_id = 'APP-2023-API-0001'") == 1
    assert web.scalar("SELECT household_key FROM application WHERE id = 'APP-2023-API-0001'")  # linked household
    status = c.get("/api/v1/applications/APP-2023-API-0001", headers=h).json()
    assert status["state"] == "received" and status["decision_id"] is None
    assert web.rows("SELECT actor, channel, action FROM access_log ORDER BY seq DESC LIMIT 1")[0] == (
        "api:e-tjanst", "api", "status")


def test_invalid_bundles_answer_422_with_field_paths_and_no_echo(web: Web) -> None:
    c = web.client()
    h = {**_token(web, "submit"), "Content-Type": "application/json"}
    data = json.loads(_new_bundle())
    data["application"]["household"][1]["personnummer"] = "198703114425"  # wrong check digit
    data["application"]["costs"][0]["amount"] = 8200
    r = c.post("/api/v1/applications", content=json.dumps(data), headers=h)
    assert r.status_code == 422
    errors = r.json()["errors"]
    paths = {e["path"] for e in errors}
    assert "application.household[1].personnummer" in paths and "application.costs[0].amount" in paths
    assert not PNR.search(r.text) and "8200" not in r.text
    assert c.post("/api/v1/applications", content=b"{not json", headers=h).status_code == 422
    data = json.loads(_new_bundle())
    data["application"]["month"] = "2031-01"
    r = c.post("/api/v1/applications", content=json.dumps(data), headers=h)
    assert r.status_code == 422 and "2031" not in r.text
    assert c.post("/api/v1/applications", content=b"x" * (web.config.api_max_body_bytes + 1),
                  headers=h).status_code == 413
    assert c.post("/api/v1/applications", content=_new_bundle(),
                  headers={**h, "Content-Type": "text/plain"}).status_code == 415


def test_tokens_scopes_revocation_and_rate_limit(web: Web, ids: dict[str, str]) -> None:
    c = web.client()
    assert c.get(f"/api/v1/applications/{ids['01']}").status_code == 401
    assert c.get(f"/api/v1/applications/{ids['01']}", headers={"Authorization": "Bearer nope"}).status_code == 401
    status_only = _token(web, "status:read")
    assert c.get(f"/api/v1/applications/{ids['01']}", headers=status_only).status_code == 200
    r = c.get(f"/api/v1/applications/{ids['01']}/basis", headers=status_only)
    assert r.status_code == 403 and r.json() == {"errors": [{"path": "", "message":
                                                            "the token lacks the scope basis:read"}]}
    tid, token = add_token(web.db, "case-system", ["status:read"], "cli:test")
    revoke_token(web.db, tid, "cli:test")
    assert c.get(f"/api/v1/applications/{ids['01']}", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    limited = _token(web, "status:read", rate=3)
    codes = [c.get(f"/api/v1/applications/{ids['01']}", headers=limited).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    r = c.get(f"/api/v1/applications/{ids['01']}", headers=limited)
    assert int(r.headers["Retry-After"]) >= 1 and r.json()["errors"][0]["message"] == "rate limit exceeded"
    assert c.get("/api/v1/applications?limit=100000", headers=status_only).status_code == 422
    assert c.get("/api/v1/nowhere", headers=status_only).json()["errors"][0]["message"] == "not found"


def test_basis_and_signed_decision_are_read_through_the_access_log(web: Web, ids: dict[str, str]) -> None:
    c = web.client()
    h = _token(web, "basis:read", "decision:read")
    app_id = ids["01"]
    r = c.get(f"/api/v1/applications/{app_id}/basis", headers=h)
    # decided as of the day the fixture ran: basis /2 from the packs published 2026-12-04, /1 before
    assert r.status_code == 200 and r.json()["schema"] in ("finaid.decision-basis/1", "finaid.decision-basis/2")
    assert r.json()["rules"]["pack"].startswith("sol2001_453_")
    assert c.get(f"/api/v1/applications/{app_id}/decision", headers=h).status_code == 404
    sign(web.db, web.identity("handlaggare1"), app_id, SignRequest("approve", web.decision_id(app_id)),
         web.app.state.services.policy, web.app.state.services.letters)
    r = c.get(f"/api/v1/applications/{app_id}/decision", headers=h)
    assert r.status_code == 200 and r.json()["schema"] == "finaid.signed-decision/1"
    actions = [row[0] for row in web.rows("SELECT action FROM access_log WHERE channel = 'api' ORDER BY seq")]
    assert actions == ["basis", "decision"]


def test_openapi_document_names_every_operation_and_the_contract(web: Web) -> None:
    spec = web.client().get("/api/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    assert set(spec["paths"]) == {"/api/v1/applications", "/api/v1/applications/{application_id}",
                                  "/api/v1/applications/{application_id}/basis",
                                  "/api/v1/applications/{application_id}/decision"}
    assert "CaseBundle" in spec["components"]["schemas"] and "DecisionBasis" in spec["components"]["schemas"]


def test_protected_identity_is_answered_by_no_endpoint_as_no_listing_shows_it(web: Web, ids: dict[str, str]) -> None:
    """Issue 18, finding 8: the single-application endpoints follow the listing's rule (404, access log untouched)."""
    protected = ids["09"]
    assert web.scalar("SELECT protected FROM application WHERE id = :i", i=protected) in (1, True)
    c = web.client()
    h = _token(web, "status:read", "basis:read", "decision:read")
    listed = {a["id"] for a in c.get("/api/v1/applications", headers=h).json()["applications"]}
    assert protected not in listed and ids["01"] in listed
    before = web.scalar("SELECT count(*) FROM access_log WHERE channel = 'api'")
    for tail in ("", "/basis", "/decision"):
        r = c.get(f"/api/v1/applications/{protected}{tail}", headers=h)
        assert r.status_code == 404 and r.json() == {"errors": [{"path": "", "message": "no such application"}]}
    assert web.scalar("SELECT count(*) FROM access_log WHERE channel = 'api'") == before
    assert c.get(f"/api/v1/applications/{ids['01']}", headers=h).status_code == 200


def test_a_v2_bundle_is_stored_as_received_and_its_bad_fields_answer_422(web: Web) -> None:
    c = web.client()
    h = {**_token(web, "submit"), "Content-Type": "application/json"}
    data = json.loads(_new_bundle())
    data["schema"] = "finaid.case-bundle/2"
    app = data["application"]
    app.pop("previous_aid", None)
    app["id"] = "APP-2023-API-0002"
    app["household"][0]["name"] = "Testa Exempelsson"
    app["aid_history"] = [{"person": app["household"][0]["personnummer"], "months_on_aid_in_row": 2}]
    r = c.post("/api/v1/applications", content=json.dumps(data), headers=h)
    assert r.status_code == 202, r.text
    stored = json.loads(web.scalar(
        "SELECT bundle_json FROM application_revision WHERE application_id = 'APP-2023-API-0002'"))
    assert stored["schema"] == "finaid.case-bundle/2" and "previous_aid" not in stored["application"]
    bad = json.loads(json.dumps(data))
    bad["application"]["id"] = "APP-2023-API-0003"
    bad["application"]["household"][0]["days_in_household"] = 3  # an adult
    r = c.post("/api/v1/applications", content=json.dumps(bad), headers=h)
    assert r.status_code == 422 and "Exempelsson" not in r.text
    assert "application.household[0].days_in_household" in {e["path"] for e in r.json()["errors"]}
    sup = json.loads(json.dumps(data))
    sup["application"].update(id="APP-2023-API-0004", kind="supplementary")
    r = c.post("/api/v1/applications", content=json.dumps(sup), headers=h)
    assert r.status_code == 422 and [e["path"] for e in r.json()["errors"]] == ["application.kind"]
    assert web.scalar("SELECT count(*) FROM application WHERE id IN ('APP-2023-API-0003', 'APP-2023-API-0004')") == 0


def test_a_bad_attachments_entry_answers_422_naming_the_field(web: Web) -> None:
    """application.attachments (/2 only, docs/case-bundle.md): a bad entry is named by its path; a /1 bundle with
    it is refused; nothing is stored for either."""
    c = web.client()
    h = {**_token(web, "submit"), "Content-Type": "application/json"}
    data = json.loads(_new_bundle())
    data["schema"] = "finaid.case-bundle/2"
    del data["application"]["previous_aid"]
    good = {"id": "01JATTACHMENT0000000000001", "sha256": "ab" * 32, "media_type": "application/pdf", "size": 812,
            "label": "Hyresavi"}
    data["application"]["attachments"] = [{**good, "sha256": "AB" * 32}, {**good, "id": "b", "media_type": "text/html"}]
    r = c.post("/api/v1/applications", content=json.dumps(data), headers=h)
    assert r.status_code == 422
    paths = {e["path"] for e in r.json()["errors"]}
    assert {"application.attachments[0].sha256", "application.attachments[1].media_type"} <= paths
    assert "Hyresavi" not in r.text and "ab" * 32 not in r.text
    v1 = json.loads(_new_bundle())
    v1["application"]["attachments"] = [good]
    r = c.post("/api/v1/applications", content=json.dumps(v1), headers=h)
    assert r.status_code == 422 and {"path": "application.attachments",
                                     "message": "finns bara i finaid.case-bundle/2"} in r.json()["errors"]
    assert web.scalar("SELECT count(*) FROM application WHERE id = 'APP-2023-API-0001'") == 0
    data["application"]["attachments"] = [good]
    assert c.post("/api/v1/applications", content=json.dumps(data), headers=h).status_code == 202
