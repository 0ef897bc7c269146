"""Sign-off: approve, amend (recomputed as trace steps), reject, return, four eyes, the letter, fetch again."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from adapters.driven.db.casefile import load_case
from adapters.driven.letters.templating import template_set_hash
from adapters.driving.web.signoff import Override, Resolution, SignOffError, SignRequest, countersign, refuse, sign
from decision.bundle import RegistryEntry
from tests.integration.web.conftest import Web, csrf, example


def _resolve_all(web: Web, app_id: str) -> tuple[Resolution, ...]:
    with web.db.read() as s:
        case = load_case(s, app_id)
    return tuple(Resolution(i, "fynd.kontrollerat_paverkar_inte", "Kontrollerat med underlag.")
                 for i, f in enumerate(case.basis.findings) if f.severity == "manual")


def _record(web: Web, sign_off_id: str) -> dict[str, Any]:
    return json.loads(web.scalar("SELECT record_json FROM sign_off WHERE id = :i", i=sign_off_id))


def test_approving_a_grant_signs_it_and_writes_the_letter_with_its_hashes(web: Web, ids: dict[str, str]) -> None:
    web.make_app(pdf=True)
    app_id = ids["01"]
    c = web.login("handlaggare1")
    page = c.get(f"/case/{app_id}").text
    r = c.post(f"/case/{app_id}/sign", data={"csrf_token": csrf(page), "decision_id": web.decision_id(app_id),
                                             "action": "approve"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("msg=signed")
    assert web.state(app_id) == "signed"
    sign_off, record_hash, record_json = web.rows(
        "SELECT id, record_hash, record_json FROM sign_off WHERE application_id = :i", i=app_id)[0]
    record = json.loads(record_json)
    assert record["schema"] == "finaid.signed-decision/1"
    assert record["outcome"] == "beviljat" and record["amounts"]["decided"] == "8360.00"
    assert record["proposal"]["basis_hash"] == web.scalar("SELECT basis_hash FROM decision WHERE id = :i",
                                                          i=web.decision_id(app_id))
    assert record["signatures"][0]["actor"] == "user:handlaggare1"
    canonical = json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    assert record_hash == "sha256:" + hashlib.sha256(canonical).hexdigest()
    html, pdf, html_hash, pdf_hash, template_hash = web.rows(
        "SELECT html, pdf, html_sha256, pdf_sha256, template_hash FROM letter WHERE sign_off_id = :i", i=sign_off)[0]
    assert html_hash == "sha256:" + hashlib.sha256(html.encode()).hexdigest()
    assert pdf[:5] == b"%PDF-" and pdf_hash == "sha256:" + hashlib.sha256(pdf).hexdigest()
    assert template_hash == template_set_hash()
    for text in ("beviljar dig försörjningsstöd med 8\u00a0360\u00a0kr för mars 2023", "inom tre veckor",
                 "förvaltningsrätten", "Skäl för beslutet", "4 kap. 1 § socialtjänstlagen (2001:453)",
                 "Beslutsfattare", "Hanna Handläggare (demo)", "Det här behöver du göra", "[Gatuadress – demo]"):
        assert text in html, text
    assert c.get(f"/case/{app_id}/letter.pdf").content == pdf
    assert web.events("letter_created")[-1]["html_sha256"] == html_hash
    signed = web.events("signed")[-1]
    assert signed["complete"] is True and signed["action"] == "approve"
    assert "8360" not in json.dumps(signed)  # ids, hashes and codes only


def test_a_manual_case_needs_every_finding_resolved_and_an_amendment_needs_a_reason(web: Web,
                                                                                   ids: dict[str, str]) -> None:
    app_id = ids["11"]
    who = web.identity("handlaggare1")
    policy = web.app.state.services.policy
    with pytest.raises(SignOffError) as e:
        sign(web.db, who, app_id, SignRequest("approve", web.decision_id(app_id)), policy)
    assert len([m for m in e.value.errors if "ange hur fyndet" in m]) == 2
    other, _ = web.line(app_id, "cost.other")
    with pytest.raises(SignOffError) as e:
        sign(web.db, who, app_id, SignRequest("amend", web.decision_id(app_id),
                                             overrides=(Override(other, 240_000, "", ""),),
                                             resolutions=_resolve_all(web, app_id)), policy)
    assert any("orsakskod" in m for m in e.value.errors) and any("motivering" in m for m in e.value.errors)
    with pytest.raises(SignOffError):
        sign(web.db, who, app_id, SignRequest("reject", web.decision_id(app_id), resolutions=_resolve_all(web, app_id),
                                             reason_code="avslag.annan_bedomning", motivation=""), policy)
    with pytest.raises(SignOffError):  # a retired or unknown code is refused
        sign(web.db, who, app_id, SignRequest("reject", web.decision_id(app_id), resolutions=_resolve_all(web, app_id),
                                             reason_code="no.such.code", motivation="x"), policy)
    assert web.state(app_id) == "proposed"
    assert web.scalar("SELECT count(*) FROM sign_off") == 0


def test_four_eyes_amendment_waits_for_another_supervisor(web: Web, ids: dict[str, str]) -> None:
    app_id = ids["11"]
    policy = web.app.state.services.policy
    other, _ = web.line(app_id, "cost.other")
    first = sign(web.db, web.identity("handlaggare1"), app_id, SignRequest(
        "amend", web.decision_id(app_id), overrides=(Override(other, 240_000, "kostnad.skalig_individuellt",
                                                              "Akut tandvård."),),
        resolutions=_resolve_all(web, app_id)), policy)
    assert first.needs_second and first.four_eyes == ["amount"] and first.letter_id is None
    assert web.state(app_id) == "awaiting_second_signature"
    record = _record(web, first.sign_off_id)
    steps = record["trace"]
    assert [s["rule"] for s in steps] == ["override.cost.other", "override.result.decided"]
    a = record["amounts"]
    norm, costs, income = (int(a[k].replace(".", "")) for k in ("norm", "costs_accepted", "income_counted"))
    assert int(a["decided"].replace(".", "")) == norm + costs - income == steps[-1]["amount"]
    assert a["decided"] == "6772.50" and record["outcome"] == "beviljat"
    handler = web.login("handlaggare1")
    assert handler.post(f"/case/{app_id}/countersign", data={
        "csrf_token": csrf(handler.get("/queue").text), "first_id": first.sign_off_id}).status_code == 403
    sup = web.login("supervisor1")
    page = sup.get(f"/case/{app_id}").text
    assert "Väntar på andra underskrift" in page
    r = sup.post(f"/case/{app_id}/countersign", data={"csrf_token": csrf(page), "first_id": first.sign_off_id},
                 follow_redirects=False)
    assert r.status_code == 303 and web.state(app_id) == "signed"
    final = web.rows("SELECT record_json FROM sign_off WHERE action = 'countersign'")[0][0]
    sigs = json.loads(final)["signatures"]
    assert [(s["actor"], s["kind"]) for s in sigs] == [("user:handlaggare1", "decided"),
                                                       ("user:supervisor1", "countersigned")]
    letter = sup.get(f"/case/{app_id}/letter").text
    assert "Sara Arbetsledare (demo)" in letter and "gemensamt" in letter
    api = web.scalar("SELECT count(*) FROM letter WHERE application_id = :i", i=app_id)
    assert api == 1


def test_a_supervisor_who_decided_cannot_countersign_and_a_refusal_reopens_the_proposal(web: Web,
                                                                                      ids: dict[str, str]) -> None:
    app_id = ids["14"]
    policy = web.app.state.services.policy
    rent, amount = web.line(app_id, "cost.rent")
    first = sign(web.db, web.identity("supervisor1"), app_id, SignRequest(
        "amend", web.decision_id(app_id), overrides=(Override(rent, amount + 150_000, "kostnad.tillfallig_overgang",
                                                              "Övergångstid tre månader."),)), policy)
    assert first.needs_second
    with pytest.raises(SignOffError):
        countersign(web.db, web.identity("supervisor1"), app_id, first.sign_off_id)
    refuse(web.db, web.identity("supervisor2"), app_id, first.sign_off_id, "underskrift.motivering_otillracklig",
           "Beskriv övergångstiden.", policy)
    assert web.state(app_id) == "proposed"
    assert web.events("second_signature_refused")


def test_reject_and_return(web: Web, ids: dict[str, str]) -> None:
    policy = web.app.state.services.policy
    app_id = ids["01"]
    result = sign(web.db, web.identity("handlaggare1"), app_id, SignRequest(
        "reject", web.decision_id(app_id), reason_code="avslag.tillgangar_ska_anvandas",
        motivation="Sparande på 40 000 kr ska användas först."), policy)
    assert result.needs_second  # refusing 8 360 kr against the proposal changes the total beyond 1 000 kr
    record = _record(web, result.sign_off_id)
    assert record["outcome"] == "avslag" and record["amounts"]["decided"] == "0.00"
    c = web.login("handlaggare1")
    other = ids["04"]
    page = c.get(f"/case/{other}").text
    r = c.post(f"/case/{other}/return", data={"csrf_token": csrf(page), "decision_id": web.decision_id(other),
                                              "return_reason": "komplettering.underlag_saknas",
                                              "return_motivation": "Kontoutdrag för tre månader."},
               follow_redirects=False)
    assert r.status_code == 303 and web.state(other) == "returned"
    assert "Återförd för komplettering" in c.get(f"/case/{other}").text


class _Registry:
    """A registry source answering with the bundle's own answers, fetched again (a fake, no network)."""

    def __init__(self, entries: list[RegistryEntry]) -> None:
        self.entries = entries
        self.calls = 0

    async def fetch(self, bundle: Any) -> list[RegistryEntry]:
        self.calls += 1
        return [e.model_copy(update={"request_id": e.request_id + "-again"}) for e in self.entries]


def test_fetch_again_makes_a_new_proposal_that_supersedes_the_old(web: Web, ids: dict[str, str]) -> None:
    app_id = ids["08"]  # Försäkringskassan did not answer
    c = web.login("handlaggare1")
    r = c.post(f"/case/{app_id}/fetch", data={"csrf_token": csrf(c.get("/queue").text)}, follow_redirects=False)
    assert r.headers["location"].endswith("msg=no_registry")  # no registry configured in the test app
    assert "Registret är inte konfigurerat" in c.get(r.headers["location"]).text
    bundle = example("08")
    registry = _Registry(list(bundle.registry or []))
    web.make_app(registry_factory=lambda db: registry)
    c = web.login("handlaggare1")
    old = web.decision_id(app_id)
    # Försäkringskassan still does not answer: the current proposal stays current, both are shown
    kept = c.post(f"/case/{app_id}/fetch", data={"csrf_token": csrf(c.get("/queue").text)}, follow_redirects=False)
    assert kept.status_code == 200 and web.decision_id(app_id) == old and registry.calls == 1
    assert "det tidigare förslaget gäller fortfarande" in kept.text and "Svarade inte: Försäkringskassan" in kept.text
    # the handler chooses the new one
    r = c.post(f"/case/{app_id}/fetch", data={"csrf_token": csrf(c.get("/queue").text), "use_new": "1"},
               follow_redirects=False)
    assert r.headers["location"].endswith("msg=fetched") and registry.calls == 2
    new = web.decision_id(app_id)
    assert new != old and web.state(app_id) == "proposed"
    assert web.scalar("SELECT superseded_by FROM decision WHERE id = :i", i=old) == new
    assert web.scalar("SELECT count(*) FROM application_revision WHERE application_id = :i", i=app_id) >= 2


def test_the_case_page_shows_three_amounts_and_the_previous_month(web: Web, ids: dict[str, str]) -> None:
    bundle = example("01")
    app = bundle.application
    earlier = bundle.model_copy(update={"application": app.model_copy(update={
        "id": "APP-2023-000041", "month": "2023-02",
        "costs": [app.costs[0].model_copy(update={"amount": 790_000}), *app.costs[1:]]})})
    web.decide(earlier)
    c = web.login("handlaggare1")
    page = c.get(f"/case/{ids['01']}").text
    for text in ("Ansökt", "Enligt reglerna", "Beslutat", "APP-2023-000041", "Förändring mot föregående månad",
                 "+300\u00a0kr", "Registeruppgifter", "Händelser i ärendet", "skv-7f3a"):
        assert text in page, text
    assert "198507092388" not in page  # persons by role, never by personnummer
